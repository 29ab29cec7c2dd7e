"""The demo identity provider, mounted at ``/fournisseur-demo/`` when settings enable it."""

from django.urls import path

from passeport.www.demo_provider import views

app_name = "fournisseur_demo"

urlpatterns = [
    path(".well-known/openid-configuration", views.discovery, name="discovery"),
    path("authorize", views.authorize, name="authorize"),
    path("token", views.token, name="token"),
    path("userinfo", views.userinfo, name="userinfo"),
    path("jwks", views.jwks, name="jwks"),
    path("session/end", views.end_session, name="end-session"),
]
