"""URLs of the certifiers' portal, mounted under ``/certificateur/`` in the ``www`` namespace."""

from django.urls import path

from passeport.www.certifier import views

urlpatterns = [
    path("", views.portal, name="portail"),
    path("connexion/", views.LoginView.as_view(), name="connexion"),
    path("deconnexion/", views.LogoutView.as_view(), name="deconnexion"),
    path("depots/", views.deposit_list, name="depots"),
    path("depots/nouveau/", views.deposit_new, name="deposer"),
    path("depots/<int:pk>/", views.deposit_detail, name="depot"),
    path("depots/<int:pk>/progression/", views.deposit_progress, name="depot-progression"),
    path(
        "depots/<int:pk>/accuse-reception.xml",
        views.reception_download,
        name="accuse-reception",
    ),
    path(
        "depots/<int:pk>/accuse-traitement.xml",
        views.report_download,
        name="accuse-traitement",
    ),
]
