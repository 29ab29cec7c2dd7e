from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "passeport.documents"
    verbose_name = "Documents (CV, attestations, preuves)"
