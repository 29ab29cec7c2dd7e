"""Accusés: our receipt (réception) and the CDC-shaped processing report (traitement).

The processing report copies the real CDC files byte for byte in shape: root ``rapport`` in no
namespace declaring an unused ``ns2``, 4-space indentation, ``PassagesKO`` then
``PassagesOK``; or, for a rejected file, ``erreurs/erreur{type,message,ligne,colonne}``.
The reader accepts every variant seen in real files (accrochage.md §8.4).
"""

import io
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

from lxml import etree

from passeport.certifiers.parsing import DOCTYPE_MESSAGE, PARSER_OPTIONS, doctype_position

PROLOG = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
ROOT_OPEN = '<rapport xmlns:ns2="urn:cdc:cpf:pc5:rapport:schema">\n'
ROOT_CLOSE = "</rapport>\n"
I1, I2, I3 = " " * 4, " " * 8, " " * 12


# Characters XML 1.0 cannot carry, even escaped (a file name may hold them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _el(indent: str, name: str, value) -> str:
    text = _NOT_XML.sub("\ufffd", str(value))
    return f"{indent}<{name}>{escape(text)}</{name}>\n"


class PassagesReportWriter:
    """Streams a per-passage report: KO and OK lines go to two spools, joined at the end."""

    def __init__(self, file_name: str, id_flux: str, id_traitement: int):
        self.head = (
            PROLOG
            + ROOT_OPEN
            + _el(I1, "nomFichier", file_name)
            + _el(I1, "idFlux", id_flux)
            + _el(I1, "idTraitement", id_traitement)
        )
        self._ko = tempfile.TemporaryFile()
        self._ok = tempfile.TemporaryFile()
        self.ko_count = 0
        self.ok_count = 0

    def ko(self, id_technique: str, message: str) -> None:
        self.ko_count += 1
        self._ko.write(
            (
                f"{I2}<passage>\n"
                + _el(I3, "idTechnique", id_technique)
                + _el(I3, "messageErreur", message)
                + f"{I2}</passage>\n"
            ).encode()
        )

    def ok(self, id_technique: str) -> None:
        self.ok_count += 1
        self._ok.write(_el(I2, "idTechnique", id_technique).encode())

    def write_to(self, out: BinaryIO) -> None:
        out.write(self.head.encode())
        for name, spool, count in (
            ("PassagesKO", self._ko, self.ko_count),
            ("PassagesOK", self._ok, self.ok_count),
        ):
            if count:  # empty sections are omitted [proj]
                out.write(f"{I1}<{name}>\n".encode())
                spool.seek(0)
                shutil.copyfileobj(spool, out)
                out.write(f"{I1}</{name}>\n".encode())
        out.write(ROOT_CLOSE.encode())

    def close(self) -> None:
        self._ko.close()
        self._ok.close()


@dataclass(frozen=True)
class FileError:
    type: str
    message: str
    line: int
    column: int


def errors_report(file_name: str, id_traitement: int, errors: list[FileError]) -> bytes:
    parts = [
        PROLOG,
        ROOT_OPEN,
        _el(I1, "nomFichier", file_name),
        _el(I1, "idTraitement", id_traitement),
        f"{I1}<erreurs>\n",
    ]
    for e in errors:
        parts += [
            f"{I2}<erreur>\n",
            _el(I3, "type", e.type),
            _el(I3, "message", e.message),
            _el(I3, "ligne", e.line),
            _el(I3, "colonne", e.column),
            f"{I2}</erreur>\n",
        ]
    parts += [f"{I1}</erreurs>\n", ROOT_CLOSE]
    return "".join(parts).encode()


def report_file_name(file_name: str, day: date) -> str:
    """``Accusé de traitement_{nomFichier}_{AAAAMMJJ}.xml``, as the CDC names it."""
    return f"Accusé de traitement_{file_name}_{day:%Y%m%d}.xml"


# ---------------------------------------------------------------------------------------
# Reader


DUPLICATE = "duplicate"
NOT_FOUND = "holder-not-found"
AMBIGUOUS = "holder-ambiguous"
CERTIFICATION = "certification"
DATES = "dates"
REQUIRED = "conditional"
OTHER = "other"


