"""Writing to and checking the access journal."""

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from passeport.access.models import ChainHead, JournalEntry

GENESIS = "0" * 64


def _digest(prev_hash: str, fields: dict) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def _fields(entry: JournalEntry) -> dict:
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "actor_kind": entry.actor_kind,
        "action": entry.action,
        "holder": entry.holder_id,
        "purpose": entry.purpose,
        "details": entry.details,
    }


def record(
    *,
    actor: str,
    actor_kind: str,
    action: str,
    purpose: str,
    holder=None,
    details: dict | None = None,
) -> JournalEntry:
    """Append one entry, chained to the previous one."""
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS}
        )
        entry = JournalEntry(
            at=timezone.now(),
            actor=actor,
            actor_kind=actor_kind,
            action=action,
            holder=holder,
            purpose=purpose,
            details=details or {},
            prev_hash=head.last_hash,
        )
        entry.hash = _digest(head.last_hash, _fields(entry))
        entry.save()
        head.last_hash = entry.hash
        head.save(update_fields=["last_hash"])
    return entry


@dataclass
class ChainCheck:
    ok: bool
    entries: int
    first_broken: int | None = None
    message: str | None = None


def verify() -> ChainCheck:
    """Recompute the chain from the first entry; report the first entry that does not fit.

    An edited entry breaks its own hash; a removed one breaks the next entry's link; removed
    last entries leave the chain head (updated with every append) pointing at a hash that is
    no longer in the chain.
    """
    # The head is read first: entries appended while we check come after it, not instead.
    head = ChainHead.objects.filter(pk=1).values_list("last_hash", flat=True).first() or GENESIS
    prev, count, head_seen = GENESIS, 0, head == GENESIS
    for entry in JournalEntry.objects.order_by("pk").iterator(chunk_size=2000):
        count += 1
        if entry.prev_hash != prev:
            return ChainCheck(
                False,
                count,
                entry.pk,
                f"L'entrée {entry.pk} ne suit pas l'entrée précédente : "
                "une entrée a été supprimée ou modifiée.",
            )
        if entry.hash != _digest(prev, _fields(entry)):
            return ChainCheck(
                False, count, entry.pk, f"L'entrée {entry.pk} a été modifiée après son écriture."
            )
        prev = entry.hash
        head_seen = head_seen or prev == head
    if not head_seen:
        return ChainCheck(
            False,
            count,
            None,
            "La tête de chaîne ne correspond pas à la dernière entrée : "
            "des entrées finales ont été supprimées.",
        )
    return ChainCheck(True, count)
