"""Forms of the holder's space (DSFR classes set here, labels in French)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from passeport.documents.models import Cv
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
        label=_("Attestation (facultative)"),
        required=False,
        help_text=_("PDF, JPEG ou PNG, %(size)s Mo au plus.")
        % {"size": max_bytes() // (1024 * 1024)},
    )

    class Meta:
        model = DeclaredItem
        fields = ["kind", "title", "organisation", "place", "start", "end", "description"]
        labels = {"kind": _("Nature de l'élément")}
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "end": _("Laissez vide si l'élément est en cours."),
            "organisation": _("Établissement, employeur ou association."),
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
            self.add_error("end", _("La date de fin précède la date de début."))
        return cleaned


class AttestationForm(_Dsfr, forms.Form):
    fichier = forms.FileField(
        label=_("Ajouter une attestation"),
        help_text=_("PDF, JPEG ou PNG, %(size)s Mo au plus.")
        % {"size": max_bytes() // (1024 * 1024)},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class TimelineFilterForm(_Dsfr, forms.Form):
    type = forms.ChoiceField(
        label=_("Nature"), required=False, choices=[("", _("Toutes"))] + list(KINDS.items())
    )
    de = forms.IntegerField(label=_("De l'année"), required=False, min_value=1900, max_value=2100)
    a = forms.IntegerField(label=_("À l'année"), required=False, min_value=1900, max_value=2100)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class CvForm(_Dsfr, forms.ModelForm):
    """A CV draft: its texts, its template, and the items it shows (in timeline order)."""

    elements = forms.MultipleChoiceField(
        label=_("Éléments à faire figurer"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Les éléments masqués de vos documents ne sont pas proposés."),
    )

    class Meta:
        model = Cv
        fields = ["title", "summary", "email", "phone", "city", "template"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, entries=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["elements"].choices = [
            (f"{e.source}:{e.pk}", f"{e.title} ({e.kind_label}, {e.trust_label})") for e in entries
        ]
        if self.instance.pk and not self.is_bound:
            self.initial["elements"] = [f"{i['source']}:{i['pk']}" for i in self.instance.items]
        self._style()
        self.fields["elements"].widget.attrs.pop("class", None)

    def save(self, commit: bool = True) -> Cv:
        cv = super().save(commit=False)
        cv.items = [
            {"source": value.split(":")[0], "pk": int(value.split(":")[1])}
            for value in self.cleaned_data["elements"]
        ]
        if commit:
            cv.save()
        return cv
