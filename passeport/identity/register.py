"""Import of the identity register from CSV (``passeport registre importer``).

The register stands in for the national one (SNGI): demo and tests feed it synthetic people.
Importing is idempotent (keyed on the NIR's HMAC) and batched: a million lines cost a few
thousand queries, not a million.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from passeport.core.csvfiles import batched, rows
from passeport.identity import nir as nirlib
from passeport.identity.models import CpfFile, Holder

HEADER = [
    "nir",
    "nom_naissance",
    "nom_usage",
    "prenom1",
    "prenom2",
    "prenom3",
    "sexe",
    "annee_naissance",
    "mois_naissance",
    "jour_naissance",
    "code_insee_naissance",
    "code_pays_naissance",
    "dossiers_cpf",
]

FIELDS = [
    "birth_name",
    "usage_name",
    "first_name1",
    "first_name2",
    "first_name3",
    "sex",
    "birth_year",
    "birth_month",
    "birth_day",
    "birth_insee",
    "birth_country",
]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


class LineError(ValueError):
    pass


def _int(value: str, label: str, low: int, high: int, required: bool) -> int | None:
    if not value:
        if required:
            raise LineError(f"{label} est obligatoire")
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise LineError(f"{label} doit être un nombre entre {low} et {high} (reçu « {value} »)")
    return int(value)


def parse_line(row: dict) -> tuple[str, dict, list[str]]:
    """Return (13-character NIR, holder fields, CPF file numbers) or raise LineError."""
    try:
        nir13 = nirlib.normalize(row["nir"])
    except nirlib.InvalidNir as exc:
        raise LineError(str(exc)) from exc
    for col, label in (("nom_naissance", "le nom de naissance"), ("prenom1", "le prénom 1")):
        if not row[col]:
            raise LineError(f"{label} est obligatoire")
    if row["sexe"] not in ("M", "F"):
        raise LineError(f"le sexe doit valoir M ou F (reçu « {row['sexe']} »)")
    insee, country = row["code_insee_naissance"].upper(), row["code_pays_naissance"]
    if insee and len(insee) != 5:
        raise LineError("le code INSEE de la commune de naissance doit compter 5 caractères")
    if country and (len(country) != 3 or not country.isdigit()):
        raise LineError("le code pays de naissance doit compter 3 chiffres")
    cpf = row["dossiers_cpf"].split()
    for number in cpf:
        if len(number) > 13:
            raise LineError(f"le numéro de dossier CPF « {number} » dépasse 13 caractères")
    values = {
        "birth_name": row["nom_naissance"],
        "usage_name": row["nom_usage"],
        "first_name1": row["prenom1"],
        "first_name2": row["prenom2"],
        "first_name3": row["prenom3"],
        "sex": row["sexe"],
        "birth_year": _int(row["annee_naissance"], "l'année de naissance", 1850, 2100, True),
        "birth_month": _int(row["mois_naissance"], "le mois de naissance", 1, 12, False),
        "birth_day": _int(row["jour_naissance"], "le jour de naissance", 1, 31, False),
        "birth_insee": insee,
        "birth_country": country,
    }
    return nir13, values, cpf


def import_register(path: Path | str, batch_size: int = 5000) -> ImportReport:
    report = ImportReport()
    for batch in batched(rows(path, HEADER), batch_size):
        parsed = []
        for line, row in batch:
            if "__error__" in row:
                report.errors.append((line, row["__error__"]))
                continue
            try:
                nir13, values, cpf = parse_line(row)
            except LineError as exc:
                report.errors.append((line, str(exc)))
                continue
            parsed.append((line, nirlib.lookup_hash(nir13), nir13, values, cpf))
        with transaction.atomic():
            _apply(parsed, report)
    return report


def _apply(parsed: list, report: ImportReport) -> None:
    hashes = [p[1] for p in parsed]
    existing = {h.nir_hash: h for h in Holder.objects.filter(nir_hash__in=hashes)}
    to_create, to_update, seen = [], [], set()
    for line, digest, nir13, values, _cpf in parsed:
        if digest in seen:
            report.errors.append((line, "ce NIR figure déjà plus haut dans le fichier"))
            continue
        seen.add(digest)
        holder = existing.get(digest)
        if holder is None:
            holder = Holder(nir_hash=digest, nir_encrypted=nirlib.encrypt(nir13, digest), **values)
            holder.refresh_normalized()
            to_create.append(holder)
            existing[digest] = holder
        elif any(getattr(holder, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(holder, k, v)
            holder.refresh_normalized()
            to_update.append(holder)
        else:
            report.unchanged += 1
    Holder.objects.bulk_create(to_create)
    if to_update:
        Holder.objects.bulk_update(
            to_update,
            [
                *FIELDS,
                "n_birth_name",
                "n_usage_name",
                "n_first_name1",
                "n_first_name2",
                "n_first_name3",
                "match_key",
            ],
        )
    report.created += len(to_create)
    report.updated += len(to_update)
    _attach_cpf_files(parsed, existing, report)


def _attach_cpf_files(parsed: list, holders: dict, report: ImportReport) -> None:
    wanted = {n: (line, holders[d]) for line, d, _, _, cpf in parsed if d in holders for n in cpf}
    if not wanted:
        return
    known = dict(CpfFile.objects.filter(number__in=wanted).values_list("number", "holder_id"))
    new = []
    for number, (line, holder) in wanted.items():
        owner = known.get(number)
        if owner is None:
            new.append(CpfFile(number=number, holder=holder))
        elif owner != holder.pk:
            report.errors.append(
                (line, f"le dossier CPF {number} est déjà rattaché à un autre titulaire")
            )
    CpfFile.objects.bulk_create(new)
