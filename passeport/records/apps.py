from django.apps import AppConfig


class Config(AppConfig):
    name = "passeport.records"
    label = "records"
    verbose_name = "Dossier"
