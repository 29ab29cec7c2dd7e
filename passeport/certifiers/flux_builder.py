"""Writing a valid flux from tabular rows (``passeport generer-flux``, the demo, benchmarks).

One row = one passage; the columns are documented in ``docs/generer-flux.md``. Consecutive
rows with the same type and code form one ``certification`` block. Unknown values of
nillable elements are written ``xsi:nil="true"``; unknown optional ones are left out.
The output is streamed: a million rows take no more memory than ten.
"""

import re
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime
from itertools import groupby
from typing import BinaryIO
from zoneinfo import ZoneInfo

from lxml import etree

from passeport.certifiers.flux import NS, XSI_NIL

XSI = "http://www.w3.org/2001/XMLSchema-instance"
PARIS = ZoneInfo("Europe/Paris")

COLUMNS = [
    "type", "code", "id_technique", "obtention", "donnee_certifiee",
    "date_debut_validite", "date_fin_validite",
    "nom_naissance", "nom_usage", "prenom1", "prenom2", "prenom3",
    "annee_naissance", "mois_naissance", "jour_naissance", "sexe",
    "code_insee_naissance", "code_postal_naissance", "code_pays_naissance",
    "libelle_commune_naissance", "libelle_pays_naissance",
    "id_dossier_cpf", "nom_titulaire_cpf", "prenom_titulaire_cpf",
    "url_preuve", "libelle_option", "date_debut_examen", "date_fin_examen",
    "modalite_examen", "code_postal_centre_examen", "niveau_langue",
    "score_numerique", "resultats_numeriques", "scoring", "mention",
    "modalite_acces", "voie_acces_vae", "initiative_inscription", "date_inscription",
    "verbatim",
]  # fmt: skip

REQUIRED = ["type", "code", "id_technique", "obtention", "donnee_certifiee", "date_debut_validite"]
REQUIRED_TITULAIRE = ["nom_naissance", "prenom1", "annee_naissance", "sexe"]
REQUIRED_DOSSIER = ["nom_titulaire_cpf", "prenom_titulaire_cpf"]

# Which column an element of a passage comes from (to name it in error messages).
ELEMENT_COLUMNS = {
    "idTechnique": "id_technique",
    "urlPreuve": "url_preuve",
    "libelleOption": "libelle_option",
    "obtentionCertification": "obtention",
    "donneeCertifiee": "donnee_certifiee",
    "dateDebutExamen": "date_debut_examen",
    "dateFinExamen": "date_fin_examen",
    "modalitePassageExamen": "modalite_examen",
    "codePostalCentreExamen": "code_postal_centre_examen",
    "dateDebutValidite": "date_debut_validite",
    "dateFinValidite": "date_fin_validite",
    "niveauLangueEuropeen": "niveau_langue",
    "scoreGeneral": "score_numerique",
    "niveau": "resultats_numeriques",
    "domaineCompetenceId": "resultats_numeriques",
    "competenceId": "resultats_numeriques",
    "scoring": "scoring",
    "mentionValidee": "mention",
    "modaliteAcces": "modalite_acces",
    "voieAccessVAE": "voie_acces_vae",
    "initiativeInscription": "initiative_inscription",
    "dateInscription": "date_inscription",
    "idDossier": "id_dossier_cpf",
    "nomTitulaire": "nom_titulaire_cpf",
    "prenom1Titulaire": "prenom_titulaire_cpf",
    "nomNaissance": "nom_naissance",
    "nomUsage": "nom_usage",
    "prenom1": "prenom1",
    "prenom2": "prenom2",
    "prenom3": "prenom3",
    "anneeNaissance": "annee_naissance",
    "moisNaissance": "mois_naissance",
    "jourNaissance": "jour_naissance",
    "sexe": "sexe",
    "codeInsee": "code_insee_naissance",
    "codePostal": "code_postal_naissance",
    "libelleCommuneNaissance": "libelle_commune_naissance",
    "codePaysNaissance": "code_pays_naissance",
    "libellePaysNaissance": "libelle_pays_naissance",
    "verbatim": "verbatim",
}


def horodatage(now: datetime | None = None) -> str:
    """Paris local time with its real offset, e.g. ``2026-11-22T10:54:37+01:00``."""
    return (now or datetime.now(PARIS)).astimezone(PARIS).isoformat(timespec="seconds")


class RowError(ValueError):
    pass


