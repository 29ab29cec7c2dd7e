"""JSON-LD contexts, offline: a fixed table of URLs, read from a configured folder.

Canonicalising a credential needs its contexts; fetching them would let a document decide
what we download and would make verification depend on a third party. So the document
loader knows a closed list of URLs, each a file under ``PASSEPORT["CONTEXTES_JSONLD"]``
(default: the reference folder ``../shared/vectors``), and refuses anything else: a
credential naming an unknown context fails closed.
"""

import functools
import json
from pathlib import Path

from django.conf import settings

_1EDTECH = "1edtech-digital-credentials-public-validator/inspector-vc/src/main/resources/contexts"
KNOWN = {
    "https://www.w3.org/ns/credentials/v2": "w3c-vc-data-model/contexts/credentials/v2",
    "https://www.w3.org/ns/credentials/examples/v2": (
        "w3c-vc-data-model/contexts/credentials/examples/v2"
    ),
    "https://www.w3.org/2018/credentials/v1": "w3c-vc-data-model/contexts/credentials/v1",
    "https://www.w3.org/2018/credentials/examples/v1": (
        "w3c-vc-data-model/contexts/credentials/examples/v1"
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": f"{_1EDTECH}/ob-v3p0-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": (
        f"{_1EDTECH}/ob-v3p0-extensions.json"
    ),
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": (
        f"{_1EDTECH}/clr-v2p0-2.0.1.json"
    ),
    "https://w3id.org/security/data-integrity/v1": f"{_1EDTECH}/data-integrity-v1.jsonld",
}


class UnknownContext(Exception):
    """A context outside the offline table: never fetched, the document is refused."""


def folder() -> Path:
    return Path(settings.PASSEPORT["CONTEXTES_JSONLD"])


@functools.cache
def _read(path: str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def load(url: str, options: dict | None = None) -> dict:
    """pyld's document loader."""
    relative = KNOWN.get(url.rstrip("#"))
    if relative is None:
        raise UnknownContext(f"contexte JSON-LD inconnu (jamais téléchargé) : {url}")
    path = folder() / relative
    if not path.is_file():
        raise UnknownContext(f"contexte JSON-LD absent du dossier configuré : {path}")
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": _read(str(path)),
    }
