"""Content-Security-Policy (scripts, styles and images from our own origin only), and
sessions that end after a time without activity.

A per-request nonce is exposed as ``request.csp_nonce`` (the DSFR base template passes it
to its script tags). Forms may lead to the identity providers (login and logout redirect
there after a POST): their origins are allowed as form targets, nothing else.
"""

import functools
import secrets
import time
import urllib.parse

from django.conf import settings
from django.http import HttpRequest, HttpResponse


@functools.cache
def _form_targets() -> str:
    origins = set()
    for config in settings.IDENTITY_PROVIDERS.values():
        parts = urllib.parse.urlsplit(config.get("issuer") or "")
        if parts.scheme in ("https", "http") and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return " ".join(["'self'", *sorted(origins)])


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = (
                "default-src 'self'; "
                f"script-src 'self' 'nonce-{request.csp_nonce}'; "
                "style-src 'self'; img-src 'self' data:; font-src 'self'; "
                f"object-src 'none'; base-uri 'self'; form-action {_form_targets()}; "
                "frame-ancestors 'none'"
            )
        return response


class SlidingSessionMiddleware:
    """Keep an active session alive (``SESSION_COOKIE_AGE`` after the last request)
    without writing it at every request: at most once a minute."""

    TOUCH_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            if now - session.get("_vu", 0) >= self.TOUCH_EVERY:
                session["_vu"] = now  # saved (and the cookie renewed) by SessionMiddleware
        return response
