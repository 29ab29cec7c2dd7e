"""Our schema against the CDC's XSD 1.1.2 (accrochage.md §12).

The official sample and a corpus of mutations built from its bytes must get the same verdict
from the CDC's XSD and from ours, through every path that judges a file in production: whole
tree validation, the streaming reader, and the error listing of a rejected file. Each case
also states the verdict the format description expects, so that both schemas agreeing on a
wrong answer still fails. Then the French messages and positions of a few rejections.
"""

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from passeport.certifiers import processing, schema_check, services
from passeport.certifiers.accuse import FileError, read_report
from passeport.certifiers.models import Channel, DepositStatus
from passeport.certifiers.reader import FluxReader, SchemaInvalid
from passeport.certifiers.schema import SCHEMA_PATH, flux_schema, list_errors
from tests.conftest import CDC_XSD, OFFICIAL_SAMPLE

SAMPLE = OFFICIAL_SAMPLE.read_bytes()
NS = "urn:cdc:cpf:pc5:schema:1.0.0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NIL = f"{{{XSI}}}nil"


@dataclass(frozen=True)
class Case:
    id: str
    data: bytes
    valid: bool


# ---------------------------------------------------------------------------------------
# Building mutations from the sample's bytes


def replace(*pairs: tuple[bytes, bytes], count: int = 1, base: bytes = SAMPLE) -> bytes:
    """Byte replacements on the sample; each must apply, or the case would test nothing."""
    data = base
    for old, new in pairs:
        assert old in data, old
        data = data.replace(old, new, count)
    return data


