"""The transparency log: every issued document gets a leaf; anyone can check that it was
logged, when, and that nothing logged was later altered or removed (no HTTP here).

Leaves are canonical JSON (JCS) ``{"document": sha256, "attestation": id, "emisLe": …}``;
hashes and proofs are RFC 9162's (``merkle``). A signed tree head (STH) is the JSON
``{"taille", "racine", "horodatage"}`` signed Ed25519 by the log key, whose public key is
published as a ``did:key``. Appending is serialised (one index after the other) and a new
head is signed with each entry.

The tree is recomputed from the stored leaf hashes (fine for the volumes of a demo and a
pilot); a national log would also store the hashes of complete subtrees.
"""

import json
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from passeport.core import locks
from passeport.documents import merkle, multikey
from passeport.documents.data_integrity import jcs
from passeport.documents.models import LogEntry, TreeHead


class LogError(ValueError):
    pass


def _key():
    return multikey.private_key(settings.TRANSPARENCY_LOG_KEY)


def public_key_id() -> str:
    return multikey.did_key_method(_key().public_key()).split("#")[0]


def _hashes(size: int | None = None) -> list[bytes]:
    rows = LogEntry.objects.order_by("index")
    if size is not None:
        rows = rows.filter(index__lt=size)
    return [bytes.fromhex(h) for h in rows.values_list("leaf_hash", flat=True)]


def append(document_sha256: str, credential_id: str, issued_at: datetime) -> LogEntry:
    leaf = jcs(
        {"document": document_sha256, "attestation": credential_id, "emisLe": issued_at.isoformat()}
    )
    with transaction.atomic():
        locks.serialize_in_transaction("journal-transparence")
        index = LogEntry.objects.count()
        entry = LogEntry.objects.create(
            index=index, leaf=leaf, leaf_hash=merkle.leaf_hash(leaf.encode()).hex()
        )
        _sign_head(index + 1)
    return entry


def _head_payload(size: int, root_hex: str, stamp: str) -> bytes:
    return jcs({"taille": size, "racine": root_hex, "horodatage": stamp}).encode()


def _sign_head(size: int) -> TreeHead:
    root_hex = merkle.root(_hashes(size)).hex()
    now = timezone.now().replace(microsecond=0)
    signature = _key().sign(_head_payload(size, root_hex, now.isoformat()))
    return TreeHead.objects.create(
        size=size,
        root_hash=root_hex,
        timestamp=now,
        signature=multikey.multibase_encode(signature),
    )


def head_json(head: TreeHead) -> dict:
    return {
        "taille": head.size,
        "racine": head.root_hash,
        "horodatage": head.timestamp.isoformat(),
        "signature": head.signature,
        "cle": public_key_id(),
    }


def latest_head() -> dict:
    head = TreeHead.objects.order_by("-size").first()
    if head is None:
        return {"taille": 0, "racine": merkle.root([]).hex(), "cle": public_key_id()}
    return head_json(head)


def head_of_size(size: int) -> TreeHead:
    head = TreeHead.objects.filter(size=size).first()
    if head is None:
        raise LogError(f"aucune tête signée pour la taille {size}")
    return head


def verify_head(head: dict) -> bool:
    """The signature of a published tree head, with the key it names (``did:key``)."""
    try:
        key = multikey.resolve_did_key(head["cle"])
        key.verify(
            multikey.multibase_decode(head["signature"]),
            _head_payload(head["taille"], head["racine"], head["horodatage"]),
        )
    except Exception:  # noqa: BLE001 - any malformed or forged head is simply not valid
        return False
    return True


def inclusion(index: int, size: int) -> dict:
    hashes = _hashes(size)
    if not 0 <= index < len(hashes) or len(hashes) != size:
        raise LogError("entrée ou taille hors du journal")
    entry = LogEntry.objects.get(index=index)
    return {
        "index": index,
        "taille": size,
        "feuille": json.loads(entry.leaf),
        "empreinteFeuille": entry.leaf_hash,
        "chemin": [h.hex() for h in merkle.inclusion_proof(index, hashes)],
        "tete": head_json(head_of_size(size)),
    }


def consistency(first: int, second: int) -> dict:
    hashes = _hashes(second)
    if not 0 < first <= second or len(hashes) != second:
        raise LogError("tailles hors du journal")
    return {
        "premiere": first,
        "seconde": second,
        "chemin": [h.hex() for h in merkle.consistency_proof(first, hashes)],
    }


def entries(start: int, end: int) -> list[dict]:
    rows = LogEntry.objects.filter(index__gte=start, index__lt=min(end, start + 1000))
    return [
        {"index": e.index, "feuille": json.loads(e.leaf), "empreinteFeuille": e.leaf_hash}
        for e in rows.order_by("index")
    ]


def check_inclusion(proof: dict) -> bool:
    """What a verifier does with ``inclusion``'s answer: the leaf is in the signed tree."""
    leaf = jcs(proof["feuille"]).encode()
    return (
        verify_head(proof["tete"])
        and proof["tete"]["taille"] == proof["taille"]
        and merkle.verify_inclusion(
            proof["index"],
            proof["taille"],
            merkle.leaf_hash(leaf),
            [bytes.fromhex(h) for h in proof["chemin"]],
            bytes.fromhex(proof["tete"]["racine"]),
        )
    )
