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
from passeport.certifiers.parsing import PARSER_OPTIONS

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
        type="f:PassageCertification",
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


class TooManyErrors(Exception):
    pass


def list_errors(path: str | Path, limit: int = MAX_ERRORS) -> list[SchemaError]:
    """Every well-formedness and schema error of the file, in document order, at most ``limit``."""
    found: list[tuple[int, str, str]] = []  # (line, qualified element name, message)

    def add(line: int, qname: str, message: str) -> None:
        found.append((line, qname, message))
        if len(found) >= limit:
            raise TooManyErrors

    passage_tag = f"{{{NS}}}passageCertification"
    container_tag = f"{{{NS}}}passageCertifications"
    root = None
    try:
        try:
            for event, el in etree.iterparse(str(path), events=("start", "end"), **PARSER_OPTIONS):
                if root is None:
                    root = el
                if event != "end" or el.tag != passage_tag:
                    continue
                parent = el.getparent()
                if parent is None or parent.tag != container_tag:
                    continue
                schema = passage_schema()
                if not schema.validate(el):
                    for entry in schema.error_log:
                        add(entry.line, _qname(entry, el), translate(entry, el.prefix))
                for child in list(el):
                    el.remove(child)
                el.attrib.clear()
        except etree.XMLSyntaxError as exc:
            line, column = exc.position
            return locate([(line, "", well_formedness_message(exc))], path, {line: column})
        schema = envelope_schema()
        if root is not None and not schema.validate(root):
            for entry in schema.error_log:
                add(entry.line, _qname(entry, root), translate(entry, root.prefix))
    except TooManyErrors:
        pass
    found.sort(key=lambda f: f[0])
    return locate(found[:limit], path, {})


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


def _prefixed(clark: str, prefix: str | None) -> str:
    def repl(m: re.Match) -> str:
        return f"{prefix}:{m.group(2)}" if prefix and m.group(1) else m.group(2)

    return _CLARK.sub(repl, clark)


def _expected(message: str, prefix: str | None) -> str:
    m = re.search(r"Expected is (?:one of )?\( (.*) \)", message)
    if not m:
        return ""
    names = [_prefixed(n.strip(), prefix) for n in m.group(1).split(",")]
    return ", ".join(f"'{n}'" for n in names)


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
    kind = entry.type_name
    value = re.search(r"The value '([^']*)'", msg)
    v = value.group(1) if value else ""
    numbers = re.findall(r"'(-?\d+)'", msg)
    if kind == "SCHEMAV_CVC_ELT_1":
        return f"cvc-elt.1.a : Déclaration de l'élément '{el}' introuvable."
    if kind == "SCHEMAV_ELEMENT_CONTENT":
        expected = _expected(msg, prefix)
        if "Missing child" in msg:
            return (
                f"cvc-complex-type.2.4.b : Le contenu de l'élément '{el}' n'est pas "
                f"complet. L'un des éléments {expected} est attendu."
            )
        if expected:
            return (
                f"cvc-complex-type.2.4.a : Contenu non valide trouvé à partir de l'élément "
                f"'{el}'. L'un des éléments {expected} est attendu."
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
            r"'([^']*)' is not a valid value of the (?:local )?(?:atomic|list|union) "
            r"type(?: '([^']+)')?",
            msg,
        )
        got = bad.group(1) if bad else ""
        label = _TYPE_LABELS.get(bad.group(2) if bad and bad.group(2) else "", "une valeur valide")
        if bad and bad.group(2) and bad.group(2).endswith(("Date", "}Date")):
            label = _TYPE_LABELS["xs:date"]
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
    if kind in ("SCHEMAV_CVC_COMPLEX_TYPE_3_2_1", "SCHEMAV_CVC_COMPLEX_TYPE_3_2_2"):
        attr = re.search(r"attribute '([^']+)'", msg)
        name = attr.group(1) if attr else "?"
        return (
            f"cvc-complex-type.3.2.2 : L'attribut '{name}' n'est pas autorisé sur l'élément '{el}'."
        )
    if kind in ("SCHEMAV_CVC_COMPLEX_TYPE_2_3", "SCHEMAV_CVC_COMPLEX_TYPE_2_1"):
        return (
            f"cvc-complex-type.2.3 : L'élément '{el}' ne peut pas contenir de texte, "
            "seulement des éléments."
        )
    if kind == "SCHEMAV_CVC_COMPLEX_TYPE_2_4":
        return f"cvc-complex-type.2.4 : L'élément '{el}' ne doit pas contenir d'éléments."
    return f"cvc : L'élément '{el}' n'est pas conforme au schéma ({kind})."


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
}


def well_formedness_message(exc: etree.XMLSyntaxError) -> str:
    entry = exc.error_log.last_error if exc.error_log else None
    name = entry.type_name if entry is not None else ""
    text = entry.message if entry is not None else str(exc)
    template = _WELL_FORMED.get(name)
    if template is None:
        return f"Le fichier n'est pas un XML bien formé ({name or 'erreur de syntaxe'})."
    arg = re.search(r"(?:mismatch: |in tag |Entity ')([\w:.-]+)", text)
    return template.format(a=arg.group(1) if arg else "?")
