"""URLs of the holders' space, in the ``www`` namespace."""

from django.urls import path

from passeport.www.holder import views

urlpatterns = [
    path("connexion/", views.login_page, name="titulaire-connexion"),
    path("connexion/<slug:provider>/", views.login_start, name="titulaire-connexion-debut"),
    path("connexion-retour/", views.login_return, name="titulaire-retour"),
    path("deconnexion/", views.logout_view, name="titulaire-deconnexion"),
    path("oidc/jwks", views.jwks, name="jwks"),
    path("mon-passeport/", views.my_passport, name="mon-passeport"),
]
