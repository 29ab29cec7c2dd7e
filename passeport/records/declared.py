"""The holder's declared items and their attestations (no HTTP here).

Every change leaves a line in ``ItemChange``; a deleted attestation or item is gone from
storage too, not only hidden. Object-level permission: every function takes the holder and
finds the object among theirs only (``DoesNotExist`` otherwise, a 404 for the views).
"""

import hashlib
import uuid
from typing import BinaryIO

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction

from passeport.identity.models import Holder
from passeport.records import attestations
from passeport.records.models import Attestation, DeclaredItem, HiddenItem, ItemChange

FIELDS = ("kind", "title", "organisation", "place", "start", "end", "description")


def storage():
    return storages["attestations"]


def _snapshot(item: DeclaredItem) -> dict:
    values = {f: getattr(item, f) for f in FIELDS}
    values["start"] = item.start.isoformat()
    values["end"] = item.end.isoformat() if item.end else None
    values["attestations"] = [a.file_name for a in item.attestations.all()]
    return values


def _log(holder: Holder, item: DeclaredItem, action: str, snapshot: dict | None = None) -> None:
    ItemChange.objects.create(
        holder=holder,
        item_id=item.pk,
        action=action,
        snapshot=_snapshot(item) if snapshot is None else snapshot,
    )


def get(holder: Holder, pk: int) -> DeclaredItem:
    return DeclaredItem.objects.get(holder=holder, pk=pk)


@transaction.atomic
def create(holder: Holder, values: dict) -> DeclaredItem:
    item = DeclaredItem.objects.create(
        holder=holder, **{f: values[f] for f in FIELDS if f in values}
    )
    _log(holder, item, "ajout")
    return item


@transaction.atomic
def update(holder: Holder, pk: int, values: dict) -> DeclaredItem:
    item = get(holder, pk)
    for field in FIELDS:
        if field in values:
            setattr(item, field, values[field])
    item.save()
    _log(holder, item, "modification")
    return item


def delete(holder: Holder, pk: int) -> None:
    """The item, its attestations and their files."""
    with transaction.atomic():
        item = get(holder, pk)
        names = [a.stored_name for a in item.attestations.all()]
        snapshot = _snapshot(item)
        HiddenItem.objects.filter(holder=holder, kind="declare", item_id=item.pk).delete()
        _log(holder, item, "suppression", snapshot)
        item.delete()
    for name in names:  # after the commit: a rolled-back deletion keeps its files
        storage().delete(name)


def add_attestation(holder: Holder, pk: int, stream: BinaryIO, file_name: str) -> Attestation:
    """Check the file (``attestations.check``: raises ``UploadRejected``), store it."""
    item = get(holder, pk)
    checked = attestations.check(stream, file_name)
    stored = storage().save(f"{uuid.uuid4().hex}{checked.extension}", ContentFile(checked.content))
    try:
        with transaction.atomic():
            attestation = Attestation.objects.create(
                item=item,
                file_name=file_name[-255:],
                stored_name=stored,
                content_type=checked.content_type,
                size=len(checked.content),
                sha256=hashlib.sha256(checked.content).hexdigest(),
            )
            _log(holder, item, "ajout d'une attestation")
    except Exception:
        storage().delete(stored)
        raise
    return attestation


def get_attestation(holder: Holder, pk: int) -> Attestation:
    return Attestation.objects.select_related("item").get(item__holder=holder, pk=pk)


def delete_attestation(holder: Holder, pk: int) -> None:
    with transaction.atomic():
        attestation = get_attestation(holder, pk)
        item, name = attestation.item, attestation.stored_name
        attestation.delete()
        _log(holder, item, "suppression d'une attestation")
    storage().delete(name)


def set_hidden(holder: Holder, kind: str, item_id: int, hidden: bool) -> None:
    """Keep an item (guaranteed or declared) out of the holder's documents, or back in."""
    if hidden:
        HiddenItem.objects.get_or_create(holder=holder, kind=kind, item_id=item_id)
    else:
        HiddenItem.objects.filter(holder=holder, kind=kind, item_id=item_id).delete()
