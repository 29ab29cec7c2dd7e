from django.apps import AppConfig


class Config(AppConfig):
    name = "passeport.core"
    label = "core"
    verbose_name = "Noyau"