def edit(fn: Callable[[etree._Element], None], base: bytes = SAMPLE) -> bytes:
    """A tree edit on the sample (a missing element raises); line numbers are kept."""
    root = etree.fromstring(base)
    fn(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def block(name: str, whole: bool = False) -> bytes:
    """The bytes of the first ``name`` element of the sample (``whole``: first to last)."""
    lazy = "" if whole else "?"
    return re.search(rf"<cpf:{name}>.*{lazy}</cpf:{name}>".encode(), SAMPLE, re.DOTALL).group(0)


def nth(root: etree._Element, name: str, n: int = 0) -> etree._Element:
    return list(root.iter(f"{{{NS}}}{name}"))[n]


def fragment(xml: str) -> etree._Element:
    """An element of the flux namespace written with the ``cpf:`` prefix."""
    wrapped = f'<w xmlns:cpf="{NS}" xmlns:xsi="{XSI}">{xml}</w>'
    return etree.fromstring(wrapped)[0]


def set_text(name: str, value: str, n: int = 0, base: bytes = SAMPLE) -> bytes:
    def fn(root):
        el = nth(root, name, n)
        el.attrib.pop(NIL, None)
        el.text = value

    return edit(fn, base)


def set_nil(name: str, n: int = 0, value: str = "true", content: str | None = None, base=SAMPLE):
    def fn(root):
        el = nth(root, name, n)
        for child in list(el):
            el.remove(child)
        el.text = content
        el.set(NIL, value)

    return edit(fn, base)


def add_child(parent: str, xml: str, base: bytes = SAMPLE) -> bytes:
    return edit(lambda root: nth(root, parent).append(fragment(xml)), base)


def set_children(name: str, xml: str | None = None, base: bytes = SAMPLE) -> bytes:
    """Replace the children of the first ``name`` with ``xml`` (or with nothing)."""

    def fn(root):
        el = nth(root, name)
        el[:] = [fragment(xml)] if xml else []

    return edit(fn, base)


def remove(name: str, n: int = 0, base: bytes = SAMPLE) -> bytes:
    def fn(root):
        el = nth(root, name, n)
        el.getparent().remove(el)

    return edit(fn, base)


# Variants of the sample holding the elements it lacks, to test their bounds.
WITH_POSTAL = set_children(
    "codeCommuneNaissance",
    "<cpf:codePostalNaissance><cpf:codePostal>31000</cpf:codePostal></cpf:codePostalNaissance>",
)
WITH_EXTRAS = add_child(
    "titulaire",
    "<cpf:commentairesMEN>Néant</cpf:commentairesMEN>",
    base=add_child("titulaire", "<cpf:codePaysNaissance>100</cpf:codePaysNaissance>"),
)


# ---------------------------------------------------------------------------------------
# The corpus

CASES: list[Case] = [Case("ok-echantillon-officiel", SAMPLE, True)]


def ok(id: str, data: bytes) -> None:
    CASES.append(Case("ok-" + id, data, True))


def ko(id: str, data: bytes) -> None:
    CASES.append(Case("ko-" + id, data, False))


# §12, rejecting mutations
CERTIFICATEUR = block("certificateur")
ko("deux-certificateurs", replace((CERTIFICATEUR, CERTIFICATEUR + CERTIFICATEUR)))
DOSSIER = (
    b"<cpf:dossierFormation><cpf:idDossier>1234567891011</cpf:idDossier>"
    b"<cpf:nomTitulaire>Dupont</cpf:nomTitulaire>"
    b"<cpf:prenom1Titulaire>Antoine</cpf:prenom1Titulaire></cpf:dossierFormation>"
)
ko("titulaire-et-dossierFormation", replace((b"</cpf:titulaire>", b"</cpf:titulaire>" + DOSSIER)))
ko(
    "codeInsee-et-codePostal",
    replace(
        (
            b"</cpf:codeInseeNaissance>",
            b"</cpf:codeInseeNaissance><cpf:codePostalNaissance><cpf:codePostal>31000"
            b"</cpf:codePostal></cpf:codePostalNaissance>",
        )
    ),
)
ko("dateFinValidite-absente", remove("dateFinValidite"))
ko("scoring-vide-sans-nil", replace((b"<cpf:scoring>12.4</cpf:scoring>", b"<cpf:scoring/>")))
ko("nil-avec-contenu", replace((b"<cpf:scoring>12.4<", b'<cpf:scoring xsi:nil="true">12.4<')))
ko("natureDeposant-TIERS_DE_CONFIANCE", replace((b">CERTIFICATEUR<", b">TIERS_DE_CONFIANCE<")))
ko(
    "modaliteAcces-EQUIVALENCE_(DIPLOME_ETRANGER)",
    replace((b">FORMATION_INITIALE_APPRENTISSAGE<", b">EQUIVALENCE_(DIPLOME_ETRANGER)<")),
)
ko(
    "titre-dico-4.4",
    replace((b"<cpf:natureDeposant>", b"<cpf:titre>Grade</cpf:titre><cpf:natureDeposant>")),
)
ko("namespace-1.0.1", replace((b"schema:1.0.0", b"schema:1.0.1")))
ko("namespace-0.0.7", replace((b"schema:1.0.0", b"schema:0.0.7")))
ko("sexe-H", replace((b"<cpf:sexe>M<", b"<cpf:sexe>H<")))
ko(
    "date-2020-02-30",
    replace((b">2020-12-12</cpf:dateDebutValidite>", b">2020-02-30</cpf:dateDebutValidite>")),
)
ko("horodatage-Z", replace((b"14:24:12+01:00", b"14:24:12Z")))
ko("horodatage-+1:00", replace((b"14:24:12+01:00", b"14:24:12+1:00")))
ko("idClient-emetteur-7", replace((b">AB123CDE<", b">AB123CD<")))
ko("niveau--1", replace((b"<cpf:niveau>5<", b"<cpf:niveau>-1<")))
ko(
    "nomNaissance-61",
    replace((b">Dupont</cpf:nomNaissance>", b">" + b"D" * 61 + b"</cpf:nomNaissance>")),
)

# §12, accepting mutations
ok(
    "namespace-par-defaut",
    replace((b"xmlns:cpf=", b"xmlns="), (b"<cpf:", b"<"), (b"</cpf:", b"</"), count=-1),
)
ok(
    "autre-prefixe",
    replace((b"xmlns:cpf=", b"xmlns:c5="), (b"<cpf:", b"<c5:"), (b"</cpf:", b"</c5:"), count=-1),
)
ok(
    "prefixes-melanges",
    replace(
        (b"<cpf:emetteur>", b'<c:emetteur xmlns:c="' + NS.encode() + b'">'),
        (b"</cpf:emetteur>", b"</c:emetteur>"),
    ),
)


def _reverse_children(*names: str) -> bytes:
    def fn(root):
        for name in names:
            for el in [root] if name == "flux" else root.iter(f"{{{NS}}}{name}"):
                children = list(el)
                for child in children:
                    el.remove(child)
                for child in reversed(children):
                    el.append(child)

    return edit(fn)


ok("enfants-inverses-flux", _reverse_children("flux"))
ok("enfants-inverses-emetteur-certificateur", _reverse_children("emetteur", "certificateur"))
ok("enfants-inverses-certification", _reverse_children("certification"))
ok("enfants-inverses-passage", _reverse_children("passageCertification"))
ok(
    "enfants-inverses-titulaire-modalites-dossier",
    _reverse_children("titulaire", "modalitesInscription", "dossierFormation", "resultat"),
)
ok("moisNaissance-05", replace((b"<cpf:moisNaissance>11<", b"<cpf:moisNaissance>05<")))
ok("jourNaissance-07", replace((b"<cpf:jourNaissance>15<", b"<cpf:jourNaissance>07<")))
ok("codeInsee-2A004", replace((b">31555<", b">2A004<")))
ok("codeInsee-99100", replace((b">31555<", b">99100<")))
for offset in ("+00:00", "-05:00", "+14:00", "-14:00", "-00:00", "+05:30", "+13:59"):
    ok(f"horodatage{offset}", replace((b"+01:00<", offset.encode() + b"<")))
for offset in (
    "+15:00",
    "+19:59",
    "+20:00",
    "+14:01",
    "-14:30",
    "+01:60",
    "+0100",
    "+01",
    "+01:00:00",
):
    ko(f"horodatage{offset}", replace((b"+01:00<", offset.encode() + b"<")))
ok("booleen-1", replace((b"<cpf:donneeCertifiee>true<", b"<cpf:donneeCertifiee>1<")))
ok("booleen-0", replace((b"<cpf:donneeCertifiee>true<", b"<cpf:donneeCertifiee>0<")))
ok("booleen-false", replace((b"<cpf:donneeCertifiee>true<", b"<cpf:donneeCertifiee>false<")))
ok("booleen-espaces", replace((b"<cpf:donneeCertifiee>true<", b"<cpf:donneeCertifiee> true <")))
for value in ("TRUE", "True", "yes", "2", ""):
    ko(
        f"booleen-{value or 'vide'}",
        replace((b"<cpf:donneeCertifiee>true<", f"<cpf:donneeCertifiee>{value}<".encode())),
    )

# horodatage, beyond the offset
for id, value in (
    ("secondes-decimales", "2020-12-18T14:24:12.5+01:00"),
    ("annee-1899", "1899-12-18T14:24:12+01:00"),
    ("annee-2100", "2100-12-18T14:24:12+01:00"),
    ("T24:00:00", "2020-12-18T24:00:00+01:00"),
    ("sans-fuseau", "2020-12-18T14:24:12"),
    ("sans-secondes", "2020-12-18T14:24+01:00"),
    ("date-seule", "2020-12-18"),
    ("31-novembre", "2020-11-31T14:24:12+01:00"),
    ("espace-T", "2020-12-18 14:24:12+01:00"),
    ("vide", ""),
):
    ko(f"horodatage-{id}", replace((b"2020-12-18T14:24:12+01:00", value.encode())))
for id, value in (
    ("annee-1900", "1900-01-01T00:00:00+01:00"),
    ("annee-2099", "2099-12-31T23:59:59-01:00"),
    ("29-fevrier-bissextile", "2024-02-29T12:00:00+01:00"),
    ("espaces", " 2020-12-18T14:24:12+01:00 "),
):
    ok(f"horodatage-{id}", replace((b"2020-12-18T14:24:12+01:00", value.encode())))

# dates (the five date elements share one type; each is tried once)
for name in (
    "dateDebutExamen",
    "dateFinExamen",
    "dateDebutValidite",
    "dateFinValidite",
    "dateInscription",
):
    n = 1 if name == "dateFinValidite" else 0  # the first passage's is nil
    ok(f"{name}-1900-01-01", set_text(name, "1900-01-01", n))
    ok(f"{name}-2099-12-31", set_text(name, "2099-12-31", n))
    ko(f"{name}-1899-12-31", set_text(name, "1899-12-31", n))
    ko(f"{name}-2100-01-01", set_text(name, "2100-01-01", n))
ok("date-29-fevrier-bissextile", set_text("dateDebutValidite", "2024-02-29"))
ok("date-espaces", set_text("dateDebutValidite", " 2020-12-12\n"))
for id, value in (
    ("29-fevrier-non-bissextile", "2023-02-29"),
    ("fuseau-Z", "2020-12-12Z"),
    ("fuseau-+01:00", "2020-12-12+01:00"),
    ("format-francais", "12/12/2020"),
    ("sans-zeros", "2020-2-3"),
    ("mois-13", "2020-13-01"),
    ("jour-00", "2020-12-00"),
    ("date-heure", "2020-12-12T00:00:00"),
    ("vide", ""),
):
    ko(f"date-{id}", set_text("dateDebutValidite", value))

# each enumeration, every value accepted, near misses refused
ENUMERATIONS = {
    "natureDeposant": ["CERTIFICATEUR", "TIERS_CONFIANCE"],
    "obtentionCertification": ["PAR_ADMISSION", "PAR_SCORING"],
    "modalitePassageExamen": ["A_DISTANCE", "EN_PRESENTIEL", "MIXTE"],
    "niveauLangueEuropeen": ["A1", "A2", "B1", "B2", "C1", "C2", "INSUFFISANT"],
    "mentionValidee": [
        "SANS_MENTION",
        "MENTION_ASSEZ_BIEN",
        "MENTION_BIEN",
        "MENTION_TRES_BIEN",
        "MENTION_TRES_BIEN_AVEC_FELICITATIONS_DU_JURY",
    ],
    "modaliteAcces": [
        "FORMATION_INITIALE_HORS_APPRENTISSAGE",
        "FORMATION_INITIALE_APPRENTISSAGE",
        "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
        "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION",
        "VAE",
        "EQUIVALENCE_DIPLOME_ETRANGER",
        "CANDIDAT_LIBRE",
    ],
    "voieAccessVAE": ["CONGES_VAE", "VAE_CLASSIQUE"],
    "initiativeInscription": ["CERTIFIE", "OF", "POLE_EMPLOI", "EMPLOYEUR", "AUTRE"],
    "sexe": ["M", "F"],
}
for name, values in ENUMERATIONS.items():
    for value in values:
        ok(f"{name}-{value}", set_text(name, value))
    ko(f"{name}-minuscules", set_text(name, values[0].lower()))
    ko(f"{name}-espace-final", set_text(name, values[0] + " "))
    ko(f"{name}-vide", set_text(name, ""))
ko("niveauLangueEuropeen-C3", set_text("niveauLangueEuropeen", "C3"))
ko("modaliteAcces-EQUIVALENCE", set_text("modaliteAcces", "EQUIVALENCE"))
ko("initiativeInscription-FRANCE_TRAVAIL", set_text("initiativeInscription", "FRANCE_TRAVAIL"))
ko("voieAccesVAE-nom-du-type", replace((b"voieAccessVAE>", b"voieAccesVAE>"), count=-1))

# every length bound on both sides: (element, minimum, maximum, sample holding it)
LENGTHS = [
    ("idFlux", 1, 50, SAMPLE),
    ("idClient", 8, 8, SAMPLE),  # the émetteur's
    ("idContrat", 1, 20, SAMPLE),
    ("type", 1, 255, SAMPLE),
    ("code", 1, 100, SAMPLE),
    ("idTechnique", 1, 255, SAMPLE),
    ("urlPreuve", 1, 255, SAMPLE),
    ("libelleOption", 1, 255, SAMPLE),
    ("codePostalCentreExamen", 1, 9, SAMPLE),
    ("scoring", 1, 255, SAMPLE),
    ("verbatim", 1, 255, SAMPLE),
    ("domaineCompetenceId", 1, 1, SAMPLE),
    ("competenceId", 1, 1, SAMPLE),
    ("idDossier", 1, 13, SAMPLE),
    ("nomTitulaire", 1, 30, SAMPLE),
    ("prenom1Titulaire", 1, 20, SAMPLE),
    ("nomNaissance", 1, 60, SAMPLE),
    ("nomUsage", 1, 60, SAMPLE),
    ("prenom1", 1, 60, SAMPLE),
    ("prenom2", 1, 60, SAMPLE),
    ("prenom3", 1, 60, SAMPLE),
    ("codeInsee", 5, 5, SAMPLE),
    ("libelleCommuneNaissance", 1, 60, SAMPLE),
    ("libellePaysNaissance", 1, 60, SAMPLE),
    ("codePaysNaissance", 3, 3, WITH_EXTRAS),
    ("commentairesMEN", 1, 250, WITH_EXTRAS),
    ("codePostal", 1, 9, WITH_POSTAL),
]
for name, low, high, base in LENGTHS:
    ok(f"{name}-longueur-{low}", set_text(name, "9" * low, base=base))
    if high != low:
        ok(f"{name}-longueur-{high}", set_text(name, "9" * high, base=base))
    ko(f"{name}-longueur-{low - 1}", set_text(name, "9" * (low - 1), base=base))
    ko(f"{name}-longueur-{high + 1}", set_text(name, "9" * (high + 1), base=base))
ok("idClient-certificateur-8", set_text("idClient", "ZZ999ZZZ", 1))
ko("idClient-certificateur-9", set_text("idClient", "ZZ999ZZZZ", 1))
ok("nomNaissance-60-caracteres-accentues", set_text("nomNaissance", "é" * 60))
ko("nomNaissance-61-caracteres-accentues", set_text("nomNaissance", "é" * 61))
ok("nomNaissance-un-espace", set_text("nomNaissance", " "))
ok("codeInsee-5-caracteres-avec-espaces", set_text("codeInsee", " 315 "))

# every integer range on both sides
RANGES = [
    ("scoreGeneral", 1, 1000),
    ("niveau", 1, 8),
    ("anneeNaissance", 1900, 2099),
    ("moisNaissance", 1, 12),
    ("jourNaissance", 1, 31),
]
for name, low, high in RANGES:
    ok(f"{name}-{low}", set_text(name, str(low)))
    ok(f"{name}-{high}", set_text(name, str(high)))
    ko(f"{name}-{low - 1}", set_text(name, str(low - 1)))
    ko(f"{name}-{high + 1}", set_text(name, str(high + 1)))
    ko(f"{name}-decimal", set_text(name, f"{low}.0"))
    ko(f"{name}-texte", set_text(name, "abc"))
ok("anneeNaissance-signe-plus", set_text("anneeNaissance", "+1996"))
ok("anneeNaissance-espaces", set_text("anneeNaissance", " 1996 "))
ok("scoreGeneral-zeros-en-tete", set_text("scoreGeneral", "0890"))
ko("scoreGeneral-depasse-int", set_text("scoreGeneral", "99999999999"))

# nil: every nillable element, both spellings; content or a non-nillable element refused
NILLABLE = [
    ("dateFinValidite", SAMPLE, 1),
    ("scoring", SAMPLE, 0),
    ("mentionValidee", SAMPLE, 0),
    ("modaliteAcces", SAMPLE, 0),
    ("nomUsage", SAMPLE, 0),
    ("moisNaissance", SAMPLE, 0),
    ("jourNaissance", SAMPLE, 0),
    ("codePostal", WITH_POSTAL, 0),
]
for name, base, n in NILLABLE:
    ok(f"nil-{name}", set_nil(name, n, base=base))
    ok(f"nil-1-{name}", set_nil(name, n, "1", base=base))
    ko(f"nil-avec-contenu-{name}", set_nil(name, n, content="1", base=base))
    ko(f"nil-TRUE-{name}", set_nil(name, n, "TRUE", base=base))
ok("nil-false-avec-valeur", replace((b"<cpf:scoring>", b'<cpf:scoring xsi:nil="false">')))
ko("nil-false-sans-valeur", set_nil("scoring", value="false"))
ok(
    "nil-avec-espaces",
    replace((b'xsi:nil="true"></cpf:dateFinValidite>', b'xsi:nil=" true "></cpf:dateFinValidite>')),
)
for name in (
    "idFlux",
    "horodatage",
    "idContrat",
    "idTechnique",
    "obtentionCertification",
    "donneeCertifiee",
    "dateDebutValidite",
    "presenceNiveauLangueEuro",
    "niveauLangueEuropeen",
    "niveau",
    "nomNaissance",
    "prenom1",
    "anneeNaissance",
    "sexe",
    "codeInsee",
    "idDossier",
    "verbatim",
    "titulaire",
    "modalitesInscription",
    "niveauNumeriqueEuropeen",
):
    ko(f"nil-non-autorise-{name}", set_nil(name))

# structure
ok("resultats-vide", set_children("resultats"))
ok("resultat-vide", replace((b"<cpf:resultats>", b"<cpf:resultats><cpf:resultat/>")))
ok("niveauNumeriqueEuropeen-vide", set_children("niveauNumeriqueEuropeen"))
OPTIONAL = (
    "urlPreuve",
    "libelleOption",
    "dateDebutExamen",
    "dateFinExamen",
    "modalitePassageExamen",
    "codePostalCentreExamen",
    "niveauLangueEuropeen",
    "niveauNumeriqueEuropeen",
    "voieAccessVAE",
    "initiativeInscription",
    "dateInscription",
    "prenom2",
    "prenom3",
    "libelleCommuneNaissance",
    "libellePaysNaissance",
    "verbatim",
    "natureDeposant",
)


def _without_optional(root: etree._Element) -> None:
    for name in OPTIONAL:
        for el in list(root.iter(f"{{{NS}}}{name}")):
            el.getparent().remove(el)


ok("sans-champs-facultatifs", edit(_without_optional))
ok(
    "deux-certifications",
    replace(
        (
            b"</cpf:certification>",
            b"</cpf:certification>" + block("certification"),
        ),
    ),
)
ok("commentaire-et-instruction", replace((b"<cpf:emetteur>", b"<!-- x --><?pi y?><cpf:emetteur>")))
ok("CDATA", replace((b"<cpf:sexe>M<", b"<cpf:sexe><![CDATA[M]]><")))
ok("sans-declaration-xml", SAMPLE.split(b"\n", 1)[1])
ok("xsi-type-flux", replace((b"<cpf:flux ", b'<cpf:flux xsi:type="cpf:flux" ')))
ok("xsi-type-titulaire", replace((b"<cpf:titulaire>", b'<cpf:titulaire xsi:type="cpf:titulaire">')))
ok(
    "xsi-type-passage",
    replace(
        (
            b"<cpf:passageCertification>",
            b'<cpf:passageCertification xsi:type="cpf:passageCertification">',
        )
    ),
)
ok(
    "xsi-type-codeInsee",
    replace((b"<cpf:codeInseeNaissance>", b'<cpf:codeInseeNaissance xsi:type="cpf:codeInsee">')),
)
ok("xsi-type-genre", replace((b"<cpf:sexe>", b'<cpf:sexe xsi:type="cpf:genre">')))
ok(
    "xsi-type-xsd-boolean",
    replace(
        (
            b"<cpf:donneeCertifiee>",
            b'<cpf:donneeCertifiee xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            b'xsi:type="xs:boolean">',
        )
    ),
)
ko(
    "xsi-type-inconnu",
    replace((b"<cpf:idTechnique>", b'<cpf:idTechnique xsi:type="cpf:Texte255">')),
)
ko(
    "xsi-type-autre-type",
    replace((b"<cpf:codeInseeNaissance>", b'<cpf:codeInseeNaissance xsi:type="cpf:codePostal">')),
)
ko(
    "xsi-type-xsd-string",
    replace(
        (
            b"<cpf:sexe>",
            b'<cpf:sexe xmlns:xs="http://www.w3.org/2001/XMLSchema" xsi:type="xs:string">',
        )
    ),
)
ko(
    "racine-passage",
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    + block("passageCertification").replace(
        b"<cpf:passageCertification>",
        f'<cpf:passageCertification xmlns:cpf="{NS}" xmlns:xsi="{XSI}">'.encode(),
        1,
    ),
)
ko(
    "racine-inconnue",
    b'<?xml version="1.0" encoding="UTF-8"?>\n<cpf:rapport xmlns:cpf="' + NS.encode() + b'"/>\n',
)
ko(
    "sans-namespace",
    replace((b"xmlns:cpf=", b"xmlns:autre="), (b"<cpf:", b"<"), (b"</cpf:", b"</"), count=-1),
)
ko(
    "element-hors-namespace",
    replace((b"<cpf:verbatim>TOSA</cpf:verbatim>", b"<verbatim>TOSA</verbatim>")),
)
ko(
    "element-inconnu-passage",
    replace((b"<cpf:verbatim>", b"<cpf:nir>1960131555123</cpf:nir><cpf:verbatim>")),
)
ko(
    "action-revision-2026",
    replace((b"<cpf:emetteur>", b"<cpf:action>CREATION</cpf:action><cpf:emetteur>")),
)
ko(
    "element-en-double",
    replace(
        (
            b"<cpf:verbatim>TOSA</cpf:verbatim>",
            b"<cpf:verbatim>TOSA</cpf:verbatim><cpf:verbatim>TOSA</cpf:verbatim>",
        )
    ),
)
ko(
    "idFlux-en-double",
    replace((b"<cpf:horodatage>", b"<cpf:idFlux>x</cpf:idFlux><cpf:horodatage>")),
)
ko("attribut-inconnu-simple", replace((b"<cpf:sexe>", b'<cpf:sexe code="1">')))
ko("attribut-inconnu-complexe", replace((b"<cpf:titulaire>", b'<cpf:titulaire id="1">')))
ko("attribut-xml-lang", replace((b"<cpf:nomNaissance>", b'<cpf:nomNaissance xml:lang="fr">')))
ko("texte-dans-element-complexe", replace((b"<cpf:emetteur>", b"<cpf:emetteur>texte")))
ko("element-dans-element-simple", replace((b"<cpf:sexe>M<", b"<cpf:sexe><cpf:M/><")))
ko("passageCertifications-vide", set_children("passageCertifications"))
ko("certifications-vide", set_children("certifications"))
ko("certificateurs-vide", set_children("certificateurs"))
ko("identificationTitulaire-vide", set_children("identificationTitulaire"))
ko("codeCommuneNaissance-vide", set_children("codeCommuneNaissance"))
ko("codeInseeNaissance-vide", set_children("codeInseeNaissance"))
ko(
    "deux-titulaires",
    replace(
        (
            b"</cpf:titulaire>",
            b"</cpf:titulaire>" + block("titulaire"),
        )
    ),
)
ko(
    "codeInsee-sans-enveloppe",
    replace((b"<cpf:codeInseeNaissance>", b""), (b"</cpf:codeInseeNaissance>", b"")),
)
ko(
    "resultat-hors-resultats",
    replace((b"<cpf:scoreGeneral>890</cpf:scoreGeneral>", b"<cpf:resultat/>")),
)
for name in (
    "idFlux",
    "horodatage",
    "emetteur",
    "idContrat",
    "type",
    "code",
    "idTechnique",
    "obtentionCertification",
    "donneeCertifiee",
    "dateDebutValidite",
    "presenceNiveauLangueEuro",
    "presenceNiveauNumeriqueEuro",
    "scoring",
    "mentionValidee",
    "modaliteAcces",
    "modalitesInscription",
    "identificationTitulaire",
    "nomNaissance",
    "nomUsage",
    "prenom1",
    "anneeNaissance",
    "moisNaissance",
    "jourNaissance",
    "sexe",
    "codeCommuneNaissance",
    "idDossier",
    "nomTitulaire",
    "prenom1Titulaire",
):
    ko(f"obligatoire-absent-{name}", remove(name))

# the minimal valid passage of §3: every nillable element nil, flags false, no options
MINIMAL_PASSAGE = """<cpf:passageCertification>
                        <cpf:idTechnique>minimal-{n}</cpf:idTechnique>
                        <cpf:obtentionCertification>PAR_ADMISSION</cpf:obtentionCertification>
                        <cpf:donneeCertifiee>true</cpf:donneeCertifiee>
                        <cpf:dateDebutValidite>2020-12-12</cpf:dateDebutValidite>
                        <cpf:dateFinValidite xsi:nil="true"/>
                        <cpf:presenceNiveauLangueEuro>false</cpf:presenceNiveauLangueEuro>
                        <cpf:presenceNiveauNumeriqueEuro>false</cpf:presenceNiveauNumeriqueEuro>
                        <cpf:scoring xsi:nil="true"/>
                        <cpf:mentionValidee xsi:nil="true"/>
                        <cpf:modalitesInscription>
                           <cpf:modaliteAcces xsi:nil="true"/>
                        </cpf:modalitesInscription>
                        <cpf:identificationTitulaire>
                           <cpf:titulaire>
                              <cpf:nomNaissance>Dupont</cpf:nomNaissance>
                              <cpf:nomUsage xsi:nil="true"/>
                              <cpf:prenom1>Antoine</cpf:prenom1>
                              <cpf:anneeNaissance>1996</cpf:anneeNaissance>
                              <cpf:moisNaissance xsi:nil="true"/>
                              <cpf:jourNaissance xsi:nil="true"/>
                              <cpf:sexe>M</cpf:sexe>
                              <cpf:codeCommuneNaissance>
                                 <cpf:codePostalNaissance>
                                    <cpf:codePostal xsi:nil="true"/>
                                 </cpf:codePostalNaissance>
                              </cpf:codeCommuneNaissance>
                           </cpf:titulaire>
                        </cpf:identificationTitulaire>
                     </cpf:passageCertification>"""
PASSAGES = block("passageCertifications")
MINIMAL = replace(
    (
        PASSAGES,
        b"<cpf:passageCertifications>"
        + MINIMAL_PASSAGE.format(n=1).encode()
        + b"</cpf:passageCertifications>",
    ),
    (b"<cpf:natureDeposant>CERTIFICATEUR</cpf:natureDeposant>", b""),
)
ok("passage-minimal", MINIMAL)
ok(
    "passage-minimal-et-complets",
    replace(
        (
            b"</cpf:passageCertifications>",
            MINIMAL_PASSAGE.format(n=2).encode() + b"</cpf:passageCertifications>",
        )
    ),
)
for name in (
    "dateFinValidite",
    "scoring",
    "mentionValidee",
    "nomUsage",
    "moisNaissance",
    "jourNaissance",
    "codePostal",
):
    ko(f"passage-minimal-sans-{name}", remove(name, base=MINIMAL))
ko("passage-minimal-modalitesInscription-vide", remove("modaliteAcces", base=MINIMAL))
ko(
    "passage-minimal-codePostal-vide-sans-nil",
    replace((b'<cpf:codePostal xsi:nil="true"/>', b"<cpf:codePostal/>"), base=MINIMAL),
)


# ---------------------------------------------------------------------------------------
# Tests


@pytest.fixture(scope="module")
def cdc_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(CDC_XSD)))


