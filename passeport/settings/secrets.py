"""Secrets come from the environment; outside production, missing ones are generated once.

The generated values live in ``var/secrets.dev.json`` (never committed) so that a demo keeps
decrypting what it stored yesterday. In production a missing secret stops start-up.
"""

import base64
import json
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def _encryption_keys() -> str:
    """Our OpenID Connect decryption keys (private JWK set): FranceConnect+ encrypts ID
    tokens and userinfo to the public half, published at our JWKS URL."""
    from joserfc.jwk import ECKey, KeySet, RSAKey

    stamp = secrets.token_hex(4)
    rsa = RSAKey.generate_key(
        2048, parameters={"kid": f"rsa-{stamp}", "use": "enc", "alg": "RSA-OAEP-256"}
    )
    ec = ECKey.generate_key(
        "P-256", parameters={"kid": f"ec-{stamp}", "use": "enc", "alg": "ECDH-ES"}
    )
    return json.dumps(KeySet([rsa, ec]).as_dict(private=True))


def _ed25519_multibase() -> str:
    """An Ed25519 private key as Multikey (the transparency log's signing key)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    from passeport.documents.multikey import ED25519_PRIV, multibase_encode

    raw = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    return multibase_encode(ED25519_PRIV + raw)


def _demo_signing_key() -> str:
    from joserfc.jwk import ECKey

    key = ECKey.generate_key(
        "P-256", parameters={"kid": f"demo-{secrets.token_hex(4)}", "use": "sig", "alg": "ES256"}
    )
    return json.dumps(key.as_dict(private=True))


GENERATORS = {
    "PASSEPORT_SECRET_KEY": lambda: secrets.token_urlsafe(50),
    "PASSEPORT_NIR_HMAC_KEY": lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
    "PASSEPORT_NIR_ENC_KEY": lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
    "PASSEPORT_OIDC_CLES": _encryption_keys,
    "PASSEPORT_TRANSPARENCE_CLE": lambda: _ed25519_multibase(),
    "PASSEPORT_VC_CLE": lambda: _ed25519_multibase(),
}
# Only for the demo identity provider (demo, tests): never required in production.
DEMO_GENERATORS = {
    "PASSEPORT_FOURNISSEUR_DEMO_CLE": _demo_signing_key,
    "PASSEPORT_FOURNISSEUR_DEMO_SECRET": lambda: secrets.token_urlsafe(32),
}


def load(var_dir: Path, production: bool) -> dict[str, str]:
    generators = GENERATORS if production else {**GENERATORS, **DEMO_GENERATORS}
    values = {name: os.environ.get(name, "") for name in generators}
    missing = [name for name, value in values.items() if not value]
    if not missing:
        return values
    if production:
        raise ImproperlyConfigured(
            "Secrets manquants dans l'environnement : " + ", ".join(sorted(missing))
        )
    path = var_dir / "secrets.dev.json"
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for name in missing:
        if name not in stored:
            stored[name] = generators[name]()
            changed = True
        values[name] = stored[name]
    if changed:
        var_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(stored, indent=2))
        tmp.chmod(0o600)
        tmp.replace(path)
    return values