def write_flux(
    out: BinaryIO,
    rows: Iterable[dict],
    *,
    emetteur: str,
    certificateur: str,
    contrat: str,
    id_flux: str | None = None,
    when: datetime | None = None,
    nature: str | None = None,
    validate: bool = False,
) -> int:
    """Write the flux to ``out``; return the number of passages written.

    With ``validate``, each passage is checked against the schema before it is written and
    a bad value raises ``RowError`` naming its column (``generer-flux`` does this); without,
    values are written as given (tests use that to build invalid files on purpose).
    """
    count = 0
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{NS}}}flux", nsmap={"cpf": NS, "xsi": XSI}):
            _leaf(xf, "idFlux", id_flux or str(uuid.uuid4()))
            _leaf(xf, "horodatage", horodatage(when))
            with xf.element(f"{{{NS}}}emetteur"):
                _leaf(xf, "idClient", emetteur)
                with xf.element(f"{{{NS}}}certificateurs"), xf.element(f"{{{NS}}}certificateur"):
                    _leaf(xf, "idClient", certificateur)
                    _leaf(xf, "idContrat", contrat)
                    with xf.element(f"{{{NS}}}certifications"):
                        count = _certifications(xf, rows, nature, validate)
    return count


def _checked(row: dict) -> dict:
    required = REQUIRED + (REQUIRED_DOSSIER if _v(row, "id_dossier_cpf") else REQUIRED_TITULAIRE)
    missing = [c for c in required if not (row.get(c) or "").strip()]
    if missing:
        raise RowError("colonne(s) obligatoire(s) vide(s) : " + ", ".join(missing))
    return row


def _certifications(xf, rows: Iterable[dict], nature: str | None, validate: bool) -> int:
    count = 0
    out = _Stream(xf)
    blocks = groupby(map(_checked, rows), key=lambda r: (r["type"].strip(), r["code"].strip()))
    for (cert_type, code), group in blocks:
        if validate:
            _check_certification(cert_type, code)
        with xf.element(f"{{{NS}}}certification"):
            _leaf(xf, "type", cert_type)
            _leaf(xf, "code", code)
            _leaf(xf, "natureDeposant", nature)
            with xf.element(f"{{{NS}}}passageCertifications"):
                for row in group:
                    if validate:
                        tree = _Tree()
                        _passage(tree, row)
                        _check_passage(tree.root)
                    _passage(out, row)
                    count += 1
    if count == 0:
        raise RowError("aucune ligne : un flux doit contenir au moins un passage")
    return count


def _check_certification(cert_type: str, code: str) -> None:
    if len(cert_type) > 255:
        raise RowError("colonne type : 255 caractères au plus")
    if len(code) > 100:
        raise RowError("colonne code : 100 caractères au plus")


_LOCAL = re.compile(r"^Element '(?:\{[^}]*\})?([\w.-]+)'")


def _check_passage(passage: etree._Element) -> None:
    from passeport.certifiers.schema import passage_schema, translate

    schema = passage_schema()
    if schema.validate(passage):
        return
    messages = []
    for entry in schema.error_log:
        local = _LOCAL.match(entry.message)
        column = ELEMENT_COLUMNS.get(local.group(1)) if local else None
        text = translate(entry, "cpf")
        messages.append(f"colonne {column} : {text}" if column else text)
    raise RowError(" ; ".join(messages))


def _leaf(xf, name: str, value: str | None) -> None:
    if value is None or value == "":
        return
    with xf.element(f"{{{NS}}}{name}"):
        xf.write(str(value))


class _Stream:
    """Writes a passage straight to the output (the fast path)."""

    def __init__(self, xf):
        self.xf = xf

    def node(self, name: str):
        return self.xf.element(f"{{{NS}}}{name}")

    def leaf(self, name: str, value: str | None, nillable: bool = False) -> None:
        if value:
            with self.xf.element(f"{{{NS}}}{name}"):
                self.xf.write(value)
        elif nillable:
            with self.xf.element(f"{{{NS}}}{name}", {XSI_NIL: "true"}):
                pass


class _Tree:
    """Builds the same passage in memory, to validate it before it is streamed."""

    def __init__(self):
        self.root: etree._Element | None = None
        self.stack: list[etree._Element] = []

    @contextmanager
    def node(self, name: str):
        tag = f"{{{NS}}}{name}"
        if self.stack:
            el = etree.SubElement(self.stack[-1], tag)
        else:
            el = self.root = etree.Element(tag, nsmap={"cpf": NS, "xsi": XSI})
        self.stack.append(el)
        try:
            yield el
        finally:
            self.stack.pop()

    def leaf(self, name: str, value: str | None, nillable: bool = False) -> None:
        if value:
            etree.SubElement(self.stack[-1], f"{{{NS}}}{name}").text = value
        elif nillable:
            etree.SubElement(self.stack[-1], f"{{{NS}}}{name}", {XSI_NIL: "true"})