def test_case_ids_are_unique_and_both_verdicts_are_represented():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert sum(c.valid for c in CASES) > 80
    assert sum(not c.valid for c in CASES) > 200


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_same_verdict_as_the_cdc_xsd(case: Case, cdc_schema: etree.XMLSchema, tmp_path: Path):
    """CDC XSD, our schema (whole tree), the streaming reader, the error listing and the
    streaming validator of large files (libxml2 without a tree) agree."""
    doc = etree.fromstring(case.data)
    cdc = cdc_schema.validate(doc)
    ours = flux_schema().validate(doc)
    path = tmp_path / "flux.xml"
    path.write_bytes(case.data)
    try:
        FluxReader(path).scan()
        streamed = True
    except SchemaInvalid:
        streamed = False
    listed = list_errors(path)
    treeless = schema_check._streaming_verdict(path)
    details = [e.message for e in cdc_schema.error_log] + [e.message for e in listed]
    assert (cdc, ours, streamed, not listed, treeless) == (case.valid,) * 5, details


XSD_NS = "http://www.w3.org/2001/XMLSchema"


def _types(path: Path) -> tuple[set[str], set[str]]:
    """(named types, named types some element is declared with) of a schema file."""
    root = etree.parse(str(path)).getroot()
    named = {
        t.get("name")
        for t in root
        if t.tag in (f"{{{XSD_NS}}}simpleType", f"{{{XSD_NS}}}complexType")
    }
    used = {
        el.get("type").split(":")[-1]
        for el in root.iter(f"{{{XSD_NS}}}element")
        if el.get("type") and el.get("type").split(":")[0] not in ("xs", "xsd")
    }
    return named, used


