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


# The values of a passage, by local name: every one is unique within a passage but the parts
# of the repeated DigComp ``resultat``. Order matters: ``read_passage`` unpacks them so.
LEAVES = (
    "idTechnique", "urlPreuve", "libelleOption", "obtentionCertification", "donneeCertifiee",
    "dateDebutExamen", "dateFinExamen", "modalitePassageExamen", "codePostalCentreExamen",
    "dateDebutValidite", "dateFinValidite", "presenceNiveauLangueEuro", "niveauLangueEuropeen",
    "presenceNiveauNumeriqueEuro", "niveauNumeriqueEuropeen", "scoreGeneral", "scoring",
    "mentionValidee", "modaliteAcces", "voieAccessVAE", "initiativeInscription",
    "dateInscription", "verbatim", "idDossier", "nomTitulaire", "prenom1Titulaire",
    "nomNaissance", "nomUsage", "prenom1", "prenom2", "prenom3", "anneeNaissance",
    "moisNaissance", "jourNaissance", "sexe", "codeInsee", "codePostal",
    "libelleCommuneNaissance", "codePaysNaissance", "libellePaysNaissance",
)  # fmt: skip
RESULT = "resultat"
RESULT_PARTS = ("niveau", "domaineCompetenceId", "competenceId")

_LEAF_INDEX = {qn(name): i for i, name in enumerate(LEAVES)}
_RESULT = qn(RESULT)
_RESULT_PART_INDEX = {qn(name): i for i, name in enumerate(RESULT_PARTS)}


def read_leaves_py(el: etree._Element) -> list:
    """The values of a passage: for each of ``LEAVES``, its text ("" when present without
    text, None when absent), then the ``resultat`` list, each a tuple of its parts' texts.

    The reference for ``_leaves.LeafReader``, written in C for speed (tests compare both),
    and the fallback where that module is not built.
    """
    values: list = [None] * (len(LEAVES) + 1)
    groups: list[list] = []
    for c in el.iterdescendants():
        tag = c.tag
        if tag in _LEAF_INDEX:
            values[_LEAF_INDEX[tag]] = c.text or ""
        elif tag == _RESULT:
            groups.append([None] * len(RESULT_PARTS))
        elif tag in _RESULT_PART_INDEX and groups:
            groups[-1][_RESULT_PART_INDEX[tag]] = c.text
    values[-1] = [tuple(g) for g in groups]
    return values


try:
    from passeport.certifiers._leaves import LeafReader
except ImportError:  # not built (a source checkout without a compiler): same result, slower
    read_leaves = read_leaves_py
    COMPILED = False
else:
    read_leaves = LeafReader(NS, LEAVES, RESULT, RESULT_PARTS).read
    COMPILED = True


def read_passage(el: etree._Element, index: int, cert_index: int) -> Passage:
    """Build a Passage from a schema-valid ``passageCertification`` element."""
    (
        id_technique, proof_url, option, obtention, certified, exam_start, exam_end, exam_mode,
        exam_postcode, valid_from, valid_until, language_flag, cefr_level, digital_flag,
        digcomp, score, scoring, mention, access_mode, vae_route, initiative,
        registration_date, verbatim, cpf_number, cpf_name, cpf_first_name, birth_name,
        usage_name, first_name1, first_name2, first_name3, year, month, day, sex, insee,
        postal_code, commune_label, country, country_label, results,
    ) = read_leaves(el)  # fmt: skip
    if cpf_number is not None:
        holder: PersonClaim | CpfClaim = CpfClaim(
            number=_clean(cpf_number) or "",
            name=_clean(cpf_name) or "",
            first_name=_clean(cpf_first_name) or "",
        )
    else:
        insee = _clean(insee)
        holder = PersonClaim(
            birth_name=_clean(birth_name) or "",
            first_name1=_clean(first_name1) or "",
            sex=sex or "",
            birth_year=int(year),
            usage_name=_clean(usage_name),
            first_name2=_clean(first_name2),
            first_name3=_clean(first_name3),
            birth_month=_int(month),
            birth_day=_int(day),
            birth_insee=insee.upper() if insee else None,
            birth_country=_clean(country),
        )
    passage = Passage(
        index=index,
        line=el.sourceline or 0,
        cert_index=cert_index,
        id_technique=_clean(id_technique) or "",
        obtention=obtention or "",
        certified_data=_bool(certified),
        valid_from=_date(valid_from),
        valid_until=_date(valid_until),
        language_flag=_bool(language_flag),
        digital_flag=_bool(digital_flag),
        holder=holder,
        proof_url=_clean(proof_url),
        option=_clean(option),
        exam_start=_date(exam_start),
        exam_end=_date(exam_end),
        exam_mode=exam_mode or None,
        exam_postcode=_clean(exam_postcode),
        cefr_level=cefr_level or None,
        scoring=_clean(scoring),
        mention=mention or None,
        access_mode=access_mode or None,
        vae_route=vae_route or None,
        registration_initiative=initiative or None,
        registration_date=_date(registration_date),
        verbatim=_clean(verbatim),
    )
    if digcomp is not None:
        passage.digcomp = {
            "scoreGeneral": _int(score),
            "resultats": [
                {"niveau": _int(level), "domaineCompetenceId": domain, "competenceId": skill}
                for level, domain, skill in results
            ],
        }
    if birth_name is not None:
        passage.birth = BirthPlaceDetails(
            postal_code=_clean(postal_code),
            commune_label=_clean(commune_label),
            country_label=_clean(country_label),
        )
    return passage
