"""What is checked of an inbound file before it is validated, and the XML parser settings.

``precheck`` refuses, with a French message and a position: empty files, files that are not
XML, other encodings than UTF-8, XML versions other than 1.0, and any DOCTYPE (no DTD, no
entity is ever needed by the format; refusing them closes XXE and entity expansion), all
before any XML parser sees the bytes; then a file that is not well-formed. The parser
settings are a second, independent barrier: the parser never loads a DTD, never resolves an
entity, never uses the network.
"""

import re
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

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
_DECL = re.compile(rb"^<\?xml(?![\w.:-])(?P<attrs>[^?]*)\?>")
_VERSION = re.compile(rb"""version\s*=\s*["']([^"']*)["']""")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_SPACE = b" \t\r\n"
DOCTYPE_MESSAGE = (
    "Le fichier contient une déclaration DOCTYPE : les DTD et les entités ne sont pas "
    "acceptées (protection contre les attaques XXE et par expansion d'entités)."
)


@dataclass(frozen=True)
class Rejection:
    message: str
    line: int = 1
    column: int = 1


class _Cursor:
    """Reads a stream forward, holding only the bytes not yet consumed, and knows where it is."""

    def __init__(self, stream: BinaryIO, data: bytes, pos: int):
        self.stream, self.data, self.pos = stream, data, 0
        self.line, self.column = 1, 1
        self.advance(pos)

    def fill(self, n: int) -> bool:
        """At least ``n`` unconsumed bytes at hand, unless the stream ends first."""
        while len(self.data) - self.pos < n:
            more = self.stream.read(HEAD_BYTES)
            if not more:
                return False
            self.data = self.data[self.pos :] + more
            self.pos = 0
        return True

    def advance(self, n: int) -> None:
        consumed = self.data[self.pos : self.pos + n]
        newlines = consumed.count(b"\n")
        if newlines:
            self.line += newlines
            self.column = n - consumed.rfind(b"\n")
        else:
            self.column += n
        self.pos += n

    def startswith(self, token: bytes) -> bool:
        self.fill(len(token))
        return self.data.startswith(token, self.pos)

    def skip_space(self) -> None:
        while self.fill(1) and self.data[self.pos] in _SPACE:
            end = self.pos
            while end < len(self.data) and self.data[end] in _SPACE:
                end += 1
            self.advance(end - self.pos)

    def skip_past(self, end: bytes) -> bool:
        """Consume up to and including ``end``; False if the stream ends before it."""
        while True:
            found = self.data.find(end, self.pos)
            if found >= 0:
                self.advance(found - self.pos + len(end))
                return True
            keep = len(end) - 1
            self.advance(max(len(self.data) - self.pos - keep, 0))
            if not self.fill(keep + 1):
                return False


def _doctype_in_prolog(stream: BinaryIO, data: bytes, pos: int) -> tuple[int, int] | None:
    """Where a DOCTYPE stands in the prolog (after comments, PIs and spaces of any length)."""
    cursor = _Cursor(stream, data, pos)
    while True:
        cursor.skip_space()
        if cursor.startswith(b"<!--"):
            if not cursor.skip_past(b"-->"):
                return None
        elif cursor.startswith(b"<?"):
            if not cursor.skip_past(b"?>"):
                return None
        elif cursor.startswith(b"<!DOCTYPE") or cursor.startswith(b"<!doctype"):
            return cursor.line, cursor.column
        else:
            return None  # the root element, or something the parser will report


def doctype_position(stream: BinaryIO) -> tuple[int, int] | None:
    """Line and column of a DOCTYPE in the prolog of any XML document, or None."""
    head = stream.read(HEAD_BYTES)
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    decl = _DECL.match(body)
    return _doctype_in_prolog(stream, body, decl.end() if decl else 0)


