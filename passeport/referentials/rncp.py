"""The RNCP/RS catalogue and its certifiers, from France compétences' open-data CSV export.

Files (``rncp_export_2024-01-17/``): ``export_fiches_CSV_Certificateurs_*.csv`` gives, per
fiche, the SIRET of each certifier (each value starts with a TAB: stripped);
the other files of the export name further fiches. Labels, when available, come from
``rncp_derived_2021-01/rncp_info.v1.4.csv`` (cp1252).
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from passeport.certifiers.models import Certification, RegisteredCertifier

EXPORT_DIR = "rncp_export_2024-01-17"
INFO_FILE = "rncp_derived_2021-01/rncp_info.v1.4.csv"


@dataclass
class CatalogueReport:
    certifications: int = 0
    certifiers: int = 0


def _csv(path: Path, encoding: str = "utf-8"):
    with open(path, encoding=encoding, newline="") as fh:
        yield from csv.DictReader(fh, delimiter=";")


def load(referentiels_dir: Path | str, only: set[str] | None = None) -> CatalogueReport:
    """Add the export's certifications and certifiers (idempotent).

    ``only`` restricts the load to some codes (tests load the few fiches they use).
    """
    root = Path(referentiels_dir)
    export = root / EXPORT_DIR
    if not export.is_dir():
        raise FileNotFoundError(f"Export RNCP introuvable : {export}")
    codes: set[str] = set()
    pairs: dict[tuple[str, str], str] = {}
    for path in sorted(export.glob("export_fiches_CSV_*.csv")):
        for row in _csv(path):
            for column in ("Numero_Fiche", "Ancienne_Certification", "Nouvelle_Certification"):
                value = (row.get(column) or "").strip()
                if value:
                    codes.add(value)
            if "Siret_Certificateur" in row:
                siret = (row["Siret_Certificateur"] or "").strip()
                if siret:
                    pairs[(row["Numero_Fiche"].strip(), siret)] = (
                        row.get("Nom_Certificateur") or ""
                    ).strip()
    if only is not None:
        codes &= only
        pairs = {k: v for k, v in pairs.items() if k[0] in only}
    labels = _labels(root / INFO_FILE)
    with transaction.atomic():
        existing = set(Certification.objects.values_list("code", flat=True))
        Certification.objects.bulk_create(
            [
                Certification(code=c, label=labels.get(c, "")[:500])
                for c in sorted(codes - existing)
            ],
            batch_size=5000,
        )
        known = set(RegisteredCertifier.objects.values_list("code", "siret"))
        RegisteredCertifier.objects.bulk_create(
            [
                RegisteredCertifier(code=code, siret=siret, name=name[:255])
                for (code, siret), name in sorted(pairs.items())
                if (code, siret) not in known
            ],
            batch_size=5000,
        )
    return CatalogueReport(certifications=len(codes), certifiers=len(pairs))


def _labels(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    text = path.read_bytes().decode("cp1252", errors="replace")
    out = {}
    for row in csv.DictReader(io.StringIO(text), delimiter=";"):
        code, label = (row.get("Numero_Fiche") or "").strip(), (row.get("Intitule") or "").strip()
        if code and label:
            out[code] = label.replace("''", "'")
    return out
