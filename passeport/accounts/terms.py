"""Terms of use of the holder's space: the text, its version and the hash of what was
accepted (no HTTP here)."""

import functools
import hashlib

from django.template.loader import render_to_string
from django.utils import timezone

from passeport.accounts.models import HolderAccount

VERSION = "2026-11"
TEMPLATE = "www/holder/cgu-texte.html"


def text() -> str:
    return render_to_string(TEMPLATE)


@functools.cache
def text_hash() -> str:
    """Computed once per process: ``accepted`` runs on every page of the holder's space."""
    return hashlib.sha256(text().encode()).hexdigest()


def accepted(account: HolderAccount) -> bool:
    return account.terms_version == VERSION and account.terms_hash == text_hash()


def accept(account: HolderAccount) -> None:
    account.terms_version = VERSION
    account.terms_hash = text_hash()
    account.terms_accepted_at = timezone.now()
    account.save(update_fields=["terms_version", "terms_hash", "terms_accepted_at"])
