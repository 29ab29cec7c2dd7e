"""The W3C Verifiable Credentials Data Model 2.0 rules our issuer and verifier enforce.

``credential_problems`` / ``presentation_problems`` return what is wrong, in French (empty:
conformant). Checked: base context first, types (``VerifiableCredential`` /
``VerifiablePresentation``, each expanding to an absolute URL, no redefinition of protected
terms), identifiers as single URLs, issuer, subjects with claims, validity dates as XML
Schema dateTimeStamp in order, and the typed objects (status, schema, evidence, terms of
use, refresh service, proofs), language-tagged names and descriptions, holders and embedded
or enveloped credentials. ``issue`` fills in what an issuer adds (issuer, its id) and signs;
``verify`` checks the model, the dates and the Data Integrity proofs. Tests: the 120 inputs
of the W3C VC 2.0 test suite (../shared/vectors).
"""

import re
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld import jsonld

from passeport.documents import contexts, data_integrity

V2 = "https://www.w3.org/ns/credentials/v2"
DATETIME = re.compile(
    r"^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?"
    r"(Z|[+-](0\d|1[0-4]):[0-5]\d)$"
)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
TYPED = ("credentialStatus", "credentialSchema", "evidence", "termsOfUse", "refreshService")
LANGUAGE_KEYS = {"@value", "@language", "@direction"}


def is_url(value) -> bool:
    return isinstance(value, str) and bool(SCHEME.match(value))


def many(value) -> list:
    """A JSON-LD value that may be one item or a list, as a list."""
    return value if isinstance(value, list) else [value]


def _context_problems(document: dict) -> list[str]:
    context = document.get("@context")
    if context is None:
        return ["@context absent"]
    entries = many(context)
    problems = []
    if not entries or entries[0] != V2:
        problems.append(f"le premier contexte doit être {V2}")
    for entry in entries:
        if not (is_url(entry) or isinstance(entry, dict)):
            problems.append(f"contexte invalide : {entry!r}")
    return problems


def _type_problems(document: dict, required: str) -> list[str]:
    kinds = document.get("type")
    if kinds is None:
        return ["type absent"]
    kinds = many(kinds)
    if not all(isinstance(k, str) for k in kinds):
        return ["type non textuel"]
    if required not in kinds:
        return [f"le type doit comprendre {required}"]
    return []


def _expansion_problems(document: dict) -> list[str]:
    """Every type an absolute URL once expanded; protected terms not redefined."""
    try:
        expanded = jsonld.expand(document, {"documentLoader": contexts.load})
    except contexts.UnknownContext as exc:
        return [str(exc)]
    except jsonld.JsonLdError as exc:
        return [f"traitement JSON-LD impossible : {_root(exc)}"]
    except (KeyError, TypeError, ValueError) as exc:
        # pyld fails so on some contexts it cannot process ("@vocab": null and its types)
        return [f"traitement JSON-LD impossible : contexte non pris en charge ({exc!r})"]
    problems = []
    for node in _nodes(expanded):
        kinds = node.get("@type", [])  # a node's types, or a literal's datatype
        for kind in [kinds] if isinstance(kinds, str) else kinds:
            if not is_url(kind):
                problems.append(f"type sans URL : {kind!r}")
    return problems


def _root(exc: BaseException) -> str:
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return str(getattr(exc, "message", exc))


def _nodes(value):
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _nodes(v)
    elif isinstance(value, list):
        for v in value:
            yield from _nodes(v)


def _id_problems(value, where: str) -> list[str]:
    if "id" in value and not is_url(value["id"]):
        return [f"{where} : id doit être une URL unique"]
    return []


def _text_problems(holder: dict, where: str) -> list[str]:
    problems = []
    for name in ("name", "description"):
        if name not in holder:
            continue
        for value in many(holder[name]):
            if isinstance(value, str):
                continue
            if not isinstance(value, dict) or "@value" not in value:
                problems.append(f"{where}.{name} invalide")
            elif set(value) - LANGUAGE_KEYS:
                problems.append(
                    f"{where}.{name} : propriétés en trop {sorted(set(value) - LANGUAGE_KEYS)}"
                )
    return problems


def _issuer_problems(document: dict, required: bool) -> list[str]:
    if "issuer" not in document:
        return ["émetteur (issuer) absent"] if required else []
    issuer = document["issuer"]
    if isinstance(issuer, dict):
        if "id" not in issuer:
            return ["issuer.id absent"] if required else _text_problems(issuer, "issuer")
        if not is_url(issuer["id"]):
            return ["issuer.id doit être une URL"]
        return _text_problems(issuer, "issuer")
    return [] if is_url(issuer) else ["issuer doit être une URL ou un objet avec un id"]


