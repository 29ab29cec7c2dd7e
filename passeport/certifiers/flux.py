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


def _text(el: etree._Element) -> str | None:
    if el.get(XSI_NIL) in ("true", "1"):
        return None
    text = el.text
    if text is None:
        return None
    # ``clean_text`` without a regex: ``str.split()`` splits on exactly the characters that
    # ``\s`` matches (both are ``str.isspace``), and a flux has some 60 values per passage.
    return " ".join(text.split()) or None


def _bool(value: str | None) -> bool:
    return value in ("true", "1")


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _children(el: etree._Element) -> dict[str, etree._Element]:
    """Child elements of our namespace by local name (``local`` inlined: the hot loop)."""
    out = {}
    for c in el:
        tag = c.tag
        if isinstance(tag, str) and tag.startswith(_P):
            out[tag[_PLEN:]] = c
    return out


def read_passage(el: etree._Element, index: int, cert_index: int) -> Passage:
    """Build a Passage from a schema-valid ``passageCertification`` element."""
    c = _children(el)
    t = {name: _text(child) for name, child in c.items()}
    inscription = {n: _text(x) for n, x in _children(c["modalitesInscription"]).items()}
    passage = Passage(
        index=index,
        line=el.sourceline or 0,
        cert_index=cert_index,
        id_technique=t["idTechnique"] or "",
        obtention=t["obtentionCertification"] or "",
        certified_data=_bool(t["donneeCertifiee"]),
        valid_from=_date(t["dateDebutValidite"]),
        valid_until=_date(t["dateFinValidite"]),
        language_flag=_bool(t["presenceNiveauLangueEuro"]),
        digital_flag=_bool(t["presenceNiveauNumeriqueEuro"]),
        holder=_holder(c["identificationTitulaire"]),
        proof_url=t.get("urlPreuve"),
        option=t.get("libelleOption"),
        exam_start=_date(t.get("dateDebutExamen")),
        exam_end=_date(t.get("dateFinExamen")),
        exam_mode=t.get("modalitePassageExamen"),
        exam_postcode=t.get("codePostalCentreExamen"),
        cefr_level=t.get("niveauLangueEuropeen"),
        scoring=t["scoring"],
        mention=t["mentionValidee"],
        access_mode=inscription.get("modaliteAcces"),
        vae_route=inscription.get("voieAccessVAE"),
        registration_initiative=inscription.get("initiativeInscription"),
        registration_date=_date(inscription.get("dateInscription")),
        verbatim=t.get("verbatim"),
    )
    if "niveauNumeriqueEuropeen" in c:
        passage.digcomp = _digcomp(c["niveauNumeriqueEuropeen"])
    passage.birth = _birth_details(c["identificationTitulaire"])
    return passage


def _digcomp(el: etree._Element) -> dict:
    c = _children(el)
    results = []
    if "resultats" in c:
        for r in c["resultats"]:
            if local(r) == "resultat":
                v = {n: _text(x) for n, x in _children(r).items()}
                results.append(
                    {
                        "niveau": _int(v.get("niveau")),
                        "domaineCompetenceId": v.get("domaineCompetenceId"),
                        "competenceId": v.get("competenceId"),
                    }
                )
    score = _text(c["scoreGeneral"]) if "scoreGeneral" in c else None
    return {"scoreGeneral": _int(score), "resultats": results}


def _holder(el: etree._Element) -> PersonClaim | CpfClaim:
    ((kind, block),) = _children(el).items()
    v = {n: _text(x) for n, x in _children(block).items()}
    if kind == "dossierFormation":
        return CpfClaim(
            number=v["idDossier"] or "",
            name=v["nomTitulaire"] or "",
            first_name=v["prenom1Titulaire"] or "",
        )
    place = _children(block)["codeCommuneNaissance"]
    ((place_kind, place_el),) = _children(place).items()
    insee = None
    if place_kind == "codeInseeNaissance":
        insee = _text(_children(place_el)["codeInsee"])
    return PersonClaim(
        birth_name=v["nomNaissance"] or "",
        first_name1=v["prenom1"] or "",
        sex=v["sexe"] or "",
        birth_year=int(v["anneeNaissance"]),
        usage_name=v.get("nomUsage"),
        first_name2=v.get("prenom2"),
        first_name3=v.get("prenom3"),
        birth_month=_int(v.get("moisNaissance")),
        birth_day=_int(v.get("jourNaissance")),
        birth_insee=insee.upper() if insee else None,
        birth_country=v.get("codePaysNaissance"),
    )


def _birth_details(el: etree._Element) -> BirthPlaceDetails:
    ((kind, block),) = _children(el).items()
    if kind != "titulaire":
        return BirthPlaceDetails()
    c = _children(block)
    postal = None
    place_kind, place_el = next(iter(_children(c["codeCommuneNaissance"]).items()))
    if place_kind == "codePostalNaissance":
        postal = _text(_children(place_el)["codePostal"])
    return BirthPlaceDetails(
        postal_code=postal,
        commune_label=_text(c["libelleCommuneNaissance"])
        if "libelleCommuneNaissance" in c
        else None,
        country_label=_text(c["libellePaysNaissance"]) if "libellePaysNaissance" in c else None,
    )
