from django.apps import AppConfig


class Config(AppConfig):
    name = "passeport.identity"
    label = "identity"
    verbose_name = "Identité"