def precheck(stream: BinaryIO, whole_file: bool = True) -> Rejection | None:
    """Inspect the start of a file; return why it must be refused, or None.

    The whole prolog is read, however long, so that no comment or processing instruction
    can push a DOCTYPE out of sight. Then, with ``whole_file`` and a stream that can be
    read again, the whole file is checked to be well-formed (``well_formedness``). The
    deposit pipeline skips that pass: its streaming reader refuses a file that is not
    well-formed, and only then asks ``well_formedness`` for the precise message.
    """
    start_of_file = stream.tell() if stream.seekable() else None
    head = stream.read(HEAD_BYTES)
    if not head.strip():
        return Rejection("Le fichier est vide : aucun contenu XML n'a été reçu.")
    if head.startswith(
        (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\x00<", b"<\x00\x00\x00")
    ):
        return Rejection("Le fichier est encodé en UTF-32 : seul l'encodage UTF-8 est accepté.")
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00")):
        return Rejection("Le fichier est encodé en UTF-16 : seul l'encodage UTF-8 est accepté.")
    start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    body = head[start:]
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
    # A DOCTYPE can only stand in the prolog, before the root element.
    doctype = _doctype_in_prolog(stream, body, decl.end() if decl else 0)
    if doctype:
        return Rejection(DOCTYPE_MESSAGE, *doctype)
    if whole_file and start_of_file is not None:
        return well_formedness(stream, start_of_file)
    return None


class _Reader:
    """Only ``read``: given a file with a name, lxml reports an encoding error as an OSError
    without position; given a feed, it forgets the namespace errors."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        return self.stream.read(size)


class _NoTree:
    """Parser target that builds nothing: the well-formedness pass keeps memory flat."""

    def close(self) -> None:
        return None


def well_formedness(stream: BinaryIO, start: int = 0) -> Rejection | None:
    """The first well-formedness error of the whole file, or None.

    A separate pass, because lxml's ``iterparse`` given a ``schema`` stops silently, without
    raising, at some fatal errors (a truncated file, a bare "&"): the passages read before
    would be taken for the whole file. Namespace errors (an undeclared prefix), which libxml2
    logs without stopping, are refused too. Only called once the DOCTYPE is refused, with
    the hardened settings; no tree is built (a few seconds per gigaoctet).
    """
    stream.seek(start)
    parser = etree.XMLParser(target=_NoTree(), **PARSER_OPTIONS)
    try:
        etree.parse(_Reader(stream), parser)
    except etree.XMLSyntaxError as exc:
        return syntax_rejection(exc, stream, start)
    # Not fatal to libxml2, but no namespace-aware reader can make sense of it.
    for entry in parser.error_log:
        if entry.level_name in ("ERROR", "FATAL"):
            return entry_rejection(entry, stream, start)
    return None


# ---------------------------------------------------------------------------------------
# Well-formedness errors in French, in the wording of the CDC's Xerces where it is known.

_WELL_FORMED = {
    "ERR_TAG_NAME_MISMATCH": 'Le type d\'élément "{a}" doit se terminer par la balise de fin '
    'correspondante "</{a}>".',
    "ERR_TAG_NOT_FINISHED": 'Le type d\'élément "{a}" doit se terminer par la balise de fin '
    'correspondante "</{a}>".',
    "ERR_HYPHEN_IN_COMMENT": 'La chaîne "--" n\'est pas autorisée dans les commentaires.',
    "ERR_COMMENT_NOT_FINISHED": "Le commentaire n'est pas terminé (--> attendu).",
    "ERR_SPACE_REQUIRED": "Un espace est obligatoire entre les données et la cible de "
    "l'instruction de traitement.",
    "ERR_DOCUMENT_EMPTY": "Le fichier est vide : aucun contenu XML n'a été reçu.",
    "ERR_DOCUMENT_END": "Du contenu suit la fin de l'élément racine : un seul élément racine "
    "est permis.",
    "ERR_UNDECLARED_ENTITY": "L'entité « {a} » n'est pas déclarée : les entités ne sont pas "
    "acceptées.",
    "ERR_INVALID_CHAR": "Le fichier contient un caractère interdit en XML.",
    "ERR_INVALID_ENCODING": "Le fichier contient des octets qui ne forment pas de l'UTF-8 "
    "valide : il doit être encodé en UTF-8.",
    "ERR_GT_REQUIRED": "La balise n'est pas terminée : « > » est attendu.",
    "ERR_LT_IN_ATTRIBUTE": "Le caractère « < » est interdit dans la valeur d'un attribut.",
    "ERR_ATTRIBUTE_NOT_STARTED": "La valeur d'un attribut doit être entre guillemets.",
    "ERR_ENTITYREF_SEMICOL_MISSING": "Une référence d'entité doit se terminer par « ; » "
    "(écrivez &amp; pour le caractère &).",
    "ERR_NAME_REQUIRED": "Un nom d'élément est attendu après « < ».",
    "ERR_DOCUMENT_START": "Le document ne commence pas par un élément XML.",
    "ERR_EXT_SUBSET_NOT_FINISHED": "Les DTD ne sont pas acceptées.",
    "ERR_PI_NOT_STARTED": "Instruction de traitement mal formée.",
    "ERR_RESERVED_XML_NAME": "La déclaration XML doit figurer tout au début du fichier.",
    "NS_ERR_UNDEFINED_NAMESPACE": 'Le préfixe "{a}" de l\'élément "{a}:{b}" n\'est pas déclaré.',
}
_BARE_AMPERSAND = (
    "Le caractère « & » doit être écrit &amp; : il n'introduit ici aucune référence d'entité."
)


def entry_message(entry) -> str:
    """French text for one error logged by the XML parser."""
    name, text = entry.type_name, entry.message
    if name == "ERR_NAME_REQUIRED" and text.startswith("xmlParseEntityRef"):
        return _BARE_AMPERSAND
    if name == "NS_ERR_UNDEFINED_NAMESPACE":
        attr = re.search(r"prefix ([\w.-]+) for ([\w.-]+) on ([\w.-]+)", text)
        if attr:
            prefix, local, element = attr.groups()
            return (
                f'Le préfixe "{prefix}" de l\'attribut "{prefix}:{local}" de l\'élément '
                f'"{element}" n\'est pas déclaré.'
            )
        m = re.search(r"prefix ([\w.-]+) on ([\w.-]+)", text)
        a, b = m.groups() if m else ("?", "?")
        return _WELL_FORMED[name].format(a=a, b=b)
    template = _WELL_FORMED.get(name)
    if template is None:
        return f"Le fichier n'est pas un XML bien formé ({name or 'erreur de syntaxe'})."
    arg = re.search(r"(?:mismatch: |in tag |Entity ')([\w:.-]+)", text)
    return template.format(a=arg.group(1) if arg else "?")


def well_formedness_message(exc: etree.XMLSyntaxError) -> str:
    entry = _parser_entry(exc)
    if entry is None:
        return "Le fichier n'est pas un XML bien formé (erreur de syntaxe)."
    return entry_message(entry)


def _parser_entry(exc: etree.XMLSyntaxError):
    """The parser's own log entry (the log may also hold schema errors of the same pass)."""
    entries = [e for e in exc.error_log if not e.domain_name.startswith("SCHEMAS")]
    return entries[-1] if entries else None


def syntax_rejection(exc: etree.XMLSyntaxError, stream: BinaryIO, start: int = 0) -> Rejection:
    """A well-formedness error with its position (``iterparse`` sometimes raises with none,
    e.g. for an undeclared entity: the position of the logged error is then used)."""
    entry = _parser_entry(exc)
    line, column = exc.position
    if entry is None:
        return Rejection(well_formedness_message(exc), max(line, 1), max(column, 1))
    return entry_rejection(entry, stream, start)


def entry_rejection(entry, stream: BinaryIO, start: int = 0) -> Rejection:
    """A logged parser error, its element named as in the file.

    libxml2 names an unclosed element without its prefix and says on which line it opened:
    the prefix is read back from that line of ``stream``.
    """
    message = entry_message(entry)
    opened = re.search(r"(?:mismatch: |in tag )([\w.-]+) line (\d+)", entry.message)
    if opened and ":" not in opened.group(1):
        local = opened.group(1)
        qname = _opening_tag(stream, start, int(opened.group(2)), local)
        message = message.replace(f'"{local}"', f'"{qname}"').replace(
            f'"</{local}>"', f'"</{qname}>"'
        )
    return Rejection(message, max(entry.line, 1), max(entry.column, 1))


def _opening_tag(stream: BinaryIO, start: int, line: int, local: str) -> str:
    """``prefix:local`` as written where the element opened on ``line``, else ``local``."""

    def written(raw: bytes) -> str:
        text = raw.decode("utf-8", "replace") + " "
        m = re.search(rf"<([\w.-]+:)?{re.escape(local)}[\s/>]", text)
        return f"{m.group(1) or ''}{local}" if m else local

    stream.seek(start)
    number, pending = 1, b""
    while True:
        chunk = stream.read(HEAD_BYTES)
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        for raw in lines:
            if number == line:
                return written(raw)
            number += 1
        if not chunk:
            return written(pending) if number == line else local
