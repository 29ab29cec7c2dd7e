"""Admin of the identity register: staff may correct an état civil, never see a NIR.

The NIR is not decrypted here at all: not in lists, pages, search, history or errors.
Finding someone by NIR goes through a POST form (the NIR stays out of URLs and server logs)
that hashes it and opens the holder's page; a NIR typed into the name search box is refused
without being echoed. Every holder page opened is written to the access journal.
"""

import re
from datetime import date

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from passeport.access import journal
from passeport.core.admin import ReadOnlyInline, admin_link, inline_template
from passeport.core.text import normalize_name
from passeport.identity import nir as nirlib
from passeport.identity.models import ETAT_CIVIL, CpfFile, Holder

# Anything shaped like a NIR, with or without key or spaces (never matched against names).
NIR_LIKE = re.compile(r"[1-478][0-9]{4}(?:2[AB]|[0-9]{2})[0-9]{6}(?:[0-9]{2})?")
PURPOSE = "Consultation de la fiche du titulaire dans l'administration"

CHANGE_LIST = """{% extends "admin/change_list.html" %}
{% block object-tools-items %}
<li><a href="{% url 'admin:identity_holder_nir' %}">Rechercher par NIR</a></li>
{{ block.super }}
{% endblock %}
"""

NIR_SEARCH = """{% extends "admin/base_site.html" %}
{% block breadcrumbs %}<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">Accueil</a>
› <a href="{% url 'admin:identity_holder_changelist' %}">Titulaires</a>
› {{ title }}</div>{% endblock %}
{% block content %}<div id="content-main">
<p>Le NIR saisi n'est ni conservé, ni affiché, ni placé dans une adresse : seule son
empreinte sert à retrouver la fiche. La consultation est inscrite au journal des accès.</p>
<form method="post" autocomplete="off">{% csrf_token %}
<fieldset class="module aligned">{% for field in form %}<div class="form-row">
{{ field.errors }}{{ field.label_tag }} {{ field }}
<div class="help">{{ field.help_text }}</div></div>{% endfor %}</fieldset>
<div class="submit-row"><input type="submit" class="default" value="Rechercher"></div>
</form></div>{% endblock %}
"""


def looks_like_nir(text: str) -> bool:
    return bool(NIR_LIKE.search(re.sub(r"\s", "", text or "").upper()))


class NirSearchForm(forms.Form):
    nir = forms.CharField(
        label="NIR",
        max_length=21,
        help_text="13 caractères, ou 15 avec la clé ; les espaces sont ignorés.",
        # The typed value is never sent back to the browser, even with an error.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    def clean_nir(self) -> str:
        try:
            return nirlib.normalize(self.cleaned_data["nir"])
        except nirlib.InvalidNir as exc:
            raise forms.ValidationError(f"NIR invalide : {exc}.") from None


class HolderForm(forms.ModelForm):
    """The état civil, with the bounds the register import checks."""

    class Meta:
        model = Holder
        fields = ETAT_CIVIL

    def clean_birth_year(self) -> int:
        year = self.cleaned_data["birth_year"]
        if not 1870 <= year <= date.today().year:
            raise forms.ValidationError("Année de naissance invraisemblable.")
        return year

    def clean_birth_month(self) -> int | None:
        month = self.cleaned_data["birth_month"]
        if month is not None and not 1 <= month <= 12:
            raise forms.ValidationError("Le mois doit être compris entre 1 et 12.")
        return month

    def clean_birth_day(self) -> int | None:
        day = self.cleaned_data["birth_day"]
        if day is not None and not 1 <= day <= 31:
            raise forms.ValidationError("Le jour doit être compris entre 1 et 31.")
        return day


class CpfFileInline(ReadOnlyInline):
    model = CpfFile
    fields = ("number",)
    readonly_fields = ("number",)


@admin.register(Holder)
class HolderAdmin(admin.ModelAdmin):
    form = HolderForm
    list_display = ("birth_name", "usage_name", "first_name1", "sex", "birth_year", "birth_insee")
    list_filter = ("sex",)
    # Searched on the normalised columns: « éléonore » finds ÉLÉONORE.
    search_fields = ("^n_birth_name", "^n_usage_name", "^n_first_name1")
    search_help_text = (
        "Nom de naissance, nom d'usage ou prénom (pour un NIR : « Rechercher par NIR »)."
    )
    fieldsets = (
        ("État civil", {"fields": ETAT_CIVIL}),
        ("Identification", {"fields": ("nir", "certifications", "created_at", "updated_at")}),
    )
    readonly_fields = ("nir", "certifications", "created_at", "updated_at")
    inlines = (CpfFileInline,)
    show_full_result_count = False

    @property
    def change_list_template(self):
        return inline_template(CHANGE_LIST)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the register is imported (passeport registre importer)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # guaranteed items and the journal point at holders

    @admin.display(description="NIR")
    def nir(self, obj: Holder) -> str:
        return "Chiffré, jamais affiché. Pour vérifier un NIR : « Rechercher par NIR »."

    @admin.display(description="certifications")
    def certifications(self, obj: Holder) -> str:
        return admin_link(
            "admin:records_certificationitem_changelist",
            "Voir ses certifications",
            query=f"holder__id__exact={obj.pk}",
        )

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, normalize_name(search_term))

    def get_urls(self):
        view = self.admin_site.admin_view(self.nir_search_view)
        return [path("nir/", view, name="identity_holder_nir"), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if looks_like_nir(request.GET.get("q", "")):
            messages.warning(
                request,
                "Recherche refusée : un NIR ne se saisit pas dans la recherche par nom (il "
                "apparaîtrait dans l'adresse). Utilisez « Rechercher par NIR ».",
            )
            return HttpResponseRedirect(reverse("admin:identity_holder_changelist"))
        return super().changelist_view(request, extra_context)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            holder = self.get_object(request, object_id)
            if holder is not None:
                self._journal(request, holder, "consultation-admin")
        return response

    def save_model(self, request: HttpRequest, obj: Holder, form, change: bool) -> None:
        obj.refresh_normalized()  # matching reads the normalised columns and match_key
        super().save_model(request, obj, form, change)
        self._journal(request, obj, "modification-etat-civil-admin", {"champs": form.changed_data})

    def nir_search_view(self, request: HttpRequest):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        form = NirSearchForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            holder = Holder.objects.filter(
                nir_hash=nirlib.lookup_hash(form.cleaned_data["nir"])
            ).first()
            if holder is not None:
                return HttpResponseRedirect(
                    reverse("admin:identity_holder_change", args=[holder.pk])
                )
            messages.warning(request, "Aucun titulaire du répertoire n'a ce NIR.")
            form = NirSearchForm()
        context = {
            **self.admin_site.each_context(request),
            "title": "Rechercher un titulaire par NIR",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, inline_template(NIR_SEARCH), context)

    def _journal(self, request: HttpRequest, holder: Holder, action: str, details=None) -> None:
        journal.record(
            actor=request.user.get_username(),
            actor_kind="exploitant",
            action=action,
            purpose=PURPOSE,
            holder=holder,
            details=details or {},
        )
