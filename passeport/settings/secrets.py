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

GENERATORS = {
    "PASSEPORT_SECRET_KEY": lambda: secrets.token_urlsafe(50),
    "PASSEPORT_NIR_HMAC_KEY": lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
    "PASSEPORT_NIR_ENC_KEY": lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
}


def load(var_dir: Path, production: bool) -> dict[str, str]:
    values = {name: os.environ.get(name, "") for name in GENERATORS}
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
            stored[name] = GENERATORS[name]()
            changed = True
        values[name] = stored[name]
    if changed:
        var_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(stored, indent=2))
        tmp.chmod(0o600)
        tmp.replace(path)
    return values
