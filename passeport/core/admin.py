"""Small pieces shared by the apps' admin modules.

The admin pages we add (NIR search, token shown once, chain check) are tiny: their templates
live here as strings extending the admin's own, rather than as files in every app.
"""

from functools import cache

from django.contrib import admin
from django.http import HttpRequest
from django.template import engines
from django.urls import reverse
from django.utils.html import format_html


@cache
def inline_template(source: str):
    """Compile a template given as a string (once); TemplateResponse accepts it as is."""
    return engines["django"].from_string(source)


PAGE = """{% extends "admin/base_site.html" %}
{% block breadcrumbs %}<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">Accueil</a>
{% if back_url %}› <a href="{{ back_url }}">{{ back_label }}</a>{% endif %}
› {{ title }}</div>{% endblock %}
{% block content %}<div id="content-main">{{ body }}</div>{% endblock %}
"""


def page_context(request: HttpRequest, site: admin.AdminSite, title: str, body, **extra):
    """Context of a one-off admin page: ``body`` is already-escaped HTML (format_html)."""
    return {**site.each_context(request), "title": title, "body": body, **extra}


def admin_link(url_name: str, label: str, *args, query: str = "") -> str:
    url = reverse(url_name, args=args)
    return format_html('<a href="{}{}">{}</a>', url, f"?{query}" if query else "", label)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Data that comes from elsewhere (open data, deposits, journal): staff only look."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