def _date_problems(document: dict) -> list[str]:
    problems = []
    for name in ("validFrom", "validUntil"):
        if name in document and not (
            isinstance(document[name], str) and DATETIME.match(document[name])
        ):
            problems.append(f"{name} n'est pas une date et heure XML Schema avec fuseau")
    if not problems and "validFrom" in document and "validUntil" in document:
        if instant(document["validUntil"]) < instant(document["validFrom"]):
            problems.append("validUntil précède validFrom")
    return problems


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def credential_problems(document, *, issued: bool = True) -> list[str]:
    """What makes ``document`` not a VC 2.0 credential (``issued``: issuer required)."""
    if not isinstance(document, dict):
        return ["une attestation est un objet JSON"]
    problems = _context_problems(document) + _type_problems(document, "VerifiableCredential")
    if "id" in document and not is_url(document["id"]):
        problems.append("id doit être une URL unique")
    problems += _issuer_problems(document, issued)
    subjects = document.get("credentialSubject")
    if subjects is None:
        problems.append("credentialSubject absent")
    else:
        for subject in many(subjects):
            if not isinstance(subject, dict) or not subject:
                problems.append("chaque credentialSubject doit porter au moins une affirmation")
            else:
                problems += _id_problems(subject, "credentialSubject")
    problems += _date_problems(document)
    for name in TYPED:
        for value in many(document.get(name, [])):
            if not isinstance(value, dict) or not isinstance(value.get("type"), str | list):
                problems.append(f"{name} : type obligatoire")
                continue
            if not all(isinstance(t, str) for t in many(value["type"])):
                problems.append(f"{name} : type non textuel")
            problems += _id_problems(value, name)
            if name == "credentialSchema" and not is_url(value.get("id")):
                problems.append("credentialSchema : id (URL) obligatoire")
    for proof in many(document.get("proof", [])):
        if not isinstance(proof, dict) or "type" not in proof:
            problems.append("proof : type obligatoire")
    problems += _text_problems(document, "credential")
    if not problems:
        problems += _expansion_problems(document)
    return problems


def presentation_problems(document) -> list[str]:
    if not isinstance(document, dict):
        return ["une présentation est un objet JSON"]
    problems = _context_problems(document) + _type_problems(document, "VerifiablePresentation")
    if "id" in document and not is_url(document["id"]):
        problems.append("id doit être une URL unique")
    if "holder" in document:
        holder = document["holder"]
        holder_id = holder.get("id") if isinstance(holder, dict) else holder
        if not is_url(holder_id):
            problems.append("holder doit être une URL ou un objet avec un id (URL)")
    for vc in many(document.get("verifiableCredential", [])):
        if not isinstance(vc, dict):
            problems.append("verifiableCredential : objet attendu, pas une chaîne")
        elif "EnvelopedVerifiableCredential" in many(vc.get("type", [])) or (
            "type" not in vc and str(vc.get("id", "")).startswith("data:")
        ):
            if "EnvelopedVerifiableCredential" not in many(vc.get("type", [])):
                problems.append("attestation enveloppée sans type EnvelopedVerifiableCredential")
            elif not str(vc.get("id", "")).startswith("data:"):
                problems.append("attestation enveloppée : id data: attendu")
        else:
            problems += [f"verifiableCredential : {p}" for p in credential_problems(vc)]
    if not problems:
        problems += _expansion_problems(document)
    return problems


class Rejected(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def issue(
    document: dict, key: Ed25519PrivateKey, issuer: str, *, created: str | None = None
) -> dict:
    """Complete what the issuer owns (``issuer`` and its id), check, then sign."""
    presentation = "VerifiablePresentation" in many(document.get("type", []))
    completed = dict(document)
    if not presentation:
        if "issuer" not in completed:
            completed["issuer"] = issuer
        elif isinstance(completed["issuer"], dict) and "id" not in completed["issuer"]:
            completed["issuer"] = {"id": issuer, **completed["issuer"]}
    problems = presentation_problems(completed) if presentation else credential_problems(completed)
    if problems:
        raise Rejected(problems)
    return data_integrity.sign(completed, key, created=created)


def verify(
    document, now: datetime | None = None, *, check_period: bool = True
) -> tuple[bool, list[str]]:
    """The model, the validity period (unless ``check_period`` is off: the W3C suite checks
    conformance, with past and far-future dates) and the Data Integrity proofs."""
    now = now or datetime.now(UTC)
    presentation = isinstance(document, dict) and "VerifiablePresentation" in many(
        document.get("type", [])
    )
    problems = presentation_problems(document) if presentation else credential_problems(document)
    if problems:
        return False, problems
    if check_period and not presentation:
        if "validFrom" in document and instant(document["validFrom"]) > now:
            problems.append("pas encore valide (validFrom dans le futur)")
        if "validUntil" in document and instant(document["validUntil"]) < now:
            problems.append("expirée (validUntil dépassé)")
    result = data_integrity.verify(document)
    if not result.verified:
        problems += result.reasons
    return not problems, problems
