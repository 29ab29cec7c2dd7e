"""Synthetic data for the accrochage benchmark: an identity register and flux files whose
holders are in it.

Why not Faker calls: a million people through Faker's API take minutes; drawing from its
fr_FR word lists with a seeded ``random.Random`` is an order of magnitude faster and gives
the same files on every run (same seed → same register, same flux, comparable figures).

Why these people: the register has the homonymy that the word lists give (400 surnames,
about 220 first names), so level 1 of the funnel often finds several candidates and level 2
(day and month) decides — the costly path. Exact homonyms on every criterion (which would
end as "Plusieurs titulaires") are drawn again, so that every passage written here is known
in advance to be OK: the benchmark checks the OK count after processing.

Why these passages: every element the schema allows is written, with long-ish values, and
the values are those a careful certifier sends, so the file raises no KO and no warning (a
warning-free file is the common case; warnings would add rows that are not the subject).
Two consequences of "no warning": ``modaliteAcces`` is ``VAE`` (so that ``voieAccessVAE`` is
meaningful) and ``codePaysNaissance`` is written for people born abroad only (the CDC wants
no country code for people born in France).
"""

import calendar
import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

from faker.providers.lorem.fr_FR import Provider as LoremProvider
from faker.providers.person.fr_FR import Provider as PersonProvider

from passeport.certifiers.flux_builder import write_flux
from passeport.core.text import normalize_name
from passeport.identity.nir import control_key

LAST_NAMES = tuple(PersonProvider.last_names)
FIRST_NAMES = {
    "M": tuple(PersonProvider.first_names_male),
    "F": tuple(PersonProvider.first_names_female),
}
WORDS = tuple(w for w in LoremProvider.word_list if " " not in w)
CITY_SUFFIXES = ("-les-Bains", "-sur-Mer", "-la-Forêt", "-le-Château", "-en-Vallée", "")
# INSEE country codes (99xxx) and labels: the usual countries of birth abroad.
COUNTRIES = (
    ("99109", "Allemagne"),
    ("99127", "Italie"),
    ("99134", "Espagne"),
    ("99139", "Portugal"),
    ("99131", "Belgique"),
    ("99132", "Royaume-Uni"),
    ("99350", "Maroc"),
    ("99352", "Algérie"),
    ("99351", "Tunisie"),
    ("99341", "Sénégal"),
    ("99326", "Côte d'Ivoire"),
    ("99404", "États-Unis d'Amérique"),
)
DEPARTMENTS = tuple(f"{d:02d}" for d in range(1, 96) if d != 20) + ("2A", "2B")
FOREIGN_SHARE = 0.08
# DigComp areas and their number of competences (accrochage.md §4); a passage reports 8.
DIGCOMP = [
    (area, comp) for area, n in ((1, 3), (2, 6), (3, 4), (4, 4), (5, 4)) for comp in range(1, n + 1)
]


@dataclass(frozen=True, slots=True)
class Person:
    """One register entry, as the CSV row and the flux passage both need it."""

    nir: str
    birth_name: str
    usage_name: str
    first_name1: str
    first_name2: str
    first_name3: str
    sex: str
    year: int
    month: int
    day: int
    insee: str
    country: str
    commune: str
    country_label: str

    @property
    def complete(self) -> bool:
        """Has every optional civil-status value: such people make fully-filled passages."""
        return bool(self.usage_name and self.first_name2 and self.first_name3)


class _Names:
    """Normalised names, cached: the lists are small, normalising a million times is not."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        n = self._cache.get(value)
        if n is None:
            n = self._cache[value] = normalize_name(value)
        return n


def people(count: int, seed: int) -> Iterator[Person]:
    """Yield ``count`` distinct people: unique NIR, unique (level-1 key, month, day)."""
    rng = random.Random(seed)
    norm = _Names()
    identities: set[tuple] = set()
    nirs: set[str] = set()
    made = 0
    while made < count:
        sex = "M" if rng.random() < 0.5 else "F"
        firsts = FIRST_NAMES[sex]
        if rng.random() < 0.25:
            a, b = rng.sample(LAST_NAMES, 2)
            birth_name = f"{a}-{b}"
        else:
            birth_name = rng.choice(LAST_NAMES)
        first1, first2, first3 = rng.sample(firsts, 3)
        year = rng.randint(1950, 2006)
        month = rng.randint(1, 12)
        day = rng.randint(1, calendar.monthrange(year, month)[1])
        identity = (norm(birth_name), norm(first1), sex, year, month, day)
        if identity in identities:
            continue  # an exact homonym: the funnel could not tell them apart
        if rng.random() < FOREIGN_SHARE:
            insee, country_label = rng.choice(COUNTRIES)
            country, commune = insee[2:], rng.choice(LAST_NAMES) + "-Ville"
        else:
            insee = rng.choice(DEPARTMENTS) + f"{rng.randint(1, 899):03d}"
            country, country_label = "", "France"
            commune = f"{rng.choice(LAST_NAMES)}{rng.choice(CITY_SUFFIXES)}"
            if rng.random() < 0.3:
                commune = f"Saint-{rng.choice(FIRST_NAMES['M'])}-{commune}"
        order = rng.randint(1, 999)
        body = f"{1 if sex == 'M' else 2}{year % 100:02d}{month:02d}{insee}{order:03d}"
        if body in nirs:
            continue
        nirs.add(body)
        identities.add(identity)
        usage = rng.choice(LAST_NAMES) if rng.random() < 0.45 else ""
        made += 1
        yield Person(
            nir=f"{body}{control_key(body):02d}",
            birth_name=birth_name,
            usage_name=usage,
            first_name1=first1,
            first_name2=first2 if rng.random() < 0.85 else "",
            first_name3=first3 if rng.random() < 0.55 else "",
            sex=sex,
            year=year,
            month=month,
            day=day,
            insee=insee,
            country=country,
            commune=commune[:40],
            country_label=country_label,
        )


def write_register(path: Path, persons: list[Person], header: list[str]) -> None:
    """The CSV that ``register.import_register`` reads (``header`` is its ``HEADER``)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        for p in persons:
            out.writerow(
                (
                    p.nir,
                    p.birth_name,
                    p.usage_name,
                    p.first_name1,
                    p.first_name2,
                    p.first_name3,
                    p.sex,
                    p.year,
                    p.month,
                    p.day,
                    p.insee,
                    p.country,
                    "",
                )
            )


