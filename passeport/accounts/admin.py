"""Admin of who acts for an organisation: portal members and API tokens.

A token is shown in clear exactly once, on the page that issues it; afterwards only its
first characters (``prefix``) are ever displayed. Tokens are revoked, never edited back.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import construct_change_message
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from passeport.accounts.models import ApiToken, Membership
from passeport.certifiers.models import Organisation
from passeport.core.admin import inline_template

ISSUE = """{% extends "admin/base_site.html" %}
{% block breadcrumbs %}<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">Accueil</a>
› <a href="{% url 'admin:accounts_apitoken_changelist' %}">Jetons d'API</a>
› {{ title }}</div>{% endblock %}
{% block content %}<div id="content-main">
{% if token %}
<p>Jeton émis pour <strong>{{ issued.organisation }}</strong> ({{ issued.label }}).</p>
<p>Il n'est affiché qu'<strong>une seule fois</strong> : copiez-le maintenant dans le logiciel
déposant. Seule son empreinte est conservée ; s'il est perdu, révoquez-le et émettez-en un
autre.</p>
<p><code>{{ token }}</code></p>
<p><a href="{% url 'admin:accounts_apitoken_changelist' %}">Retour aux jetons</a></p>
{% else %}
<form method="post">{% csrf_token %}
<fieldset class="module aligned">{% for field in form %}<div class="form-row">
{{ field.errors }}{{ field.label_tag }} {{ field }}
<div class="help">{{ field.help_text }}</div></div>{% endfor %}</fieldset>
<div class="submit-row"><input type="submit" class="default" value="Émettre le jeton"></div>
</form>
{% endif %}
</div>{% endblock %}
"""


class IssueTokenForm(forms.Form):
    organisation = forms.ModelChoiceField(
        Organisation.objects.filter(is_depositor=True),
        label="Organisation déposante",
    )
    label = forms.CharField(
        label="Libellé",
        max_length=ApiToken._meta.get_field("label").max_length,
        help_text="Par exemple le logiciel ou le serveur qui utilisera le jeton.",
    )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation")
    list_select_related = ("user", "organisation")
    search_fields = ("user__username", "user__email", "organisation__bcr", "organisation__name")
    autocomplete_fields = ("user", "organisation")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "shown_prefix",
        "organisation",
        "label",
        "created_at",
        "last_used_at",
        "revoked",
    )
    list_select_related = ("organisation",)
    list_filter = ("revoked",)
    search_fields = ("=prefix", "label", "organisation__bcr", "organisation__name")
    fields = ("shown_prefix", "organisation", "label", "created_at", "last_used_at", "revoked")
    readonly_fields = ("shown_prefix", "organisation", "created_at", "last_used_at", "revoked")
    actions = ("revoke",)

    @admin.display(description="début du jeton", ordering="prefix")
    def shown_prefix(self, obj: ApiToken) -> str:
        return f"{obj.prefix}…"

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # revoked tokens stay listed: who could call the API, and until when

    def add_view(self, request: HttpRequest, form_url="", extra_context=None):
        """Issue through ``ApiToken.issue`` and show the clear token on this answer only."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IssueTokenForm(request.POST or None)
        context = {
            **self.admin_site.each_context(request),
            "title": "Émettre un jeton d'API",
            "opts": self.model._meta,
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            issued, token = ApiToken.issue(
                form.cleaned_data["organisation"], form.cleaned_data["label"].strip()
            )
            self.log_addition(request, issued, construct_change_message(form, None, True))
            context.update(token=token, issued=issued)
        return TemplateResponse(request, inline_template(ISSUE), context)

    @admin.action(description="Révoquer les jetons sélectionnés", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        tokens = list(queryset.filter(revoked=False))
        for token in tokens:
            token.revoked = True
            token.save(update_fields=["revoked"])
            self.log_change(request, token, [{"changed": {"fields": ["révoqué"]}}])
        messages.success(request, f"{len(tokens)} jeton(s) révoqué(s).")
