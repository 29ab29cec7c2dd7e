"""Our schema of the flux, and the list of what is wrong with a file that fails it.

Streaming validation (``iterparse(schema=…)``) tells us *that* a file is invalid but gives no
line numbers. For a rejected file a second, equally streaming pass lists up to 100 errors
with their lines: each ``passageCertification`` is validated on its own against the
passage type, then cleared; the remaining envelope is validated against a variant of the
schema that takes the (emptied) passages as they are. Both variants are derived from the
one schema file, so they cannot drift apart.
"""

import copy
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from passeport.certifiers.flux import NS
from passeport.certifiers.parsing import PARSER_OPTIONS, syntax_rejection

SCHEMA_PATH = Path(__file__).with_name("schema") / "flux-1.1.2.xsd"
XS = "http://www.w3.org/2001/XMLSchema"
MAX_ERRORS = 100


@dataclass(frozen=True)
class SchemaError:
    message: str
    line: int
    column: int
    type: str = "XSD"


@functools.cache
def schema_document() -> etree._ElementTree:
    return etree.parse(str(SCHEMA_PATH), etree.XMLParser(resolve_entities=False, no_network=True))


@functools.cache
def flux_schema() -> etree.XMLSchema:
    return etree.XMLSchema(schema_document())


@functools.cache
def passage_schema() -> etree.XMLSchema:
    """The schema plus a global ``passageCertification`` element, to validate one passage."""
    doc = copy.deepcopy(schema_document())
    etree.SubElement(
        doc.getroot(),
        f"{{{XS}}}element",
        name="passageCertification",
        type="f:passageCertification",
    )
    return etree.XMLSchema(doc)


@functools.cache
def envelope_schema() -> etree.XMLSchema:
    """The schema with passages taken as opaque (they are checked one by one)."""
    doc = copy.deepcopy(schema_document())
    (decl,) = doc.getroot().xpath(
        "//xs:element[@name='passageCertification']", namespaces={"xs": XS}
    )
    del decl.attrib["type"]
    opaque = etree.SubElement(decl, f"{{{XS}}}complexType")
    seq = etree.SubElement(opaque, f"{{{XS}}}sequence")
    etree.SubElement(
        seq,
        f"{{{XS}}}any",
        processContents="skip",
        minOccurs="0",
        maxOccurs="unbounded",
        namespace="##any",
    )
    etree.SubElement(opaque, f"{{{XS}}}anyAttribute", processContents="skip", namespace="##any")
    return etree.XMLSchema(doc)


def list_errors(path: str | Path, limit: int = MAX_ERRORS) -> list[SchemaError]:
    """The first ``limit`` well-formedness and schema errors of the file, in document order.

    Once ``limit`` passage errors are known, passages are no longer validated but the file is
    still read to its end, so that an earlier error of the envelope (validated last) takes its
    place among the first ``limit``. A well-formedness error ends the reading; it is always
    reported, after the passage errors found before it.
    """
    found: list[tuple[int, str, str]] = []  # (line, qualified element name, message)
    passage_tag = f"{{{NS}}}passageCertification"
    container_tag = f"{{{NS}}}passageCertifications"
    root = None
    try:
        for event, el in etree.iterparse(str(path), events=("start", "end"), **PARSER_OPTIONS):
            if root is None:
                root = el
            if event != "end" or el.tag != passage_tag:
                continue
            parent = el.getparent()
            if parent is None or parent.tag != container_tag:
                continue
            if len(found) < limit:
                found += _validate(passage_schema(), el)
            for child in list(el):
                el.remove(child)
            el.attrib.clear()
    except etree.XMLSyntaxError as exc:
        found.sort(key=lambda f: f[0])
        return locate(found[: limit - 1], path, {}) + [syntax_error(exc, path)]
    if root is not None:
        found += _validate(envelope_schema(), root)
    found.sort(key=lambda f: f[0])
    return locate(found[:limit], path, {})


def _validate(schema: etree.XMLSchema, el: etree._Element) -> list[tuple[int, str, str]]:
    """Errors of one subtree. libxml2 cannot validate an unexpanded entity reference (only a
    DOCTYPE brings one, and the precheck refuses it first): that is reported, not raised."""
    try:
        if schema.validate(el):
            return []
    except etree.XMLSchemaValidateError:
        qname = _prefixed(el.tag, el.prefix)
        return [
            (
                el.sourceline or 1,
                qname,
                f"cvc : L'élément '{qname}' ne peut pas être validé : il contient une référence "
                "d'entité, et les entités ne sont pas acceptées.",
            )
        ]
    return [(e.line, _qname(e, el), translate(e, el.prefix)) for e in schema.error_log]