def _v(row: dict, key: str) -> str | None:
    value = (row.get(key) or "").strip()
    return value or None


def _passage(w: _Stream | _Tree, row: dict) -> None:
    with w.node("passageCertification"):
        w.leaf("idTechnique", _v(row, "id_technique"))
        w.leaf("urlPreuve", _v(row, "url_preuve"))
        w.leaf("libelleOption", _v(row, "libelle_option"))
        w.leaf("obtentionCertification", _v(row, "obtention"))
        w.leaf("donneeCertifiee", _v(row, "donnee_certifiee"))
        w.leaf("dateDebutExamen", _v(row, "date_debut_examen"))
        w.leaf("dateFinExamen", _v(row, "date_fin_examen"))
        w.leaf("modalitePassageExamen", _v(row, "modalite_examen"))
        w.leaf("codePostalCentreExamen", _v(row, "code_postal_centre_examen"))
        w.leaf("dateDebutValidite", _v(row, "date_debut_validite"))
        w.leaf("dateFinValidite", _v(row, "date_fin_validite"), nillable=True)
        language = _v(row, "niveau_langue")
        w.leaf("presenceNiveauLangueEuro", "true" if language else "false")
        w.leaf("niveauLangueEuropeen", language)
        score, results = _v(row, "score_numerique"), _v(row, "resultats_numeriques")
        w.leaf("presenceNiveauNumeriqueEuro", "true" if score or results else "false")
        if score or results:
            with w.node("niveauNumeriqueEuropeen"):
                w.leaf("scoreGeneral", score)
                if results:
                    with w.node("resultats"):
                        for item in results.split():
                            area, competence, level = _digcomp_item(item)
                            with w.node("resultat"):
                                w.leaf("niveau", level)
                                w.leaf("domaineCompetenceId", area)
                                w.leaf("competenceId", competence)
        w.leaf("scoring", _v(row, "scoring"), nillable=True)
        w.leaf("mentionValidee", _v(row, "mention"), nillable=True)
        with w.node("modalitesInscription"):
            w.leaf("modaliteAcces", _v(row, "modalite_acces"), nillable=True)
            w.leaf("voieAccessVAE", _v(row, "voie_acces_vae"))
            w.leaf("initiativeInscription", _v(row, "initiative_inscription"))
            w.leaf("dateInscription", _v(row, "date_inscription"))
        with w.node("identificationTitulaire"):
            if _v(row, "id_dossier_cpf"):
                with w.node("dossierFormation"):
                    w.leaf("idDossier", _v(row, "id_dossier_cpf"))
                    w.leaf("nomTitulaire", _v(row, "nom_titulaire_cpf"))
                    w.leaf("prenom1Titulaire", _v(row, "prenom_titulaire_cpf"))
            else:
                _titulaire(w, row)
        w.leaf("verbatim", _v(row, "verbatim"))


def _digcomp_item(item: str) -> tuple[str, str, str]:
    """``3.4:5`` → area 3, competence 4, level 5."""
    try:
        ref, level = item.split(":")
        area, competence = ref.split(".")
    except ValueError as exc:
        raise RowError(
            f"résultat numérique « {item} » mal formé : attendu domaine.competence:niveau"
        ) from exc
    return area, competence, level


def _titulaire(w: _Stream | _Tree, row: dict) -> None:
    with w.node("titulaire"):
        w.leaf("nomNaissance", _v(row, "nom_naissance"))
        w.leaf("nomUsage", _v(row, "nom_usage"), nillable=True)
        w.leaf("prenom1", _v(row, "prenom1"))
        w.leaf("prenom2", _v(row, "prenom2"))
        w.leaf("prenom3", _v(row, "prenom3"))
        w.leaf("anneeNaissance", _v(row, "annee_naissance"))
        w.leaf("moisNaissance", _v(row, "mois_naissance"), nillable=True)
        w.leaf("jourNaissance", _v(row, "jour_naissance"), nillable=True)
        w.leaf("sexe", _v(row, "sexe"))
        with w.node("codeCommuneNaissance"):
            if _v(row, "code_insee_naissance"):
                with w.node("codeInseeNaissance"):
                    w.leaf("codeInsee", _v(row, "code_insee_naissance"))
            else:
                with w.node("codePostalNaissance"):
                    w.leaf("codePostal", _v(row, "code_postal_naissance"), nillable=True)
        w.leaf("libelleCommuneNaissance", _v(row, "libelle_commune_naissance"))
        w.leaf("codePaysNaissance", _v(row, "code_pays_naissance"))
        w.leaf("libellePaysNaissance", _v(row, "libelle_pays_naissance"))
