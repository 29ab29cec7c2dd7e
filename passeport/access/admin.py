"""Admin of the access journal: strictly read-only, for everyone, superusers included.

The journal is append-only and hash-chained; the admin only shows it and checks the chain.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse

from passeport.access import journal
from passeport.access.models import JournalEntry
from passeport.core.admin import ReadOnlyAdmin, inline_template

CHANGE_LIST = """{% extends "admin/change_list.html" %}
{% block object-tools-items %}
<li><a href="{% url 'admin:access_journalentry_verify' %}">Vérifier la chaîne</a></li>
{{ block.super }}
{% endblock %}
"""


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "actor_kind", "action", "holder", "purpose")
    list_select_related = ("holder",)
    list_filter = ("actor_kind", "action")
    search_fields = ("actor", "=action", "purpose")
    date_hierarchy = "at"
    show_full_result_count = False
    actions = None

    @property
    def change_list_template(self):
        return inline_template(CHANGE_LIST)

    def get_urls(self):
        view = self.admin_site.admin_view(self.verify_view)
        return [path("verifier/", view, name="access_journalentry_verify"), *super().get_urls()]

    def verify_view(self, request: HttpRequest):
        """Recompute the whole chain (reads every entry once, streamed)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        check = journal.verify()
        if check.ok:
            messages.success(request, f"Chaîne intègre : {check.entries} entrée(s) vérifiée(s).")
        else:
            detail = getattr(check, "message", None) or f"entrée {check.first_broken}"
            messages.error(request, f"Chaîne rompue : {detail}")
        return HttpResponseRedirect(reverse("admin:access_journalentry_changelist"))
