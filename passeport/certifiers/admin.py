"""Admin of the certifiers' side: organisations, contracts and habilitations are managed
here; open data and deposits are only looked at (a deposit is immutable; staff may only
queue again one whose processing did not finish)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from passeport.accounts.services import issue_token
from passeport.certifiers import services
from passeport.certifiers.models import (
    Certification,
    Contract,
    Deposit,
    DepositWarning,
    Grant,
    Organisation,
    PassageResult,
    RegisteredCertifier,
)
from passeport.certifiers.tasks import process_deposit
from passeport.core.admin import (
    PAGE,
    ReadOnlyAdmin,
    admin_link,
    inline_template,
    page_context,
)
from passeport.core.downloads import xml_download

FINAL_EXPLAINED = (
    "un dépôt traité ne peut pas être retraité : son accusé de traitement est définitif. "
    "Pour corriger des passages, le déposant envoie un nouveau fichier."
)

DEPOSIT_CHANGE_FORM = """{% extends "admin/change_form.html" %}
{% block object-tools-items %}
{% if can_reprocess %}<li><form method="post"
 action="{% url 'admin:certifiers_deposit_reprocess' original.pk %}">{% csrf_token %}
<button type="submit" class="button">Retraiter</button></form></li>{% endif %}
{% if original.report_name %}<li><a
 href="{% url 'admin:certifiers_deposit_report' original.pk %}">Accusé de traitement</a></li>
{% endif %}
{{ block.super }}
{% endblock %}
"""


# ---------------------------------------------------------------------------------------
# Organisations, contracts, habilitations


class GrantInlineForm(forms.ModelForm):
    """A recorded grant keeps its code: granting another one is a new line."""

    class Meta:
        model = Grant
        fields = ("code", "reason")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["code"].disabled = True


class GrantInline(admin.TabularInline):
    model = Grant
    form = GrantInlineForm
    fk_name = "certifier"
    extra = 0
    fields = ("code", "reason", "granted_by", "granted_at")
    readonly_fields = ("granted_by", "granted_at")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("bcr", "name", "siret", "is_certifier", "is_depositor")
    list_filter = ("is_certifier", "is_depositor")
    search_fields = ("bcr", "name", "siret")
    inlines = (GrantInline,)
    actions = ("issue_api_token",)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        for instance in formset.save(commit=False):
            if isinstance(instance, Grant) and instance.pk is None:
                instance.granted_by = request.user
            instance.save()
        for removed in formset.deleted_objects:
            removed.delete()
        formset.save_m2m()

    @admin.action(description="Émettre un jeton d'API (affiché une seule fois)")
    def issue_api_token(self, request: HttpRequest, queryset: QuerySet):
        """One new token per selected depositor, shown on the answer page and nowhere else."""
        if not request.user.has_perm("accounts.add_apitoken"):
            raise PermissionDenied
        issued, refused = [], []
        label = f"Émis dans l'administration par {request.user.get_username()}"
        for org in queryset.order_by("bcr"):
            if org.is_depositor:
                issued.append((org, issue_token(org, label)))
            else:
                refused.append(org)
        body = format_html(
            "<p>Chaque jeton n'est affiché qu'<strong>une seule fois</strong> : copiez-le "
            "maintenant dans le logiciel déposant. Seule son empreinte est conservée.</p>"
            "<table><thead><tr><th>Organisation</th><th>Jeton</th></tr></thead>"
            "<tbody>{}</tbody></table>{}",
            format_html_join(
                "", "<tr><td>{}</td><td><code>{}</code></td></tr>", ((o, t) for o, t in issued)
            ),
            format_html(
                "<p>Non déposantes, sans jeton : {}.</p>", ", ".join(o.bcr for o in refused)
            )
            if refused
            else "",
        )
        context = page_context(
            request,
            self.admin_site,
            "Jetons d'API émis",
            body,
            back_url=reverse("admin:certifiers_organisation_changelist"),
            back_label="Organisations",
        )
        return TemplateResponse(request, inline_template(PAGE), context)


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("contract_id", "depositor", "certifier")
    list_select_related = ("depositor", "certifier")
    search_fields = ("contract_id", "depositor__bcr", "certifier__bcr", "certifier__name")
    autocomplete_fields = ("depositor", "certifier")


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = ("certifier", "code", "reason", "granted_by", "granted_at")
    list_select_related = ("certifier", "granted_by")
    search_fields = ("code", "certifier__bcr", "certifier__name")
    autocomplete_fields = ("certifier",)
    fields = ("certifier", "code", "reason", "granted_by", "granted_at")
    readonly_fields = ("granted_by", "granted_at")

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # Who granted what, and when, stays true: to grant another code, add a new grant.
        if obj is not None:
            return ("certifier", "code", *self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Grant, form, change: bool) -> None:
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(RegisteredCertifier)
class RegisteredCertifierAdmin(ReadOnlyAdmin):
    list_display = ("code", "siret", "name")
    search_fields = ("=code", "=siret", "name")
    show_full_result_count = False


@admin.register(Certification)
class CertificationAdmin(ReadOnlyAdmin):
    list_display = ("code", "label")
    search_fields = ("=code", "label")
    show_full_result_count = False


# ---------------------------------------------------------------------------------------
# Deposits


@admin.register(Deposit)
class DepositAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "file_name",
        "depositor",
        "channel",
        "status",
        "received_at",
        "passages_ok",
        "passages_ko",
        "warnings_count",
    )
    list_display_links = ("pk", "file_name")
    list_select_related = ("depositor",)
    list_filter = ("status", "channel")
    search_fields = ("file_name", "=sha256", "=id_flux", "=emetteur_bcr", "depositor__bcr")
    date_hierarchy = "received_at"
    show_full_result_count = False
    actions = ("reprocess",)
    fieldsets = (
        (
            "Réception",
            {"fields": ("depositor", "uploaded_by", "channel", "file_name", "sha256", "size")},
        ),
        (
            "Traitement",
            {
                "fields": (
                    "status",
                    "received_at",
                    "started_at",
                    "processed_at",
                    "report_file_name",
                    "errors",
                )
            },
        ),
        ("Flux", {"fields": ("id_flux", "emetteur_bcr", "certifier_bcr", "contract_id")}),
        (
            "Résultats",
            {"fields": ("passages_total", "results", "warnings")},
        ),
    )
    readonly_fields = (
        "depositor",
        "uploaded_by",
        "channel",
        "file_name",
        "sha256",
        "size",
        "status",
        "received_at",
        "started_at",
        "processed_at",
        "report_file_name",
        "errors",
        "id_flux",
        "emetteur_bcr",
        "certifier_bcr",
        "contract_id",
        "passages_total",
        "results",
        "warnings",
    )

    @property
    def change_form_template(self):
        return inline_template(DEPOSIT_CHANGE_FORM)

    def has_reprocess_permission(self, request: HttpRequest) -> bool:
        # The admin is read-only for everyone; queuing again needs the model's change right.
        return request.user.has_perm("certifiers.change_deposit")

    @admin.display(description="erreurs du fichier")
    def errors(self, obj: Deposit) -> str:
        if not obj.file_errors:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>[{}] ligne {}, colonne {} : {}</li>",
                (
                    (e.get("type"), e.get("line"), e.get("column"), e.get("message"))
                    for e in obj.file_errors
                ),
            ),
        )

    @admin.display(description="résultats des passages")
    def results(self, obj: Deposit) -> str:
        return admin_link(
            "admin:certifiers_passageresult_changelist",
            f"{obj.passages_ok} OK, {obj.passages_ko} KO : voir les passages refusés",
            query=f"deposit__id__exact={obj.pk}",
        )

    @admin.display(description="avertissements")
    def warnings(self, obj: Deposit) -> str:
        return admin_link(
            "admin:certifiers_depositwarning_changelist",
            f"{obj.warnings_count} avertissement(s) : voir le détail",
            query=f"deposit__id__exact={obj.pk}",
        )

    @admin.action(description="Retraiter les dépôts sélectionnés", permissions=["reprocess"])
    def reprocess(self, request: HttpRequest, queryset: QuerySet) -> None:
        queued, final = [], []
        for deposit in queryset.select_related(None).only("pk", "status").order_by("pk"):
            (final if deposit.is_final else queued).append(deposit.pk)
        for pk in queued:
            process_deposit.enqueue(pk)
        if queued:
            messages.success(
                request,
                f"{len(queued)} dépôt(s) remis en file de traitement : "
                + ", ".join(map(str, queued))
                + ".",
            )
        if final:
            messages.warning(
                request,
                f"{len(final)} dépôt(s) déjà traité(s), laissé(s) tel(s) quel(s) "
                f"({', '.join(map(str, final))}) : {FINAL_EXPLAINED}",
            )

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        deposit = self.get_object(request, object_id)
        extra = {
            **(extra_context or {}),
            "can_reprocess": deposit is not None
            and not deposit.is_final
            and self.has_reprocess_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/retraiter/",
                wrap(require_POST(self.reprocess_view)),
                name="certifiers_deposit_reprocess",
            ),
            path(
                "<int:pk>/accuse-traitement/",
                wrap(self.report_view),
                name="certifiers_deposit_report",
            ),
            *super().get_urls(),
        ]

    def reprocess_view(self, request: HttpRequest, pk: int):
        if not self.has_reprocess_permission(request):
            raise PermissionDenied
        deposit = Deposit.objects.filter(pk=pk).first()
        if deposit is None:
            raise Http404("Dépôt introuvable.")
        if deposit.is_final:
            messages.error(
                request,
                f"Dépôt {pk} non retraité ({deposit.get_status_display()}) : {FINAL_EXPLAINED}",
            )
        else:
            process_deposit.enqueue(deposit.pk)
            messages.success(request, f"Dépôt {pk} remis en file de traitement.")
        return HttpResponseRedirect(reverse("admin:certifiers_deposit_change", args=[pk]))

    def report_view(self, request: HttpRequest, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        deposit = Deposit.objects.filter(pk=pk).exclude(report_name="").first()
        if deposit is None:
            raise Http404("Pas d'accusé de traitement pour ce dépôt.")
        return xml_download(services.open_report(deposit), deposit.report_file_name)


@admin.register(PassageResult)
class PassageResultAdmin(ReadOnlyAdmin):
    list_display = ("deposit_number", "index", "line", "id_technique", "message")
    search_fields = ("=id_technique",)
    ordering = ("-deposit_id", "index")
    show_full_result_count = False

    @admin.display(description="dépôt", ordering="deposit_id")
    def deposit_number(self, obj: PassageResult) -> int:
        return obj.deposit_id


@admin.register(DepositWarning)
class DepositWarningAdmin(ReadOnlyAdmin):
    list_display = ("deposit_number", "line", "column", "id_technique", "message")
    search_fields = ("=id_technique",)
    ordering = ("-deposit_id", "line", "pk")
    show_full_result_count = False

    @admin.display(description="dépôt", ordering="deposit_id")
    def deposit_number(self, obj: DepositWarning) -> int:
        return obj.deposit_id
