from django.urls import include, path

from passeport.www import views

app_name = "www"

urlpatterns = [
    path("", views.home, name="accueil"),
    path("certificateur/", include("passeport.www.certifier.urls")),
    path("", include("passeport.www.holder.urls")),
    path("", include("passeport.www.verification.urls")),
]
