"""The NIR (numéro d'inscription au répertoire): checking, keyed look-up hash, encryption.

The NIR is never stored in clear: a keyed HMAC-SHA256 serves look-ups, an AES-256-GCM copy
(with the HMAC as associated data, binding the ciphertext to its row) serves the rare lawful
display. Both keys come from the environment (``PASSEPORT_NIR_HMAC_KEY``,
``PASSEPORT_NIR_ENC_KEY``).
"""

import base64
import hashlib
import hmac
import os
import re

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_NIR = re.compile(r"^[1-478][0-9]{2}(0[1-9]|1[0-2]|[2-9][0-9])(2[AB]|[0-9]{2})[0-9]{6}$")


class InvalidNir(ValueError):
    pass


def normalize(raw: str) -> str:
    """Return the 13-character NIR, checking the key when 15 characters are given."""
    value = re.sub(r"\s", "", raw or "").upper()
    if len(value) not in (13, 15):
        raise InvalidNir("le NIR doit compter 13 caractères, ou 15 avec la clé")
    body, key = value[:13], value[13:]
    if not _NIR.match(body):
        raise InvalidNir("le NIR n'a pas la forme attendue")
    if key:
        if not re.fullmatch(r"[0-9]{2}", key) or int(key) != control_key(body):
            raise InvalidNir("la clé du NIR est incorrecte")
    return body


def control_key(body: str) -> int:
    """97 − (NIR mod 97), Corsica's 2A/2B counted as 19/18."""
    digits = body.replace("2A", "19").replace("2B", "18")
    return 97 - int(digits) % 97


def _key(setting: str) -> bytes:
    key = base64.b64decode(getattr(settings, setting))
    if len(key) != 32:
        raise ValueError(f"{setting} doit faire 32 octets (base64)")
    return key


def lookup_hash(nir13: str) -> str:
    return hmac.new(_key("NIR_HMAC_KEY"), nir13.encode(), hashlib.sha256).hexdigest()


def encrypt(nir13: str, lookup: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_key("NIR_ENC_KEY")).encrypt(nonce, nir13.encode(), lookup.encode())


def decrypt(blob: bytes, lookup: str) -> str:
    blob = bytes(blob)
    return AESGCM(_key("NIR_ENC_KEY")).decrypt(blob[:12], blob[12:], lookup.encode()).decode()


def mask(nir13: str) -> str:
    """``1 96 11 •• ••• ••• `` style: sex and birth year/month only."""
    return f"{nir13[0]} {nir13[1:3]} {nir13[3:5]} •• ••• •••"