# The CDC's wording only: "Le titulaire existe déjà en base" says nothing of the passage.
_DUPLICATE = re.compile(
    r"^Le passage certification avec le bcr émetteur \S+ et l'id technique partenaire "
    r".+ existe déjà en base$"
)


def classify(message: str) -> str:
    """The family of a KO message, so callers never parse the id out of the text."""
    if _DUPLICATE.match(message):
        return DUPLICATE
    if message.startswith("Aucun titulaire ne correspond"):
        return NOT_FOUND
    if message.startswith("Plusieurs titulaires"):
        return AMBIGUOUS
    if message.startswith("Le statut de la certification"):
        return CERTIFICATION
    if message.startswith("La date de fin de validité"):
        return DATES
    if "est obligatoire lorsque" in message:
        return REQUIRED
    return OTHER


@dataclass
class KoPassage:
    id_technique: str
    message: str

    @property
    def family(self) -> str:
        return classify(self.message)


@dataclass
class Report:
    file_name: str | None = None
    id_flux: str | None = None
    id_traitement: int | None = None
    ko: list[KoPassage] = field(default_factory=list)
    ok: list[str] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return bool(self.errors)


def _lname(el) -> str:
    return etree.QName(el).localname.lower() if isinstance(el.tag, str) else ""


def _find(el, name: str):
    return next((c for c in el if _lname(c) == name.lower()), None)


def _text(el, name: str) -> str | None:
    child = _find(el, name)
    return child.text.strip() if child is not None and child.text else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def read_report(source: str | Path | bytes) -> Report:
    """Parse a CDC or Passeport accusé de traitement (hardened, namespace-agnostic).

    A DOCTYPE is refused before parsing, as for a flux (accrochage.md §8.4).
    """
    if isinstance(source, bytes):
        where = doctype_position(io.BytesIO(source))
    else:
        with open(source, "rb") as fh:
            where = doctype_position(fh)
    if where is not None:
        raise ValueError(f"{DOCTYPE_MESSAGE} (ligne {where[0]}, colonne {where[1]})")
    parser = etree.XMLParser(**PARSER_OPTIONS)
    if isinstance(source, bytes):
        root = etree.fromstring(source, parser)
    else:
        root = etree.parse(str(source), parser).getroot()
    if _lname(root) != "rapport":
        raise ValueError("Ce document n'est pas un accusé de traitement (racine « rapport »).")
    report = Report(
        file_name=_text(root, "nomFichier"),
        id_flux=_text(root, "idFlux"),
        id_traitement=_int(_text(root, "idTraitement")),
    )
    ko = _find(root, "PassagesKO")
    if ko is not None:
        for p in ko:
            if _lname(p) == "passage":
                report.ko.append(
                    KoPassage(_text(p, "idTechnique") or "", _text(p, "messageErreur") or "")
                )
    ok = _find(root, "PassagesOK")
    if ok is not None:
        report.ok = [c.text.strip() for c in ok if _lname(c) == "idtechnique" and c.text]
    errors = _find(root, "erreurs")
    if errors is not None:
        for e in errors:
            if _lname(e) == "erreur":
                report.errors.append(
                    FileError(
                        type=_text(e, "type") or "",
                        message=_text(e, "message") or "",
                        line=_int(_text(e, "ligne")) or 0,
                        column=_int(_text(e, "colonne")) or 0,
                    )
                )
    return report


# ---------------------------------------------------------------------------------------
# Accusé de réception: our own format (docs/accuse-reception.md).


def reception_receipt(
    *, deposit_id: int, file_name: str, sha256: str, size: int, received_at: datetime
) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<accuseReception xmlns="urn:passeport:accrochage:reception:1.0">\n'
        + _el(I1, "idDepot", deposit_id)
        + _el(I1, "nomFichier", file_name)
        + _el(I1, "sha256", sha256)
        + _el(I1, "taille", size)
        + _el(I1, "recuLe", received_at.isoformat(timespec="seconds"))
        + "</accuseReception>\n"
    ).encode()
