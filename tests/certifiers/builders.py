"""Building flux files for tests with the production writer (``flux_builder``)."""

import io
import uuid

from passeport.certifiers import processing, services
from passeport.certifiers.flux_builder import write_flux
from passeport.certifiers.models import Channel, Deposit


def row_for(holder, id_technique: str, code: str = "RNCP19117", **overrides) -> dict:
    """A fully valid passage row for a register entry (a factories.HolderFactory)."""
    row = {
        "type": code.rstrip("0123456789") or "RNCP",
        "code": code,
        "id_technique": id_technique,
        "obtention": "PAR_ADMISSION",
        "donnee_certifiee": "true",
        "date_debut_validite": "2024-06-30",
        "date_fin_validite": "",
        "nom_naissance": holder.birth_name,
        "nom_usage": holder.usage_name,
        "prenom1": holder.first_name1,
        "annee_naissance": str(holder.birth_year),
        "mois_naissance": str(holder.birth_month or ""),
        "jour_naissance": str(holder.birth_day or ""),
        "sexe": holder.sex,
        "code_insee_naissance": holder.birth_insee,
        "modalite_acces": "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
    }
    row.update(overrides)
    return row


def flux_bytes(
    rows,
    *,
    emetteur="AB123CDE",
    certificateur="E564ACB0",
    contrat="2560080000127J",
    id_flux: str | None = None,
) -> bytes:
    out = io.BytesIO()
    write_flux(
        out,
        rows,
        emetteur=emetteur,
        certificateur=certificateur,
        contrat=contrat,
        id_flux=id_flux or str(uuid.uuid4()),
    )
    return out.getvalue()


def receive(data: bytes, org, name: str = "flux.xml") -> Deposit:
    return services.receive(io.BytesIO(data), name, Channel.CLI, org, enqueue=False).deposit


def deposit_and_process(data: bytes, org, name: str = "flux.xml") -> Deposit:
    deposit = receive(data, org, name)
    processing.process(deposit.pk)
    deposit.refresh_from_db()
    return deposit
