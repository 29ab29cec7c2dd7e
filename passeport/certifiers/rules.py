"""Business rules of the accrochage (accrochage.md §6), as pure functions.

The messages are the CDC's where it has one, ours otherwise, written exactly as the format
description gives them. Rules that need the database (contracts, registers, holders) take
what they need as arguments, so ``passeport valider`` runs the others without one.
"""

import calendar
import re
import uuid

from passeport.certifiers.flux import CertificationHeader, FluxHeader, Passage
from passeport.identity.claims import PersonClaim

CODE_FORMAT = re.compile(r"^(RNCP|RS)[0-9]+$")


def unknown_contract(h: FluxHeader) -> str:
    return (
        f"Aucun contrat {h.contract_id} ne lie l'émetteur {h.emetteur_bcr} au certificateur "
        f"{h.certifier_bcr}"
    )


def not_the_depositor(h: FluxHeader, depositor_bcr: str) -> str:
    return (
        f"L'émetteur {h.emetteur_bcr} désigné par le fichier n'est pas l'organisation qui l'a "
        f"déposé ({depositor_bcr})"
    )


def flux_already_deposited(h: FluxHeader) -> str:
    return f"Le flux {h.id_flux} a déjà été déposé par l'émetteur {h.emetteur_bcr}"


def certification_ko(emetteur: str, p: Passage) -> str:
    return (
        f"Le statut de la certification avec le bcr émetteur {emetteur}, l'id technique "
        f"partenaire {p.id_technique} et l'index {p.cert_index} est KO"
    )


def _suffix(emetteur: str, p: Passage) -> str:
    return (
        f"pour le passage certification avec le bcr émetteur {emetteur} et l'id technique "
        f"partenaire {p.id_technique}"
    )


def duplicate(emetteur: str, p: Passage) -> str:
    return (
        f"Le passage certification avec le bcr émetteur {emetteur} et l'id technique "
        f"partenaire {p.id_technique} existe déjà en base"
    )


def certification_format_ok(cert: CertificationHeader) -> bool:
    """type ∈ {RNCP, RS} and code = type + digits."""
    cert_type = (cert.cert_type or "").strip()
    code = (cert.code or "").strip()
    m = CODE_FORMAT.match(code)
    return cert_type in ("RNCP", "RS") and m is not None and m.group(1) == cert_type


def passage_ko(emetteur: str, p: Passage) -> str | None:
    """Date and conditional rules, in the order of §6.4; the first that fails."""
    if p.valid_until is not None and p.valid_until < p.valid_from:
        return "La date de fin de validité est inférieure à date de début de validité " + _suffix(
            emetteur, p
        )
    if p.language_flag and not p.cefr_level:
        return (
            "Le niveau de langue européen est obligatoire lorsque presenceNiveauLangueEuro "
            "vaut true " + _suffix(emetteur, p)
        )
    if p.digital_flag and p.digcomp is None:
        return (
            "Le niveau numérique européen est obligatoire lorsque "
            "presenceNiveauNumeriqueEuro vaut true " + _suffix(emetteur, p)
        )
    if p.access_mode == "VAE" and not p.vae_route:
        return "La voie d'accès VAE est obligatoire lorsque modaliteAcces vaut VAE " + _suffix(
            emetteur, p
        )
    return None


def flux_warnings(h: FluxHeader, certs: list[CertificationHeader]) -> list[tuple[int, str]]:
    """Non-blocking remarks on the envelope: (line, message)."""
    out = []
    try:
        uuid.UUID(h.id_flux or "")
    except ValueError:
        out.append(
            (
                h.lines.get("idFlux", 0),
                f"L'idFlux « {h.id_flux} » n'est pas un UUID, comme le recommande le "
                "dictionnaire des données.",
            )
        )
    same = h.emetteur_bcr == h.certifier_bcr
    for c in certs:
        if c.nature == "CERTIFICATEUR" and not same:
            out.append(
                (
                    c.line,
                    f"natureDeposant vaut CERTIFICATEUR alors que l'émetteur "
                    f"{h.emetteur_bcr} n'est pas le certificateur {h.certifier_bcr} "
                    f"(certification {c.code}, index {c.index}).",
                )
            )
        elif c.nature == "TIERS_CONFIANCE" and same:
            out.append(
                (
                    c.line,
                    f"natureDeposant vaut TIERS_CONFIANCE alors que l'émetteur est le "
                    f"certificateur {h.certifier_bcr} (certification {c.code}, index "
                    f"{c.index}).",
                )
            )
    return out


def passage_warnings(p: Passage) -> list[str]:
    """Data ignored or doubtful, never a KO (accrochage.md §6.4, end)."""
    out = []
    who = f"(passage {p.id_technique})"
    if p.vae_route and p.access_mode != "VAE":
        out.append(
            f"voieAccessVAE ({p.vae_route}) est ignorée : modaliteAcces vaut "
            f"{p.access_mode or 'nil'} et non VAE {who}."
        )
    if p.cefr_level and not p.language_flag:
        out.append(f"niveauLangueEuropeen est ignoré : presenceNiveauLangueEuro vaut false {who}.")
    if p.digcomp is not None and not p.digital_flag:
        out.append(
            f"niveauNumeriqueEuropeen est ignoré : presenceNiveauNumeriqueEuro vaut false {who}."
        )
    if p.digcomp is not None and p.digital_flag and p.digcomp.get("scoreGeneral") is None:
        out.append(f"Le bloc niveauNumeriqueEuropeen n'a pas de scoreGeneral {who}.")
    if p.exam_start and p.exam_end and p.exam_end < p.exam_start:
        out.append(f"dateFinExamen ({p.exam_end}) précède dateDebutExamen ({p.exam_start}) {who}.")
    holder = p.holder
    if isinstance(holder, PersonClaim):
        insee = holder.birth_insee or ""
        country = holder.birth_country or ""
        if insee.startswith("99") and country and country != insee[2:]:
            out.append(
                f"codePaysNaissance ({country}) ne correspond pas au code INSEE du pays "
                f"de naissance ({insee}) {who}."
            )
        if country and insee and not insee.startswith("99"):
            out.append(
                f"codePaysNaissance ({country}) est renseigné pour une personne née en "
                f"France (code INSEE {insee}) {who}."
            )
        if insee.startswith("99") and not country:
            out.append(
                f"codePaysNaissance est absent pour une personne née à l'étranger "
                f"(code INSEE {insee}) {who}."
            )
        for label, value in (
            ("libelleCommuneNaissance", p.birth.commune_label),
            ("libellePaysNaissance", p.birth.country_label),
        ):
            if value and len(value) > 40:
                out.append(
                    f"{label} dépasse 40 caractères ({len(value)}), la limite du "
                    f"dictionnaire des données {who}."
                )
        if (
            holder.birth_month
            and holder.birth_day
            and not _possible_day(holder.birth_year, holder.birth_month, holder.birth_day)
        ):
            out.append(
                f"La date de naissance {holder.birth_day:02d}/{holder.birth_month:02d} "
                f"n'existe pas {who}."
            )
    return out


def _possible_day(year: int, month: int, day: int) -> bool:
    return day <= calendar.monthrange(year, month)[1]
