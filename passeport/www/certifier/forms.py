"""Forms of the certifiers' portal (the login form lives in ``passeport.accounts.forms``)."""

from django import forms
from django.core.files.uploadedfile import UploadedFile

from passeport.certifiers import services


def too_large_message() -> str:
    """The same words as the service's refusal, so both paths read alike."""
    label = services.size_label(services.max_bytes())
    return f"Le fichier dépasse la taille maximale autorisée ({label})."


class DepositForm(forms.Form):
    """One XML file. Its content is checked by the processing, which answers every file."""

    fichier = forms.FileField(
        label="Fichier XML à déposer",
        error_messages={
            "required": "Choisissez le fichier XML à déposer.",
            "empty": "Le fichier choisi est vide.",
            "missing": "Aucun fichier n'a été reçu : choisissez-le à nouveau.",
            "invalid": "Aucun fichier n'a été reçu : choisissez-le à nouveau.",
        },
        widget=forms.FileInput(
            attrs={"class": "fr-upload", "accept": ".xml,application/xml,text/xml"}
        ),
    )

    def __init__(self, *args, too_large: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if too_large:  # the upload handler dropped the file: say why it is missing
            self.fields["fichier"].error_messages["required"] = too_large_message()
        self.fields["fichier"].help_text = (
            "Un flux au format XML de la Caisse des Dépôts (schéma 1.1.2). "
            f"Taille maximale : {services.size_label(services.max_bytes())}."
        )

    def clean_fichier(self) -> UploadedFile:
        uploaded = self.cleaned_data["fichier"]
        if uploaded.size > services.max_bytes():
            raise forms.ValidationError(too_large_message(), code="too_large")
        return uploaded
