from django.urls import path

from passeport.www import views

app_name = "www"

urlpatterns = [
    path("", views.home, name="accueil"),
]