def _qname(entry, context: etree._Element) -> str:
    match = _ELEMENT.match(entry.message)
    return _prefixed(match.group(1), context.prefix) if match else ""


def locate(found, path, known_columns: dict[int, int]) -> list[SchemaError]:
    """Attach a 1-based column to each error: where its element's tag opens on that line."""
    wanted = {line for line, _, _ in found if line not in known_columns}
    texts: dict[int, str] = {}
    if wanted:
        last = max(wanted)
        with open(path, "rb") as fh:
            for number, raw in enumerate(fh, 1):
                if number in wanted:
                    texts[number] = raw.decode("utf-8", "replace")
                if number >= last:
                    break
    errors = []
    for line, qname, message in found:
        column = known_columns.get(line)
        if column is None:
            text = texts.get(line, "")
            pos = text.find("<" + qname) if qname else -1
            column = pos + 1 if pos >= 0 else len(text) - len(text.lstrip()) + 1
        errors.append(SchemaError(message=message, line=max(line, 1), column=max(column, 1)))
    return errors


# ---------------------------------------------------------------------------------------
# French messages. The CDC passes on Xerces' French messages with their code; we keep the
# code and write the text ourselves from what libxml2 tells (accrochage.md §8.2).

_ELEMENT = re.compile(r"^Element '([^']+)'")
_CLARK = re.compile(r"\{([^}]*)\}([\w.-]+)")
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_WELL_KNOWN = {XSI: "xsi", XML_NS: "xml", XS: "xs"}


def _prefixed(clark: str, prefix: str | None) -> str:
    """Names as the file writes them: the flux namespace with the file's prefix."""

    def repl(m: re.Match) -> str:
        ns, local = m.group(1), m.group(2)
        if ns == NS or ns not in _WELL_KNOWN:
            return f"{prefix}:{local}" if prefix and ns else local
        return f"{_WELL_KNOWN[ns]}:{local}"

    return _CLARK.sub(repl, clark)


def _local(clark: str) -> str:
    return clark.rsplit("}", 1)[-1]


@dataclass(frozen=True)
class _Declarations:
    builtin: dict[str, str]  # element local name → built-in type it restricts (xs:date…)
    optional: frozenset[str]  # element names that are optional wherever they are declared
    element_types: frozenset[str]  # named types that some element is declared with


@functools.cache
def declarations() -> _Declarations:
    """What the messages need to know of our schema, read from the schema file itself."""
    root = schema_document().getroot()
    named = {t.get("name"): t for t in root.findall(f"{{{XS}}}simpleType")}

    def builtin_of(type_name: str | None, inline) -> str | None:
        seen = 0
        while seen < 20:  # a chain of restrictions, never a cycle in a valid schema
            seen += 1
            if type_name is None:
                if inline is None:
                    return None
                restriction = inline.find(f"{{{XS}}}restriction")
                if restriction is None:
                    return None
                type_name, inline = restriction.get("base"), None
                continue
            if type_name.startswith("xs:"):
                return type_name
            inline, type_name = named.get(type_name.split(":")[-1]), None
            if inline is None:
                return None
        return None

    builtin: dict[str, str] = {}
    mandatory: set[str] = set()
    names: set[str] = set()
    element_types: set[str] = set()
    for decl in root.iter(f"{{{XS}}}element"):
        name = decl.get("name")
        names.add(name)
        if decl.get("minOccurs", "1") != "0":
            mandatory.add(name)
        if decl.get("type"):
            element_types.add(decl.get("type").split(":")[-1])
        base = builtin_of(decl.get("type"), decl.find(f"{{{XS}}}simpleType"))
        if base:
            builtin[name] = base
    return _Declarations(builtin, frozenset(names - mandatory), frozenset(element_types))


def _expected(message: str, prefix: str | None, missing: bool = False) -> list[str]:
    """The element names libxml2 says are expected; for a missing child, the mandatory ones."""
    m = re.search(r"Expected is (?:one of )?\( (.*) \)", message)
    if not m:
        return []
    names = [n.strip() for n in m.group(1).split(",")]
    if missing:
        optional = declarations().optional
        names = [n for n in names if _local(n) not in optional] or names
    return [f"'{_prefixed(n, prefix)}'" for n in names]


