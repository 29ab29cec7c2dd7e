"""Synthetic identity registers as CSV (Faker fr_FR): never real people."""

import csv
import random
from pathlib import Path

from faker import Faker

from passeport.identity.register import HEADER
from tests.factories import synthetic_nir


def people(count: int, seed: int = 2026, with_cpf: bool = True) -> list[dict]:
    """``count`` register lines with distinct NIRs; every third person has two CPF files."""
    fake, rng = Faker("fr_FR"), random.Random(seed)
    fake.seed_instance(seed)
    lines, nirs = [], set()
    while len(lines) < count:
        sex = rng.choice("MF")
        year, month = rng.randint(1950, 2005), rng.randint(1, 12)
        nir = synthetic_nir(sex, year, month, rng)
        if nir[:13] in nirs:
            continue
        nirs.add(nir[:13])
        n = len(lines)
        abroad = n % 7 == 0
        lines.append(
            {
                "nir": nir,
                "nom_naissance": fake.last_name(),
                "nom_usage": fake.last_name() if n % 4 == 0 else "",
                "prenom1": fake.first_name_male() if sex == "M" else fake.first_name_female(),
                "prenom2": fake.first_name() if n % 2 == 0 else "",
                "prenom3": "",
                "sexe": sex,
                "annee_naissance": str(year),
                "mois_naissance": str(month),
                "jour_naissance": str(rng.randint(1, 28)),
                "code_insee_naissance": "99134" if abroad else f"{rng.randint(1, 95):02d}{n:03d}",
                "code_pays_naissance": "134" if abroad else "",
                "dossiers_cpf": (
                    f"{10_000_000_000 + 2 * n} {10_000_000_001 + 2 * n}"
                    if with_cpf and n % 3 == 0
                    else ""
                ),
            }
        )
    return lines


def write_register(path: Path, lines: list[dict | list[str]], header=HEADER) -> Path:
    """Write ``lines`` (dicts keyed by the header, or raw value lists) as a UTF-8 CSV."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for line in lines:
            writer.writerow(line if isinstance(line, list) else [line[h] for h in HEADER])
    return path
