"""Import of the identity register from CSV (``passeport registre importer``).

The register stands in for the national one (SNGI): demo and tests feed it synthetic people.
Importing is idempotent (keyed on the NIR's HMAC) and batched: a million lines cost a few
thousand queries, not a million; new holders go in by ``COPY`` (``core.bulk``).
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from passeport.core.bulk import Copier
from passeport.core.csvfiles import batched, rows
from passeport.identity import nir as nirlib
from passeport.identity.models import ETAT_CIVIL, CpfFile, Holder

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


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


NAME_MAX = 100  # the register's columns (the flux allows 60)
_NAMES = (
    ("nom_naissance", "le nom de naissance"),
    ("nom_usage", "le nom d'usage"),
    ("prenom1", "le prénom 1"),
    ("prenom2", "le prénom 2"),
    ("prenom3", "le prénom 3"),
)


class LineError(ValueError):
    pass


def _int(value: str, label: str, low: int, high: int, required: bool) -> int | None:
    if not value:
        if required:
            raise LineError(f"{label} est obligatoire")
        return None
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
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
    for col, label in _NAMES:
        if len(row[col]) > NAME_MAX:
            raise LineError(f"{label} dépasse {NAME_MAX} caractères")
    if row["sexe"] not in ("M", "F"):
        raise LineError(f"le sexe doit valoir M ou F (reçu « {row['sexe']} »)")
    insee, country = row["code_insee_naissance"].upper(), row["code_pays_naissance"]
    if insee and len(insee) != 5:
        raise LineError("le code INSEE de la commune de naissance doit compter 5 caractères")
    if country and (len(country) != 3 or not (country.isascii() and country.isdigit())):
        raise LineError("le code pays de naissance doit compter 3 chiffres")
    cpf = list(dict.fromkeys(row["dossiers_cpf"].split()))
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
    started = timezone.now()
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
            _apply(parsed, report, started)
    report.errors.sort(key=lambda e: e[0])
    return report


def _apply(parsed: list, report: ImportReport, started) -> None:
    """Create or update the holders of one batch and attach their CPF files.

    A line is applied whole or reported and skipped whole: a NIR already seen higher up in
    the file, or a CPF file number that belongs to another holder (in the register or
    higher up in the file), leaves the register untouched for that line. A NIR seen in an
    earlier batch is recognised by its holder having been created or changed since the
    import ``started`` (memory stays flat whatever the file size); a line repeating an
    earlier one that changed nothing is then simply counted as unchanged.
    """
    hashes = [p[1] for p in parsed]
    existing = {h.nir_hash: h for h in Holder.objects.filter(nir_hash__in=hashes)}
    numbers = {n for p in parsed for n in p[4]}
    in_register = dict(
        CpfFile.objects.filter(number__in=numbers).values_list("number", "holder__nir_hash")
    )
    in_file: dict[str, str] = {}
    to_create, to_update, seen, new_files = [], [], set(), []
    now = timezone.now()
    for line, digest, nir13, values, cpf in parsed:
        holder = existing.get(digest)
        if digest in seen or (holder is not None and holder.updated_at >= started):
            report.errors.append((line, "ce NIR figure déjà plus haut dans le fichier"))
            continue
        error = _cpf_conflict(cpf, digest, in_register, in_file)
        if error:
            report.errors.append((line, error))
            continue
        seen.add(digest)
        if holder is None:
            holder = Holder(nir_hash=digest, nir_encrypted=nirlib.encrypt(nir13, digest), **values)
            holder.refresh_normalized()
            to_create.append(holder)
        elif any(getattr(holder, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(holder, k, v)
            holder.refresh_normalized()
            holder.updated_at = now  # bulk_update does not apply auto_now
            to_update.append(holder)
        elif any(n not in in_register for n in cpf):
            report.updated += 1  # same état civil, new CPF file(s)
        else:
            report.unchanged += 1
        for number in cpf:
            in_file[number] = digest
            if number not in in_register:
                new_files.append((number, holder))
    if to_update:
        Holder.objects.bulk_update(to_update, [*ETAT_CIVIL, *_NORMALIZED, "updated_at"])
    copier = Copier()
    copier.insert(Holder, _COLUMNS, [_row(h, now) for h in to_create])
    copier.start()
    copier.wait()
    report.created += len(to_create)
    report.updated += len(to_update)
    if new_files:
        fresh = [h.nir_hash for _, h in new_files if h.pk is None]
        ids = dict(Holder.objects.filter(nir_hash__in=fresh).values_list("nir_hash", "pk"))
        files = [(n, h.pk or ids[h.nir_hash]) for n, h in new_files]
        copier.insert(CpfFile, ("number", "holder_id"), files)
        copier.start()
        copier.wait()


_NORMALIZED = [
    "n_birth_name",
    "n_usage_name",
    "n_first_name1",
    "n_first_name2",
    "n_first_name3",
    "match_key",
]
_COLUMNS = ("nir_hash", "nir_encrypted", *ETAT_CIVIL, *_NORMALIZED, "created_at", "updated_at")


def _row(holder: Holder, now) -> tuple:
    """A new holder in ``_COLUMNS`` order (COPY fills no default: the dates are given)."""
    holder.created_at = holder.updated_at = now
    return tuple(getattr(holder, c) for c in _COLUMNS)


def _cpf_conflict(
    cpf: list[str], digest: str, in_register: dict[str, str], in_file: dict[str, str]
) -> str | None:
    for number in cpf:
        if in_register.get(number, digest) != digest:
            return f"le dossier CPF {number} est déjà rattaché à un autre titulaire"
        if in_file.get(number, digest) != digest:
            return (
                f"le dossier CPF {number} est déjà attribué à un autre titulaire "
                "plus haut dans le fichier"
            )
    return None
