"""Ed25519 keys as Multikey (multibase base58btc + multicodec), and ``did:key``.

docs: ../shared/docs/credentials.md §2.3. Public keys carry the multicodec prefix 0xed01,
private keys 0x8026; ``z`` marks base58btc.
"""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"


class KeyError_(ValueError):
    """A key or identifier that cannot be read."""


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = ALPHABET[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _INDEX:
            raise KeyError_(f"caractère hors base58 : {char!r}")
        number = number * 58 + _INDEX[char]
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def multibase_decode(value: str) -> bytes:
    if not value.startswith("z"):
        raise KeyError_("seul l'encodage multibase base58btc (« z ») est accepté")
    return b58decode(value[1:])


def multibase_encode(data: bytes) -> str:
    return "z" + b58encode(data)


def public_key(multibase: str) -> Ed25519PublicKey:
    raw = multibase_decode(multibase)
    if not raw.startswith(ED25519_PUB) or len(raw) != 34:
        raise KeyError_("clé publique Ed25519 (Multikey) attendue")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def private_key(multibase: str) -> Ed25519PrivateKey:
    raw = multibase_decode(multibase)
    if not raw.startswith(ED25519_PRIV) or len(raw) != 34:
        raise KeyError_("clé privée Ed25519 (Multikey) attendue")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def public_multibase(key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return multibase_encode(ED25519_PUB + key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def did_key_method(key: Ed25519PublicKey) -> str:
    """The verification method of a ``did:key``: ``did:key:z6Mk…#z6Mk…``."""
    value = public_multibase(key)
    return f"did:key:{value}#{value}"


def resolve_did_key(verification_method: str) -> Ed25519PublicKey:
    """The public key a ``did:key`` verification method names (no network)."""
    if not verification_method.startswith("did:key:"):
        raise KeyError_(f"méthode de vérification non résolue hors ligne : {verification_method}")
    did, _, fragment = verification_method.partition("#")
    value = did.removeprefix("did:key:")
    if fragment and fragment != value:
        raise KeyError_("le fragment ne désigne pas la clé du did:key")
    return public_key(value)
