from django.apps import AppConfig


class Config(AppConfig):
    name = "passeport.certifiers"
    label = "certifiers"
    verbose_name = "Certificateurs"