def _words(rng: random.Random, length: int) -> str:
    """French-looking text of about ``length`` characters (never more)."""
    parts: list[str] = []
    size = -1
    while True:
        w = rng.choice(WORDS)
        if size + 1 + len(w) > length:
            break
        parts.append(w)
        size += 1 + len(w)
    return " ".join(parts).capitalize()


def passage_row(p: Person, id_technique: str, code: str, rng: random.Random) -> dict:
    """A ``flux_builder.COLUMNS`` row for ``p`` with every optional element filled."""
    start = date(2024, 1, 8) + timedelta(days=rng.randint(0, 500))
    end = start + timedelta(days=rng.randint(0, 2))
    valid_from = end + timedelta(days=rng.randint(7, 40))
    score = rng.randint(1, 1000)
    token = f"{rng.getrandbits(128):032x}"
    return {
        "type": "RNCP",
        "code": code,
        "id_technique": id_technique,
        "obtention": rng.choice(("PAR_ADMISSION", "PAR_SCORING")),
        "donnee_certifiee": "true",
        "date_debut_validite": valid_from.isoformat(),
        "date_fin_validite": (valid_from + timedelta(days=3 * 365)).isoformat(),
        "nom_naissance": p.birth_name,
        "nom_usage": p.usage_name or p.birth_name,
        "prenom1": p.first_name1,
        "prenom2": p.first_name2,
        "prenom3": p.first_name3,
        "annee_naissance": str(p.year),
        "mois_naissance": f"{p.month:02d}",
        "jour_naissance": f"{p.day:02d}",
        "sexe": p.sex,
        "code_insee_naissance": p.insee,
        "code_pays_naissance": p.country,
        "libelle_commune_naissance": p.commune,
        "libelle_pays_naissance": p.country_label,
        "url_preuve": (
            "https://certificateur.example.fr/attestations/verification/"
            f"{id_technique}/{token}?format=pdf&langue=fr&jeton={rng.getrandbits(256):064x}"
        ),
        "libelle_option": _words(rng, 150),
        "date_debut_examen": start.isoformat(),
        "date_fin_examen": end.isoformat(),
        "modalite_examen": rng.choice(("A_DISTANCE", "EN_PRESENTIEL", "MIXTE")),
        "code_postal_centre_examen": f"{rng.randint(1000, 95999):05d}",
        "niveau_langue": rng.choice(("A1", "A2", "B1", "B2", "C1", "C2")),
        "score_numerique": str(score),
        "resultats_numeriques": " ".join(
            f"{area}.{comp}:{rng.randint(1, 8)}" for area, comp in sorted(rng.sample(DIGCOMP, 8))
        ),
        "scoring": f"{score} points sur 1000 (seuil 300) — " + _words(rng, 150),
        "mention": rng.choice(("SANS_MENTION", "MENTION_ASSEZ_BIEN", "MENTION_BIEN")),
        "modalite_acces": "VAE",
        "voie_acces_vae": rng.choice(("CONGES_VAE", "VAE_CLASSIQUE")),
        "initiative_inscription": rng.choice(("CERTIFIE", "OF", "POLE_EMPLOI", "EMPLOYEUR")),
        "date_inscription": (start - timedelta(days=rng.randint(20, 300))).isoformat(),
        "verbatim": _words(rng, 180),
    }


def write_bench_flux(
    out: BinaryIO,
    holders: list[Person],
    *,
    prefix: str,
    code: str,
    emetteur: str,
    certificateur: str,
    contrat: str,
    id_flux: str,
    seed: int,
) -> int:
    """Write one passage per holder (ids ``{prefix}-0000001``…); return the passage count."""
    rng = random.Random(seed)
    rows = (
        passage_row(p, f"{prefix}-{i:07d}-{rng.getrandbits(48):012x}", code, rng)
        for i, p in enumerate(holders, 1)
    )
    return write_flux(
        out,
        rows,
        emetteur=emetteur,
        certificateur=certificateur,
        contrat=contrat,
        id_flux=id_flux,
        nature="TIERS_CONFIANCE",
    )