def _one_of(names: list[str]) -> str:
    if len(names) == 1:
        return f"L'élément {names[0]} est attendu."
    return f"L'un des éléments {', '.join(names)} est attendu."


_TYPE_LABELS = {
    "xs:date": "une date au format AAAA-MM-JJ",
    "xs:dateTime": "une date-heure au format AAAA-MM-JJThh:mm:ss±hh:mm",
    "xs:int": "un nombre entier",
    "xs:integer": "un nombre entier",
    "xs:boolean": "un booléen (true, false, 1 ou 0)",
}


def translate(entry, prefix: str | None) -> str:
    """French message for one libxml2 schema error, prefixed with the Xerces code."""
    msg = entry.message
    m = _ELEMENT.match(msg)
    el = _prefixed(m.group(1), prefix) if m else "?"
    element_local = _local(m.group(1)) if m else ""
    attribute = re.match(r"^Element '[^']+', attribute '([^']+)'", msg)
    attr = _prefixed(attribute.group(1), prefix) if attribute else ""
    kind = entry.type_name
    value = re.search(r"The value '([^']*)'", msg)
    v = value.group(1) if value else ""
    numbers = re.findall(r"'(-?\d+)'", msg)
    if kind == "SCHEMAV_CVC_ELT_1":
        return f"cvc-elt.1.a : Déclaration de l'élément '{el}' introuvable."
    if kind == "SCHEMAV_ELEMENT_CONTENT":
        if "Missing child" in msg:
            return (
                f"cvc-complex-type.2.4.b : Le contenu de l'élément '{el}' n'est pas "
                f"complet. {_one_of(_expected(msg, prefix, missing=True))}"
            )
        expected = _expected(msg, prefix)
        if expected:
            return (
                f"cvc-complex-type.2.4.a : Contenu non valide trouvé à partir de l'élément "
                f"'{el}'. {_one_of(expected)}"
            )
        return (
            f"cvc-complex-type.2.4.d : Contenu non valide trouvé à partir de l'élément "
            f"'{el}'. Aucun élément enfant n'est attendu à cet endroit."
        )
    if kind == "SCHEMAV_CVC_ENUMERATION_VALID":
        allowed = re.search(r"set \{(.*)\}", msg)
        values = allowed.group(1).replace("'", "") if allowed else ""
        return (
            f"cvc-enumeration-valid : La valeur '{v}' de l'élément '{el}' n'est pas "
            f"autorisée. Valeurs possibles : {values}."
        )
    if kind == "SCHEMAV_CVC_PATTERN_VALID":
        return f"cvc-pattern-valid : La valeur '{v}' de l'élément '{el}' n'a pas le format attendu."
    if kind == "SCHEMAV_CVC_DATATYPE_VALID_1_2_1":
        bad = re.search(
            r"'([^']*)' is not a valid value of the (?:local )?(?:atomic|list|union)"
            r" type(?: '([^']+)')?",
            msg,
        )
        got = bad.group(1) if bad else ""
        base = bad.group(2) if bad and bad.group(2) and bad.group(2).startswith("xs:") else None
        if attribute:
            label = _TYPE_LABELS.get(base or "", "une valeur valide")
            return (
                f"cvc-datatype-valid.1.2.1 : '{got}' n'est pas une valeur valide pour "
                f"l'attribut '{attr}' de l'élément '{el}' ; la valeur attendue est {label}."
            )
        base = base or declarations().builtin.get(element_local, "")
        label = _TYPE_LABELS.get(base, "une valeur valide")
        return (
            f"cvc-datatype-valid.1.2.1 : '{got}' n'est pas une valeur valide pour "
            f"l'élément '{el}' ; la valeur attendue est {label}."
        )
    if kind in (
        "SCHEMAV_CVC_MINLENGTH_VALID",
        "SCHEMAV_CVC_MAXLENGTH_VALID",
        "SCHEMAV_CVC_LENGTH_VALID",
    ):
        got, limit = (numbers + ["?", "?"])[:2]
        if kind == "SCHEMAV_CVC_MINLENGTH_VALID":
            return (
                f"cvc-minLength-valid : La valeur de l'élément '{el}' compte {got} "
                f"caractère(s) ; le minimum est {limit}."
            )
        if kind == "SCHEMAV_CVC_MAXLENGTH_VALID":
            return (
                f"cvc-maxLength-valid : La valeur de l'élément '{el}' compte {got} "
                f"caractères ; le maximum est {limit}."
            )
        return (
            f"cvc-length-valid : La valeur de l'élément '{el}' compte {got} caractère(s) ; "
            f"elle doit en compter exactement {limit}."
        )
    if kind in ("SCHEMAV_CVC_MININCLUSIVE_VALID", "SCHEMAV_CVC_MAXINCLUSIVE_VALID"):
        bound = re.search(r"\('(-?\d+)'\)", msg)
        b = bound.group(1) if bound else "?"
        if kind == "SCHEMAV_CVC_MININCLUSIVE_VALID":
            return (
                f"cvc-minInclusive-valid : La valeur '{v}' de l'élément '{el}' est "
                f"inférieure au minimum autorisé ({b})."
            )
        return (
            f"cvc-maxInclusive-valid : La valeur '{v}' de l'élément '{el}' est supérieure "
            f"au maximum autorisé ({b})."
        )
    if kind in ("SCHEMAV_CVC_ELT_3_2_1", "SCHEMAV_CVC_ELT_3_2_2"):
        return (
            f"cvc-elt.3.2.1 : L'élément '{el}' est marqué xsi:nil : il ne doit avoir aucun contenu."
        )
    if kind == "SCHEMAV_CVC_ELT_3_1":
        return f"cvc-elt.3.1 : L'élément '{el}' ne peut pas être marqué xsi:nil."
    if kind in ("SCHEMAV_CVC_ELT_4_1", "SCHEMAV_CVC_ELT_4_2", "SCHEMAV_CVC_ELT_4_3"):
        named = re.search(r"(?:QName value|type definition) '([^']+)'", msg)
        clark = named.group(1) if named else ""
        type_name = _prefixed(clark, prefix) if clark else "?"
        # Helper types of our schema are no types of the format: unknown, as at the CDC.
        known = clark.startswith(f"{{{XS}}}") or _local(clark) in declarations().element_types
        if kind == "SCHEMAV_CVC_ELT_4_3" and known:
            return (
                f"cvc-elt.4.3 : Le type '{type_name}' indiqué par xsi:type ne dérive pas du "
                f"type de l'élément '{el}'."
            )
        return (
            f"cvc-elt.4.2 : Le type '{type_name}' indiqué par xsi:type pour l'élément '{el}' "
            "est introuvable."
        )
    if kind in ("SCHEMAV_CVC_COMPLEX_TYPE_3_2_1", "SCHEMAV_CVC_COMPLEX_TYPE_3_2_2"):
        return (
            f"cvc-complex-type.3.2.2 : L'attribut '{attr or '?'}' n'est pas autorisé sur "
            f"l'élément '{el}'."
        )
    if kind == "SCHEMAV_CVC_TYPE_3_1_1":
        return (
            f"cvc-type.3.1.1 : L'élément '{el}' est de type simple : l'attribut "
            f"'{attr or '?'}' n'y est pas autorisé."
        )
    if kind == "SCHEMAV_CVC_TYPE_3_1_2":
        return (
            f"cvc-type.3.1.2 : L'élément '{el}' est de type simple : il ne peut pas contenir "
            "d'éléments."
        )
    if kind in ("SCHEMAV_CVC_COMPLEX_TYPE_2_3", "SCHEMAV_CVC_COMPLEX_TYPE_2_1"):
        return (
            f"cvc-complex-type.2.3 : L'élément '{el}' ne peut pas contenir de texte, "
            "seulement des éléments."
        )
    if kind == "SCHEMAV_CVC_COMPLEX_TYPE_2_4":
        return f"cvc-complex-type.2.4 : L'élément '{el}' ne doit pas contenir d'éléments."
    return f"cvc : L'élément '{el}' n'est pas conforme au schéma ({kind})."


def syntax_error(exc: etree.XMLSyntaxError, path: str | Path) -> SchemaError:
    """A well-formedness error with its French message and position (see parsing)."""
    with open(path, "rb") as fh:
        r = syntax_rejection(exc, fh)
    return SchemaError(message=r.message, line=r.line, column=r.column)
