"""Public verification pages, in the ``www`` namespace."""

from django.urls import path

from passeport.www.verification import views

urlpatterns = [
    path("verification/", views.verify_upload, name="verification"),
    path("v/<uuid:uid>", views.verify_registered, name="verification-qr"),
    path("partage/<str:token>/", views.shared, name="partage"),
    path("statuts/<slug:purpose>", views.status_list, name="statuts"),
]