def test_a_file_can_name_the_same_types_in_xsi_type():
    """xsi:type may name any type an element is declared with, or one derived from it: ours
    must be the CDC's, by name; our other named types only serve as restriction bases."""
    cdc_named, cdc_used = _types(CDC_XSD)
    ours_named, ours_used = _types(SCHEMA_PATH)
    assert ours_used == cdc_used
    assert cdc_named == cdc_used
    assert ours_named - ours_used == {
        "Texte9",
        "Texte20",
        "Texte50",
        "Texte60",
        "Texte100",
        "Texte255",
        "Bcr",
        "Caractere",
        "Date",
        "Horodatage",
    }


def _case(id: str) -> bytes:
    return next(c.data for c in CASES if c.id == id)


# ---------------------------------------------------------------------------------------
# The French messages and their positions

ENUM_ACCES = (
    "FORMATION_INITIALE_HORS_APPRENTISSAGE, FORMATION_INITIALE_APPRENTISSAGE, "
    "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION, "
    "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION, VAE, EQUIVALENCE_DIPLOME_ETRANGER, "
    "CANDIDAT_LIBRE"
)
MESSAGES = {
    "ko-sexe-H": [
        (
            65,
            31,
            "cvc-enumeration-valid : La valeur 'H' de l'élément 'cpf:sexe' n'est pas autorisée. "
            "Valeurs possibles : M, F.",
        )
    ],
    "ko-namespace-1.0.1": [
        (2, 1, "cvc-elt.1.a : Déclaration de l'élément 'cpf:flux' introuvable.")
    ],
    "ko-idClient-emetteur-7": [
        (
            6,
            7,
            "cvc-length-valid : La valeur de l'élément 'cpf:idClient' compte 7 caractère(s) ; "
            "elle doit en compter exactement 8.",
        )
    ],
    "ko-nomNaissance-61": [
        (
            57,
            31,
            "cvc-maxLength-valid : La valeur de l'élément 'cpf:nomNaissance' compte 61 "
            "caractères ; le maximum est 60.",
        )
    ],
    "ko-horodatage-Z": [
        (
            4,
            4,
            "cvc-pattern-valid : La valeur '2020-12-18T14:24:12Z' de l'élément 'cpf:horodatage' "
            "n'a pas le format attendu.",
        )
    ],
    "ko-horodatage-+1:00": [
        (
            4,
            4,
            "cvc-datatype-valid.1.2.1 : '2020-12-18T14:24:12+1:00' n'est pas une valeur valide "
            "pour l'élément 'cpf:horodatage' ; la valeur attendue est une date-heure au format "
            "AAAA-MM-JJThh:mm:ss±hh:mm.",
        )
    ],
    "ko-date-2020-02-30": [
        (
            27,
            25,
            "cvc-datatype-valid.1.2.1 : '2020-02-30' n'est pas une valeur valide pour l'élément "
            "'cpf:dateDebutValidite' ; la valeur attendue est une date au format AAAA-MM-JJ.",
        )
    ],
    "ko-niveau--1": [
        (
            36,
            34,
            "cvc-minInclusive-valid : La valeur '-1' de l'élément 'cpf:niveau' est inférieure au "
            "minimum autorisé (1).",
        )
    ],
    "ko-anneeNaissance-texte": [
        (
            62,
            31,
            "cvc-datatype-valid.1.2.1 : 'abc' n'est pas une valeur valide pour l'élément "
            "'cpf:anneeNaissance' ; la valeur attendue est un nombre entier.",
        )
    ],
    "ko-dateFinValidite-absente": [
        (
            17,
            22,
            "cvc-complex-type.2.4.b : Le contenu de l'élément 'cpf:passageCertification' n'est "
            "pas complet. L'élément 'cpf:dateFinValidite' est attendu.",
        )
    ],
    "ko-titre-dico-4.4": [
        (
            15,
            19,
            "cvc-complex-type.2.4.a : Contenu non valide trouvé à partir de l'élément "
            "'cpf:titre'. L'un des éléments 'cpf:natureDeposant', 'cpf:passageCertifications' "
            "est attendu.",
        )
    ],
    "ko-deux-certificateurs": [
        (
            187,
            30,
            "cvc-complex-type.2.4.d : Contenu non valide trouvé à partir de l'élément "
            "'cpf:certificateur'. Aucun élément enfant n'est attendu à cet endroit.",
        )
    ],
    "ko-titulaire-et-dossierFormation": [
        (
            73,
            44,
            "cvc-complex-type.2.4.d : Contenu non valide trouvé à partir de l'élément "
            "'cpf:dossierFormation'. Aucun élément enfant n'est attendu à cet endroit.",
        )
    ],
    "ko-codeInsee-et-codePostal": [
        (
            69,
            59,
            "cvc-complex-type.2.4.d : Contenu non valide trouvé à partir de l'élément "
            "'cpf:codePostalNaissance'. Aucun élément enfant n'est attendu à cet endroit.",
        )
    ],
    "ko-nil-avec-contenu": [
        (
            47,
            25,
            "cvc-elt.3.2.1 : L'élément 'cpf:scoring' est marqué xsi:nil : il ne doit avoir "
            "aucun contenu.",
        )
    ],
    "ko-scoring-vide-sans-nil": [
        (
            47,
            25,
            "cvc-minLength-valid : La valeur de l'élément 'cpf:scoring' compte 0 caractère(s) ; "
            "le minimum est 1.",
        )
    ],
    "ko-nil-TRUE-scoring": [
        (
            47,
            25,
            "cvc-datatype-valid.1.2.1 : 'TRUE' n'est pas une valeur valide pour l'attribut "
            "'xsi:nil' de l'élément 'cpf:scoring' ; la valeur attendue est un booléen (true, "
            "false, 1 ou 0).",
        ),
        (
            47,
            25,
            "cvc-minLength-valid : La valeur de l'élément 'cpf:scoring' compte 0 caractère(s) ; "
            "le minimum est 1.",
        ),
    ],
    "ko-nil-non-autorise-sexe": [
        (65, 31, "cvc-elt.3.1 : L'élément 'cpf:sexe' ne peut pas être marqué xsi:nil."),
        (
            65,
            31,
            "cvc-enumeration-valid : La valeur '' de l'élément 'cpf:sexe' n'est pas autorisée. "
            "Valeurs possibles : M, F.",
        ),
    ],
    "ko-natureDeposant-TIERS_DE_CONFIANCE": [
        (
            15,
            19,
            "cvc-enumeration-valid : La valeur 'TIERS_DE_CONFIANCE' de l'élément "
            "'cpf:natureDeposant' n'est pas autorisée. Valeurs possibles : CERTIFICATEUR, "
            "TIERS_CONFIANCE.",
        )
    ],
    "ko-modaliteAcces-EQUIVALENCE_(DIPLOME_ETRANGER)": [
        (
            50,
            28,
            "cvc-enumeration-valid : La valeur 'EQUIVALENCE_(DIPLOME_ETRANGER)' de l'élément "
            f"'cpf:modaliteAcces' n'est pas autorisée. Valeurs possibles : {ENUM_ACCES}.",
        )
    ],
    "ko-obligatoire-absent-nomNaissance": [
        (
            56,
            28,
            "cvc-complex-type.2.4.b : Le contenu de l'élément 'cpf:titulaire' n'est pas "
            "complet. L'élément 'cpf:nomNaissance' est attendu.",
        )
    ],
    "ko-identificationTitulaire-vide": [
        (
            55,
            25,
            "cvc-complex-type.2.4.b : Le contenu de l'élément 'cpf:identificationTitulaire' "
            "n'est pas complet. L'un des éléments 'cpf:dossierFormation', 'cpf:titulaire' est "
            "attendu.",
        )
    ],
    "ko-xsi-type-inconnu": [
        (
            18,
            25,
            "cvc-elt.4.2 : Le type 'cpf:Texte255' indiqué par xsi:type pour l'élément "
            "'cpf:idTechnique' est introuvable.",
        )
    ],
    "ko-xsi-type-autre-type": [
        (
            67,
            34,
            "cvc-elt.4.3 : Le type 'cpf:codePostal' indiqué par xsi:type ne dérive pas du type "
            "de l'élément 'cpf:codeInseeNaissance'.",
        )
    ],
    "ko-attribut-inconnu-simple": [
        (
            65,
            31,
            "cvc-type.3.1.1 : L'élément 'cpf:sexe' est de type simple : l'attribut 'code' n'y est "
            "pas autorisé.",
        )
    ],
    "ko-attribut-inconnu-complexe": [
        (
            56,
            28,
            "cvc-complex-type.3.2.2 : L'attribut 'id' n'est pas autorisé sur l'élément "
            "'cpf:titulaire'.",
        )
    ],
    "ko-element-dans-element-simple": [
        (
            65,
            31,
            "cvc-type.3.1.2 : L'élément 'cpf:sexe' est de type simple : il ne peut pas contenir "
            "d'éléments.",
        ),
        (
            65,
            31,
            "cvc-enumeration-valid : La valeur '' de l'élément 'cpf:sexe' n'est pas autorisée. "
            "Valeurs possibles : M, F.",
        ),
    ],
    "ko-texte-dans-element-complexe": [
        (
            5,
            4,
            "cvc-complex-type.2.3 : L'élément 'cpf:emetteur' ne peut pas contenir de texte, "
            "seulement des éléments.",
        )
    ],
}


