"""First look at an inbound file, before any XML parser touches it, and the parser settings.

Refused here, with a French message and a position: empty files, files that are not XML,
other encodings than UTF-8, XML versions other than 1.0, and any DOCTYPE (no DTD, no
entity is ever needed by the format; refusing them closes XXE and entity expansion).
The XML parser itself never loads a DTD, never resolves an entity, never uses the network.
"""

import re
from dataclasses import dataclass
from typing import BinaryIO

PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}

HEAD_BYTES = 64 * 1024
_DECL = re.compile(rb"^<\?xml(?P<attrs>[^?]*)\?>")
_VERSION = re.compile(rb"""version\s*=\s*["']([^"']*)["']""")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


@dataclass(frozen=True)
class Rejection:
    message: str
    line: int = 1
    column: int = 1


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def precheck(stream: BinaryIO) -> Rejection | None:
    """Inspect the first bytes of a file; return why it must be refused, or None."""
    head = stream.read(HEAD_BYTES)
    if not head.strip():
        return Rejection("Le fichier est vide : aucun contenu XML n'a été reçu.")
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00")):
        return Rejection("Le fichier est encodé en UTF-16 : seul l'encodage UTF-8 est accepté.")
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    stripped = body.lstrip()
    if not stripped.startswith(b"<"):
        return Rejection(
            "Le fichier n'est pas un document XML : il doit commencer par "
            '<?xml version="1.0" encoding="UTF-8"?>.'
        )
    decl = _DECL.match(body)
    if decl:
        attrs = decl.group("attrs")
        version = _VERSION.search(attrs)
        if version is None:
            return Rejection('La déclaration XML doit indiquer la version (version="1.0").')
        if version.group(1) != b"1.0":
            found = version.group(1).decode("ascii", "replace")
            return Rejection(
                f"La version XML « {found} » n'est pas acceptée : seule la version 1.0 l'est.",
                1,
                version.start(1) + 6,
            )
        encoding = _ENCODING.search(attrs)
        if encoding and encoding.group(1).upper().replace(b"_", b"-") not in (b"UTF-8", b"UTF8"):
            found = encoding.group(1).decode("ascii", "replace")
            return Rejection(
                f"L'encodage « {found} » n'est pas accepté : le fichier doit être encodé en UTF-8.",
                1,
                encoding.start(1) + 6,
            )
    # Everything before the root element is the prolog: a DOCTYPE can only stand there.
    first = _FIRST_ELEMENT.search(head)
    prolog = head[: first.start()] if first else head
    doctype = _DOCTYPE.search(prolog)
    if doctype:
        line, column = _position(head, doctype.start())
        return Rejection(
            "Le fichier contient une déclaration DOCTYPE : les DTD et les entités ne sont pas "
            "acceptées (protection contre les attaques XXE et par expansion d'entités).",
            line,
            column,
        )
    return None
