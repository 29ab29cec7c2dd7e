"""Share links of issued documents (no HTTP here).

The token (32 random bytes) is shown once to the holder and never stored: only its SHA-256
is, looked up through a unique index (nothing to compare byte by byte), and an address
trying many unknown tokens is refused for a while (HTTP 429). An optional access code is
hashed like a password; after 10 wrong codes the link locks. Every opening is counted and
written to the access journal the holder reads.
"""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import caches
from django.db.models import F
from django.utils import timezone

from passeport.access import journal
from passeport.documents.models import IssuedDocument, ShareLink

MAX_FAILED_CODES = 10
DURATIONS = (7, 30, 90, 365)


class LinkGone(Exception):
    """Revoked, expired or locked: the page says which (HTTP 410)."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


class CodeRequired(Exception):
    pass


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(document: IssuedDocument, days: int, code: str = "", label: str = "") -> str:
    """A new link; returns its token (shown once)."""
    if days not in DURATIONS:
        raise ValueError("durée non proposée")
    token = secrets.token_urlsafe(32)
    ShareLink.objects.create(
        document=document,
        token_hash=_hash(token),
        label=label[:100],
        expires_at=timezone.now() + timedelta(days=days),
        access_code=make_password(code) if code else "",
    )
    return token


def revoke(link: ShareLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])


def find(token: str) -> ShareLink | None:
    if not token or len(token) > 100:
        return None
    return (
        ShareLink.objects.select_related("document__holder").filter(token_hash=_hash(token)).first()
    )


def open_link(link: ShareLink, code: str | None, visitor: str) -> IssuedDocument:
    """The document behind a link, for a visitor; counted and journaled."""
    if link.revoked_at is not None:
        raise LinkGone("revoque")
    if link.expires_at <= timezone.now():
        raise LinkGone("expire")
    if link.failed_codes >= MAX_FAILED_CODES:
        raise LinkGone("verrouille")
    if link.access_code:
        if not code:
            raise CodeRequired
        if not check_password(code, link.access_code):
            ShareLink.objects.filter(pk=link.pk).update(failed_codes=F("failed_codes") + 1)
            raise CodeRequired
    ShareLink.objects.filter(pk=link.pk).update(views=F("views") + 1)
    document = link.document
    journal.record(
        actor=visitor,
        actor_kind="visiteur",
        action="consultation-partage",
        purpose=link.label or "lien de partage",
        holder=document.holder,
        details={"document": document.credential_id, "lien": link.pk},
    )
    return document


MISSES_ALLOWED = 20  # unknown tokens per address and window, before refusing for a while
MISS_WINDOW = 600


def _miss_key(address: str) -> str:
    return "partage-echecs:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def throttled(address: str) -> bool:
    """Too many unknown tokens from this address lately (trying to enumerate links)."""
    return caches["progress"].get(_miss_key(address), 0) >= MISSES_ALLOWED


def note_miss(address: str) -> None:
    cache, key = caches["progress"], _miss_key(address)
    if not cache.add(key, 1, MISS_WINDOW):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, MISS_WINDOW)
