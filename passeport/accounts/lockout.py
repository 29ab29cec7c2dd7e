"""The page shown when django-axes suspends logins after repeated password failures."""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

log = logging.getLogger("passeport.accounts")


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """HTTP 429, in French, with how long to wait (the identifier tried is not echoed)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    log.warning(
        "connexion suspendue après %s échecs (%s)", settings.AXES_FAILURE_LIMIT, request.path
    )
    return render(request, "verrouillage.html", {"minutes": minutes}, status=429)
