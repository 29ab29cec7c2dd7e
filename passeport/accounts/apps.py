from django.apps import AppConfig


class Config(AppConfig):
    name = "passeport.accounts"
    label = "accounts"
    verbose_name = "Comptes"
