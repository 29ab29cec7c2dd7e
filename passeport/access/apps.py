from django.apps import AppConfig


class Config(AppConfig):
    name = "passeport.access"
    label = "access"
    verbose_name = "Accès"
