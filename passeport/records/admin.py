"""Admin of the passport's items: guaranteed items are looked at, never edited here.
Opening one is a read of a holder's data, so it is written to the access journal."""

from django.contrib import admin
from django.http import HttpRequest

from passeport.access import journal
from passeport.core.admin import ReadOnlyAdmin
from passeport.records.models import CertificationItem


@admin.register(CertificationItem)
class CertificationItemAdmin(ReadOnlyAdmin):
    list_display = ("holder", "code", "label", "obtention", "valid_from", "emetteur_bcr", "trust")
    list_select_related = ("holder",)
    list_filter = ("trust", "cert_type", "certified_data")
    search_fields = ("=code", "=id_technique", "=emetteur_bcr", "^holder__n_birth_name")
    show_full_result_count = False

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            item = self.get_object(request, object_id)
            if item is not None:
                journal.record(
                    actor=request.user.get_username(),
                    actor_kind="exploitant",
                    action="consultation-admin",
                    purpose="Consultation d'une certification dans l'administration",
                    holder=item.holder,
                    details={"certification": item.pk},
                )
        return response
