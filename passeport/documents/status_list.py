"""Bitstring Status List (W3C): revocation and suspension of issued credentials.

A list is a bitstring (at least 131,072 entries, so that one entry says nothing of who it
is), GZIP-compressed, base64url, multibase ``u``; bit 0 is the most significant bit of the
first byte. It travels as a ``BitstringStatusListCredential`` signed like our other
credentials and published at a stable URL; a credential points to its entry with a
``BitstringStatusListEntry`` (list URL, index, purpose). docs: credentials.md §4.

``read_list`` refuses a status-list credential that is not one (type), is outside its
validity period, or whose proof we cannot check: a list nobody can vouch for must not
revoke, nor clear, anything.
"""

import base64
import gzip
import io
from collections.abc import Callable
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from passeport.documents import data_integrity, vc_model

MIN_ENTRIES = 131_072
PURPOSES = ("revocation", "suspension")
MAX_DECOMPRESSED = 16 * 1024 * 1024  # 128 M entries: far beyond any real list


class StatusError(ValueError):
    """Why a status list or a status entry cannot be used."""


def new_bits(entries: int = MIN_ENTRIES) -> bytearray:
    return bytearray((max(entries, MIN_ENTRIES) + 7) // 8)


def set_bit(bits: bytearray, index: int, value: bool = True) -> None:
    byte, offset = divmod(index, 8)
    mask = 0x80 >> offset
    bits[byte] = bits[byte] | mask if value else bits[byte] & ~mask


def bit(bits: bytes, index: int) -> bool:
    byte, offset = divmod(index, 8)
    if index < 0 or byte >= len(bits):
        raise StatusError(f"index {index} hors de la liste ({len(bits) * 8} entrées)")
    return bool(bits[byte] & (0x80 >> offset))


def encode(bits: bytes) -> str:
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def decode(encoded: str) -> bytes:
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusError("encodedList doit être en multibase base64url (« u »)")
    body = encoded[1:]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        with gzip.GzipFile(fileobj=io.BytesIO(packed)) as stream:
            bits = stream.read(MAX_DECOMPRESSED + 1)
    except (ValueError, OSError, EOFError) as exc:
        raise StatusError(f"encodedList illisible : {exc}") from exc
    if len(bits) > MAX_DECOMPRESSED:
        raise StatusError("encodedList démesurée")
    return bits


def list_credential(
    list_id: str,
    purpose: str,
    bits: bytes,
    key: Ed25519PrivateKey,
    issuer: str,
    *,
    valid_from: str | None = None,
) -> dict:
    """A signed ``BitstringStatusListCredential`` for ``bits``."""
    if purpose not in PURPOSES:
        raise StatusError(f"objet de liste inconnu : {purpose}")
    document = {
        "@context": [vc_model.V2],
        "id": list_id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{list_id}#liste",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode(bits),
        },
    }
    return vc_model.issue(document, key, issuer)


def read_list(credential: dict, purpose: str, now: datetime | None = None) -> bytes:
    """The bits of a status-list credential, once it is known to be one we can trust."""
    if not isinstance(credential, dict):
        raise StatusError("une liste de statuts est un objet JSON")
    if "BitstringStatusListCredential" not in vc_model.many(credential.get("type", [])):
        raise StatusError("ce n'est pas une BitstringStatusListCredential")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise StatusError("credentialSubject n'est pas une BitstringStatusList")
    if subject.get("statusPurpose") != purpose:
        raise StatusError(f"liste pour « {subject.get('statusPurpose')} », pas « {purpose} »")
    now = now or datetime.now(UTC)
    for name, late in (("validFrom", False), ("validUntil", True)):
        value = credential.get(name)
        if value is None:
            continue
        if not (isinstance(value, str) and vc_model.DATETIME.match(value)):
            raise StatusError(f"{name} illisible")
        when = vc_model.instant(value)
        if (now > when) if late else (now < when):
            raise StatusError("liste expirée" if late else "liste pas encore valide")
    proof = data_integrity.verify(credential)
    if not proof.verified:
        raise StatusError("liste non vérifiable : " + "; ".join(proof.reasons))
    return decode(subject.get("encodedList"))


def status_of(
    credential: dict, resolve: Callable[[str], dict], now: datetime | None = None
) -> dict[str, bool]:
    """``{"revocation": bool, "suspension": bool}`` for each status entry of a credential;
    ``resolve(url)`` returns the list credential published at that URL (from our registry
    for our own lists: nothing is fetched from the network)."""
    found: dict[str, bool] = {}
    for entry in vc_model.many(credential.get("credentialStatus", [])):
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            continue
        purpose = entry.get("statusPurpose")
        try:
            index = int(entry.get("statusListIndex"))
        except (TypeError, ValueError) as exc:
            raise StatusError("statusListIndex n'est pas un entier") from exc
        bits = read_list(resolve(str(entry.get("statusListCredential"))), purpose, now)
        found[purpose] = found.get(purpose, False) or bit(bits, index)
    return found
