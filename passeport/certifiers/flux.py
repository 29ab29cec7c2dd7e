"""The certifiers' flux (CDC XSD 1.1.2) as Python values.

Only names of the external format stay in French here: they are the XML element names.
Values are cleaned for business use (whitespace trimmed and collapsed); nil becomes None.
"""

from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from passeport.identity.claims import CpfClaim, PersonClaim

NS = "urn:cdc:cpf:pc5:schema:1.0.0"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_P = "{" + NS + "}"
_PLEN = len(_P)


def qn(local: str) -> str:
    return _P + local


@dataclass
class FluxHeader:
    """The envelope: who sends, for which certifier, under which contract."""

    id_flux: str | None = None
    horodatage: str | None = None
    emetteur_bcr: str | None = None
    certifier_bcr: str | None = None
    contract_id: str | None = None
    lines: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return None not in (self.id_flux, self.emetteur_bcr, self.certifier_bcr, self.contract_id)


@dataclass
class CertificationHeader:
    index: int
    line: int
    cert_type: str | None = None
    code: str | None = None
    nature: str | None = None

    @property
    def complete(self) -> bool:
        return self.cert_type is not None and self.code is not None


@dataclass
class BirthPlaceDetails:
    """What the funnel does not use but warnings look at."""

    postal_code: str | None = None
    commune_label: str | None = None
    country_label: str | None = None


@dataclass
class Passage:
    index: int
    line: int
    cert_index: int
    id_technique: str
    obtention: str
    certified_data: bool
    valid_from: date
    valid_until: date | None
    language_flag: bool
    digital_flag: bool
    holder: PersonClaim | CpfClaim
    proof_url: str | None = None
    option: str | None = None
    exam_start: date | None = None
    exam_end: date | None = None
    exam_mode: str | None = None
    exam_postcode: str | None = None
    cefr_level: str | None = None
    digcomp: dict | None = None
    scoring: str | None = None
    mention: str | None = None
    access_mode: str | None = None
    vae_route: str | None = None
    registration_initiative: str | None = None
    registration_date: date | None = None
    verbatim: str | None = None
    birth: BirthPlaceDetails = field(default_factory=BirthPlaceDetails)


def local(el: etree._Element) -> str | None:
    tag = el.tag
    if isinstance(tag, str) and tag.startswith(_P):
        return tag[_PLEN:]
    return None


def _clean(text: str | None) -> str | None:
    r"""``core.text.clean_text`` without a regex (``str.split`` splits on exactly what ``\s``
    matches): trimmed, inner whitespace collapsed, empty → None. Nil elements are empty, so
    they come out None too."""
    return " ".join(text.split()) or None if text else None


def _bool(value: str | None) -> bool:
    return value is not None and value.strip() in ("true", "1")


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value.strip()) if value else None


def _int(value: str | None) -> int | None:
    return int(value) if value else None


# Clark names of the values of a passage. Every leaf name is unique within a passage, but
# for the repeated DigComp ``resultat`` (read on their own).
_T = {
    name: qn(name)
    for name in (
        "idTechnique", "urlPreuve", "libelleOption", "obtentionCertification", "donneeCertifiee",
        "dateDebutExamen", "dateFinExamen", "modalitePassageExamen", "codePostalCentreExamen",
        "dateDebutValidite", "dateFinValidite", "presenceNiveauLangueEuro",
        "niveauLangueEuropeen", "presenceNiveauNumeriqueEuro", "niveauNumeriqueEuropeen",
        "scoreGeneral", "resultat", "scoring", "mentionValidee", "modaliteAcces",
        "voieAccessVAE", "initiativeInscription", "dateInscription", "verbatim", "idDossier",
        "nomTitulaire", "prenom1Titulaire", "nomNaissance", "nomUsage", "prenom1", "prenom2",
        "prenom3", "anneeNaissance", "moisNaissance", "jourNaissance", "sexe", "codeInsee",
        "codePostal", "libelleCommuneNaissance", "codePaysNaissance", "libellePaysNaissance",
    )
}  # fmt: skip


