"""Forms of the holder's space (DSFR classes set here, labels in French)."""

from django import forms

from passeport.records.attestations import max_bytes
from passeport.records.models import DeclaredItem, DeclaredKind
from passeport.records.timeline import KINDS


class _Dsfr:
    def _style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            css = "fr-select" if isinstance(widget, forms.Select) else "fr-input"
            if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
                css = "fr-upload"
            widget.attrs.setdefault("class", css)


class DeclaredItemForm(_Dsfr, forms.ModelForm):
    attestation = forms.FileField(
        label="Attestation (facultative)",
        required=False,
        help_text=f"PDF, JPEG ou PNG, {max_bytes() // (1024 * 1024)} Mo au plus.",
    )

    class Meta:
        model = DeclaredItem
        fields = ["kind", "title", "organisation", "place", "start", "end", "description"]
        labels = {"kind": "Nature de l'élément"}
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "end": "Laissez vide si l'élément est en cours.",
            "organisation": "Établissement, employeur ou association.",
        }

    def __init__(self, *args, with_attestation: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = DeclaredKind.choices
        if not with_attestation:
            del self.fields["attestation"]
        self._style()

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "La date de fin précède la date de début.")
        return cleaned


class AttestationForm(_Dsfr, forms.Form):
    fichier = forms.FileField(
        label="Ajouter une attestation",
        help_text=f"PDF, JPEG ou PNG, {max_bytes() // (1024 * 1024)} Mo au plus.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class TimelineFilterForm(_Dsfr, forms.Form):
    type = forms.ChoiceField(
        label="Nature", required=False, choices=[("", "Toutes")] + list(KINDS.items())
    )
    de = forms.IntegerField(label="De l'année", required=False, min_value=1900, max_value=2100)
    a = forms.IntegerField(label="À l'année", required=False, min_value=1900, max_value=2100)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._style()