@pytest.mark.parametrize("id", list(MESSAGES))
def test_french_message_line_and_column(id: str, tmp_path: Path):
    path = tmp_path / "flux.xml"
    path.write_bytes(_case(id))
    assert [(e.line, e.column, e.message) for e in list_errors(path)] == MESSAGES[id]
    assert {e.type for e in list_errors(path)} == {"XSD"}


@pytest.mark.parametrize(
    ("prefix", "name"),
    [(b"", "sexe"), (b"c5:", "c5:sexe")],
    ids=["namespace-par-defaut", "autre-prefixe"],
)
def test_messages_name_elements_with_the_file_prefix(prefix: bytes, name: str, tmp_path: Path):
    data = replace(
        (b"xmlns:cpf=", b"xmlns" + (b":" + prefix[:-1] if prefix else b"") + b"="),
        (b"<cpf:", b"<" + prefix),
        (b"</cpf:", b"</" + prefix),
        count=-1,
        base=_case("ko-sexe-H"),
    )
    path = tmp_path / "flux.xml"
    path.write_bytes(data)
    assert [(e.line, e.column, e.message) for e in list_errors(path)] == [
        (
            65,
            31,
            f"cvc-enumeration-valid : La valeur 'H' de l'élément '{name}' n'est pas autorisée. "
            "Valeurs possibles : M, F.",
        )
    ]
    wrong_ns = data.replace(NS.encode(), b"urn:cdc:cpf:pc5:schema:1.0.1")
    path.write_bytes(wrong_ns)
    flux = f"{prefix.decode()}flux"
    assert [(e.line, e.column, e.message) for e in list_errors(path)] == [
        (2, 1, f"cvc-elt.1.a : Déclaration de l'élément '{flux}' introuvable.")
    ]