_RESULT = _T["resultat"]
_RESULT_PARTS = {qn("niveau"): "niveau", qn("domaineCompetenceId"): "domaineCompetenceId",
                 qn("competenceId"): "competenceId"}  # fmt: skip


def read_passage(el: etree._Element, index: int, cert_index: int) -> Passage:
    """Build a Passage from a schema-valid ``passageCertification`` element.

    One walk over the descendants into a flat {tag: text} map: this is the hot loop of a
    deposit (some 60 values a passage). Every leaf name is unique within a passage but the
    parts of the repeated DigComp ``resultat``, gathered on the way.
    """
    v: dict = {}
    results: list[dict] = []
    for c in el.iterdescendants():
        tag = c.tag
        if tag == _RESULT:
            results.append({"niveau": None, "domaineCompetenceId": None, "competenceId": None})
        elif tag in _RESULT_PARTS:
            results[-1][_RESULT_PARTS[tag]] = c.text
        else:
            v[tag] = c.text
    t = _T
    get = v.get
    passage = Passage(
        index=index,
        line=el.sourceline or 0,
        cert_index=cert_index,
        id_technique=_clean(v[t["idTechnique"]]) or "",
        obtention=v[t["obtentionCertification"]] or "",
        certified_data=_bool(v[t["donneeCertifiee"]]),
        valid_from=_date(v[t["dateDebutValidite"]]),
        valid_until=_date(v[t["dateFinValidite"]]),
        language_flag=_bool(v[t["presenceNiveauLangueEuro"]]),
        digital_flag=_bool(v[t["presenceNiveauNumeriqueEuro"]]),
        holder=_holder(v),
        proof_url=_clean(get(t["urlPreuve"])),
        option=_clean(get(t["libelleOption"])),
        exam_start=_date(get(t["dateDebutExamen"])),
        exam_end=_date(get(t["dateFinExamen"])),
        exam_mode=get(t["modalitePassageExamen"]),
        exam_postcode=_clean(get(t["codePostalCentreExamen"])),
        cefr_level=get(t["niveauLangueEuropeen"]),
        scoring=_clean(v[t["scoring"]]),
        mention=v[t["mentionValidee"]],
        access_mode=v[t["modaliteAcces"]],
        vae_route=get(t["voieAccessVAE"]),
        registration_initiative=get(t["initiativeInscription"]),
        registration_date=_date(get(t["dateInscription"])),
        verbatim=_clean(get(t["verbatim"])),
    )
    if t["niveauNumeriqueEuropeen"] in v:
        for r in results:
            r["niveau"] = _int(r["niveau"])
        passage.digcomp = {"scoreGeneral": _int(get(t["scoreGeneral"])), "resultats": results}
    if t["nomNaissance"] in v:
        passage.birth = BirthPlaceDetails(
            postal_code=_clean(get(t["codePostal"])),
            commune_label=_clean(get(t["libelleCommuneNaissance"])),
            country_label=_clean(get(t["libellePaysNaissance"])),
        )
    return passage


def _holder(v: dict) -> PersonClaim | CpfClaim:
    t = _T
    if t["idDossier"] in v:
        return CpfClaim(
            number=_clean(v[t["idDossier"]]) or "",
            name=_clean(v[t["nomTitulaire"]]) or "",
            first_name=_clean(v[t["prenom1Titulaire"]]) or "",
        )
    insee = _clean(v.get(t["codeInsee"]))
    return PersonClaim(
        birth_name=_clean(v[t["nomNaissance"]]) or "",
        first_name1=_clean(v[t["prenom1"]]) or "",
        sex=v[t["sexe"]] or "",
        birth_year=int(v[t["anneeNaissance"]]),
        usage_name=_clean(v[t["nomUsage"]]),
        first_name2=_clean(v.get(t["prenom2"])),
        first_name3=_clean(v.get(t["prenom3"])),
        birth_month=_int(v[t["moisNaissance"]]),
        birth_day=_int(v[t["jourNaissance"]]),
        birth_insee=insee.upper() if insee else None,
        birth_country=_clean(v.get(t["codePaysNaissance"])),
    )
