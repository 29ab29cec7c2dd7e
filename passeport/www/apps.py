from django.apps import AppConfig


class Config(AppConfig):
    name = "passeport.www"
    label = "www"
    verbose_name = "Site"
