"""Writing a valid flux from tabular rows (``passeport generer-flux``, the demo, benchmarks).

One row = one passage; the columns are documented in ``docs/generer-flux.md``. Consecutive
rows with the same type and code form one ``certification`` block. Unknown values of
nillable elements are written ``xsi:nil="true"``; unknown optional ones are left out.
The output is streamed: a million rows take no more memory than ten.
"""

import uuid
from collections.abc import Iterable
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
) -> int:
    """Write the flux to ``out``; return the number of passages written."""
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
                        count = _certifications(xf, rows, nature)
    return count


def _checked(row: dict) -> dict:
    missing = [c for c in REQUIRED if not (row.get(c) or "").strip()]
    if missing:
        raise RowError("colonne(s) obligatoire(s) vide(s) : " + ", ".join(missing))
    return row


def _certifications(xf, rows: Iterable[dict], nature: str | None) -> int:
    count = 0
    blocks = groupby(map(_checked, rows), key=lambda r: (r["type"].strip(), r["code"].strip()))
    for (cert_type, code), group in blocks:
        with xf.element(f"{{{NS}}}certification"):
            _leaf(xf, "type", cert_type)
            _leaf(xf, "code", code)
            _leaf(xf, "natureDeposant", nature)
            with xf.element(f"{{{NS}}}passageCertifications"):
                for row in group:
                    _passage(xf, row)
                    count += 1
    if count == 0:
        raise RowError("aucune ligne : un flux doit contenir au moins un passage")
    return count


def _leaf(xf, name: str, value: str | None, nillable: bool = False) -> None:
    if value is None or value == "":
        if nillable:
            with xf.element(f"{{{NS}}}{name}", {XSI_NIL: "true"}):
                pass
        return
    with xf.element(f"{{{NS}}}{name}"):
        xf.write(str(value))


def _v(row: dict, key: str) -> str | None:
    value = (row.get(key) or "").strip()
    return value or None


def _passage(xf, row: dict) -> None:
    with xf.element(f"{{{NS}}}passageCertification"):
        _leaf(xf, "idTechnique", _v(row, "id_technique"))
        _leaf(xf, "urlPreuve", _v(row, "url_preuve"))
        _leaf(xf, "libelleOption", _v(row, "libelle_option"))
        _leaf(xf, "obtentionCertification", _v(row, "obtention"))
        _leaf(xf, "donneeCertifiee", _v(row, "donnee_certifiee"))
        _leaf(xf, "dateDebutExamen", _v(row, "date_debut_examen"))
        _leaf(xf, "dateFinExamen", _v(row, "date_fin_examen"))
        _leaf(xf, "modalitePassageExamen", _v(row, "modalite_examen"))
        _leaf(xf, "codePostalCentreExamen", _v(row, "code_postal_centre_examen"))
        _leaf(xf, "dateDebutValidite", _v(row, "date_debut_validite"))
        _leaf(xf, "dateFinValidite", _v(row, "date_fin_validite"), nillable=True)
        language = _v(row, "niveau_langue")
        _leaf(xf, "presenceNiveauLangueEuro", "true" if language else "false")
        _leaf(xf, "niveauLangueEuropeen", language)
        score, results = _v(row, "score_numerique"), _v(row, "resultats_numeriques")
        _leaf(xf, "presenceNiveauNumeriqueEuro", "true" if score or results else "false")
        if score or results:
            with xf.element(f"{{{NS}}}niveauNumeriqueEuropeen"):
                _leaf(xf, "scoreGeneral", score)
                if results:
                    with xf.element(f"{{{NS}}}resultats"):
                        for item in results.split():
                            area, competence, level = _digcomp_item(item)
                            with xf.element(f"{{{NS}}}resultat"):
                                _leaf(xf, "niveau", level)
                                _leaf(xf, "domaineCompetenceId", area)
                                _leaf(xf, "competenceId", competence)
        _leaf(xf, "scoring", _v(row, "scoring"), nillable=True)
        _leaf(xf, "mentionValidee", _v(row, "mention"), nillable=True)
        with xf.element(f"{{{NS}}}modalitesInscription"):
            _leaf(xf, "modaliteAcces", _v(row, "modalite_acces"), nillable=True)
            _leaf(xf, "voieAccessVAE", _v(row, "voie_acces_vae"))
            _leaf(xf, "initiativeInscription", _v(row, "initiative_inscription"))
            _leaf(xf, "dateInscription", _v(row, "date_inscription"))
        with xf.element(f"{{{NS}}}identificationTitulaire"):
            if _v(row, "id_dossier_cpf"):
                with xf.element(f"{{{NS}}}dossierFormation"):
                    _leaf(xf, "idDossier", _v(row, "id_dossier_cpf"))
                    _leaf(xf, "nomTitulaire", _v(row, "nom_titulaire_cpf"))
                    _leaf(xf, "prenom1Titulaire", _v(row, "prenom_titulaire_cpf"))
            else:
                _titulaire(xf, row)
        _leaf(xf, "verbatim", _v(row, "verbatim"))


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


def _titulaire(xf, row: dict) -> None:
    with xf.element(f"{{{NS}}}titulaire"):
        _leaf(xf, "nomNaissance", _v(row, "nom_naissance"))
        _leaf(xf, "nomUsage", _v(row, "nom_usage"), nillable=True)
        _leaf(xf, "prenom1", _v(row, "prenom1"))
        _leaf(xf, "prenom2", _v(row, "prenom2"))
        _leaf(xf, "prenom3", _v(row, "prenom3"))
        _leaf(xf, "anneeNaissance", _v(row, "annee_naissance"))
        _leaf(xf, "moisNaissance", _v(row, "mois_naissance"), nillable=True)
        _leaf(xf, "jourNaissance", _v(row, "jour_naissance"), nillable=True)
        _leaf(xf, "sexe", _v(row, "sexe"))
        with xf.element(f"{{{NS}}}codeCommuneNaissance"):
            if _v(row, "code_insee_naissance"):
                with xf.element(f"{{{NS}}}codeInseeNaissance"):
                    _leaf(xf, "codeInsee", _v(row, "code_insee_naissance"))
            else:
                with xf.element(f"{{{NS}}}codePostalNaissance"):
                    _leaf(xf, "codePostal", _v(row, "code_postal_naissance"), nillable=True)
        _leaf(xf, "libelleCommuneNaissance", _v(row, "libelle_commune_naissance"))
        _leaf(xf, "codePaysNaissance", _v(row, "code_pays_naissance"))
        _leaf(xf, "libellePaysNaissance", _v(row, "libelle_pays_naissance"))