# ---------------------------------------------------------------------------------------
# At most 100 errors (accrochage.md §8.2), the first ones in document order

PASSAGE_LINES = SAMPLE.split(b"\n")[16:76]  # the first passage: lines 17 to 76
assert PASSAGE_LINES[0].strip() == b"<cpf:passageCertification>"
assert PASSAGE_LINES[-1].strip() == b"</cpf:passageCertification>"
LINES = SAMPLE.split(b"\n")
LAST_PASSAGE_LINE = max(i for i, line in enumerate(LINES) if b"</cpf:passageCertification>" in line)


def many_errors(passages: int, bad_horodatage: bool = True) -> bytes:
    """``passages`` copies of the first passage (60 lines each), each with two errors:
    anneeNaissance 1899 (line 62 + 60 k) and sexe H (line 65 + 60 k)."""
    passage = b"\n".join(PASSAGE_LINES)
    passage = passage.replace(b">1996<", b">1899<").replace(b"<cpf:sexe>M<", b"<cpf:sexe>H<")
    lines = LINES[:16] + [passage] * passages + LINES[LAST_PASSAGE_LINE + 1 :]
    data = b"\n".join(lines)
    if bad_horodatage:
        data = data.replace(b"14:24:12+01:00", b"14:24:12Z")
    return data


