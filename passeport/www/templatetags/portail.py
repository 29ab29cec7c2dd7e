"""Small display helpers of the portal's templates."""

from django import template
from django.http import QueryDict

from passeport.certifiers.models import DepositStatus

register = template.Library()

BADGES = {
    DepositStatus.RECEIVED: "fr-badge--new",
    DepositStatus.PROCESSING: "fr-badge--info",
    DepositStatus.DONE_OK: "fr-badge--success",
    DepositStatus.DONE_KO: "fr-badge--warning",
    DepositStatus.REJECTED: "fr-badge--error",
}


@register.filter
def status_badge(status: str) -> str:
    """The DSFR badge variant of a deposit status (colour and icon; the text says it too)."""
    return BADGES.get(status, "")


@register.simple_tag(takes_context=True)
def page_url(context, param: str, number: int, anchor: str = "") -> str:
    """The current URL's query with ``param`` set to ``number``: several lists of one page
    are paginated independently."""
    query: QueryDict = context["request"].GET.copy()
    query[param] = str(number)
    return "?" + query.urlencode() + (f"#{anchor}" if anchor else "")


@register.filter
def elided_pages(page) -> list[int | None]:
    """Page numbers to show, ``None`` for a gap (Django's own elision)."""
    pages = page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    return [p if isinstance(p, int) else None for p in pages]
