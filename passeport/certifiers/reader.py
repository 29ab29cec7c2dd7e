"""Streaming read of a flux: one pass that validates against our schema and yields passages.

Memory stays flat: each passage is turned into a ``Passage`` then cleared from the tree.
The envelope (idFlux, émetteur, certificateur, contract, each certification's type and code)
usually comes before the passages; the schema lets it come in any order, so when a passage
arrives before its context is known the caller runs ``scan()`` first and reads again with
that context (``NeedsContext``).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from passeport.certifiers.flux import (
    CertificationHeader,
    FluxHeader,
    Passage,
    local,
    qn,
    read_passage,
)
from passeport.certifiers.parsing import PARSER_OPTIONS
from passeport.certifiers.schema import flux_schema

_PASSAGE = qn("passageCertification")


class SchemaInvalid(Exception):
    """The file fails the schema or is not well-formed (details: ``schema.list_errors``)."""


class NeedsContext(Exception):
    """A passage came before its envelope; read again with ``scan()``'s result."""


@dataclass
class Context:
    header: FluxHeader = field(default_factory=FluxHeader)
    certifications: dict[int, CertificationHeader] = field(default_factory=dict)


_HEADER_TAGS = {"idFlux": "id_flux", "horodatage": "horodatage", "idContrat": "contract_id"}
_CERT_TAGS = {"type": "cert_type", "code": "code", "natureDeposant": "nature"}
_WATCHED = [
    qn(n)
    for n in (
        "idFlux",
        "horodatage",
        "idClient",
        "idContrat",
        "type",
        "code",
        "natureDeposant",
        "certification",
        "passageCertification",
        "flux",
    )
]


class FluxReader:
    """``validate=False`` reads without the schema, for a file validated elsewhere (see
    ``schema_check``); the reader still refuses a file that is not well-formed or whole."""

    def __init__(self, path: str | Path, known: Context | None = None, validate: bool = True):
        self.path = Path(path)
        self.validate = validate
        self.size = self.path.stat().st_size
        self.known = known
        self.context = Context()
        self._fh = None

    @property
    def bytes_read(self) -> int:
        return self._fh.tell() if self._fh and not self._fh.closed else self.size

    def passages(self) -> Iterator[Passage]:
        """Yield every passage in document order; raise SchemaInvalid on the first error."""
        yield from self._read(collect=True)

    def scan(self) -> Context:
        """Validate the whole file and return its envelope, without building passages."""
        for _ in self._read(collect=False):
            pass
        return self.context

    def _read(self, collect: bool) -> Iterator[Passage]:
        header, certs = self.context.header, self.context.certifications
        current = self._current = CertificationHeader(index=0, line=0)
        passage_index = 0
        closed = False
        with open(self.path, "rb") as fh:
            self._fh = fh
            validate = self.validate
            schema = flux_schema() if validate else None
            events = etree.iterparse(
                fh, events=("end",), tag=_WATCHED, schema=schema, **PARSER_OPTIONS
            )
            try:
                for _, el in events:
                    if validate and events.error_log:
                        raise SchemaInvalid
                    if el.tag == _PASSAGE:  # the hot path first
                        if collect:
                            if self._context_for(current) is None:
                                raise NeedsContext
                            yield read_passage(el, passage_index, current.index)
                        passage_index += 1
                        _drop(el)
                        continue
                    name = local(el)
                    parent = local(el.getparent()) if el.getparent() is not None else None
                    if name == "flux":
                        closed = True
                    elif name == "certification":
                        current.line = el.sourceline or 0
                        certs[current.index] = current
                        current = self._current = CertificationHeader(current.index + 1, 0)
                        _drop(el)
                    elif name in _CERT_TAGS and parent == "certification":
                        setattr(current, _CERT_TAGS[name], (el.text or "").strip())
                        current.line = current.line or el.sourceline or 0
                    elif name in _HEADER_TAGS:
                        setattr(header, _HEADER_TAGS[name], (el.text or "").strip())
                        header.lines[name] = el.sourceline or 0
                    elif name == "idClient":
                        attr = "emetteur_bcr" if parent == "emetteur" else "certifier_bcr"
                        setattr(header, attr, (el.text or "").strip())
                        header.lines[attr] = el.sourceline or 0
            except etree.XMLSyntaxError as exc:
                raise SchemaInvalid from exc
            finally:
                self._fh = None
            # Given a schema, iterparse may stop at a fatal error (a truncated file, a bare
            # "&") without raising: a flux is whole only if its root element was closed.
            if events.error_log or not closed:
                raise SchemaInvalid

    def _context_for(self, current: CertificationHeader) -> Context | None:
        """The envelope and certification a passage belongs to, if known at this point."""
        if self.known is not None:
            return self.known
        if self.context.header.complete and current.complete:
            return self.context
        return None

    def certification(self, index: int) -> CertificationHeader:
        source = self.known or self.context
        return source.certifications.get(index) or self._current

    @property
    def header(self) -> FluxHeader:
        return (self.known or self.context).header


def _drop(el: etree._Element) -> None:
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]