ANNEE = (
    "cvc-minInclusive-valid : La valeur '1899' de l'élément 'cpf:anneeNaissance' est "
    "inférieure au minimum autorisé (1900)."
)
SEXE = (
    "cvc-enumeration-valid : La valeur 'H' de l'élément 'cpf:sexe' n'est pas autorisée. "
    "Valeurs possibles : M, F."
)
HORODATAGE = (
    "cvc-pattern-valid : La valeur '2020-12-18T14:24:12Z' de l'élément 'cpf:horodatage' n'a "
    "pas le format attendu."
)


def expected_errors(passages: int, bad_horodatage: bool = True) -> list[tuple[int, int, str]]:
    out = [(4, 4, HORODATAGE)] if bad_horodatage else []
    for k in range(passages):
        out += [(62 + 60 * k, 31, ANNEE), (65 + 60 * k, 31, SEXE)]
    return out


@pytest.mark.parametrize(
    ("passages", "bad_horodatage", "expected"),
    [(50, False, 100), (49, True, 99), (50, True, 100), (60, True, 100)],
    ids=["100-erreurs", "99-erreurs", "101-erreurs", "121-erreurs"],
)
def test_error_listing_stops_at_100_in_document_order(
    passages: int, bad_horodatage: bool, expected: int, tmp_path: Path
):
    """The envelope's error (line 4), validated last, still comes first among the 100."""
    path = tmp_path / "flux.xml"
    path.write_bytes(many_errors(passages, bad_horodatage))
    errors = list_errors(path)
    assert len(errors) == expected
    assert [(e.line, e.column, e.message) for e in errors] == (
        expected_errors(passages, bad_horodatage)[:100]
    )


def test_a_well_formedness_error_after_100_schema_errors_is_still_reported(tmp_path: Path):
    path = tmp_path / "flux.xml"
    data = many_errors(60, bad_horodatage=False)
    path.write_bytes(data[: data.rindex(b"</cpf:passageCertifications>")])  # truncated
    errors = [(e.line, e.column, e.message) for e in list_errors(path)]
    assert len(errors) == 100
    assert errors[:99] == expected_errors(60, bad_horodatage=False)[:99]
    assert errors[99][2].startswith('Le type d\'élément "cpf:passageCertifications" doit se ')


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_deposit_with_more_than_100_errors_gets_an_accuse_of_exactly_100():
    receipt = services.receive(
        io.BytesIO(many_errors(60)), "erreurs.xml", Channel.CLI, None, enqueue=False
    )
    processing.process(receipt.deposit.pk)
    d = receipt.deposit
    d.refresh_from_db()
    assert d.status == DepositStatus.REJECTED
    report = read_report(services.report_bytes(d))
    assert len(report.errors) == 100
    assert report.errors == [
        FileError("XSD", m, line, col) for line, col, m in expected_errors(60)[:100]
    ]
    assert len(d.file_errors) == 100
