"""Synthetic organisations, people and passages for the demo (Faker ``fr_FR``), never real people.

Everything is drawn from one seed, so two runs produce the same people, NIRs and passages:
importing them again changes nothing, which is what makes the demo idempotent. Birth places
are real communes and countries (public geography, not personal data) so that each synthetic
NIR agrees with its état civil: department and commune, or 99 and the country, in positions
6 to 10, and a valid key.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from faker import Faker

from passeport.certifiers.flux_builder import COLUMNS
from passeport.identity import nir as nirlib
from passeport.identity.models import match_key

DEFAULT_SEED = 2025

# The certifier has the SIRET of the Éducation nationale in the RNCP export, so its
# habilitations are the real ones of the catalogue; the depositor is a tiers de confiance.
CERTIFIER = {
    "bcr": "DEMOCE01",
    "siret": "11004301500012",
    "raison_sociale": "Démo — Ministère de l'Éducation nationale",
    "roles": "certificateur",
}
DEPOSITOR = {
    "bcr": "DEMOTC01",
    "siret": "",
    "raison_sociale": "Démo — Certi'Confiance, tiers de confiance",
    "roles": "deposant",
}
CONTRACT_ID = "DEMO-CTR-0001"

# Fiches of that SIRET in the 2024-01-17 export, with a label: the first ones present are used.
PREFERRED_CODES = (
    "RNCP19117",  # Maintenance des véhicules
    "RNCP13856",  # Boulanger
    "RNCP12508",  # Cuisine
    "RNCP14695",  # Gestion-Administration
    "RNCP12281",  # Coiffure
    "RNCP12802",  # Commercialisation et services en restauration
)
OPTIONS = {
    "RNCP19117": ["Voitures particulières", "Véhicules de transport routier", "Motocycles"],
}

# (INSEE code, label): real communes; people born abroad get 99 + the INSEE country code.
COMMUNES = [
    ("75056", "Paris"), ("13055", "Marseille"), ("69123", "Lyon"), ("31555", "Toulouse"),
    ("06088", "Nice"), ("44109", "Nantes"), ("67482", "Strasbourg"), ("34172", "Montpellier"),
    ("33063", "Bordeaux"), ("59350", "Lille"), ("35238", "Rennes"), ("51454", "Reims"),
    ("76351", "Le Havre"), ("42218", "Saint-Étienne"), ("83137", "Toulon"),
    ("38185", "Grenoble"), ("21231", "Dijon"), ("49007", "Angers"), ("30189", "Nîmes"),
    ("63113", "Clermont-Ferrand"), ("87085", "Limoges"), ("37261", "Tours"),
    ("80021", "Amiens"), ("57463", "Metz"), ("25056", "Besançon"), ("29019", "Brest"),
    ("45234", "Orléans"), ("76540", "Rouen"), ("14118", "Caen"), ("86194", "Poitiers"),
    ("64445", "Pau"), ("66136", "Perpignan"), ("2A004", "Ajaccio"), ("2B033", "Bastia"),
]  # fmt: skip
COUNTRIES = [
    ("99350", "Maroc"), ("99352", "Algérie"), ("99351", "Tunisie"), ("99139", "Portugal"),
    ("99127", "Italie"), ("99134", "Espagne"), ("99131", "Belgique"), ("99341", "Sénégal"),
]  # fmt: skip
ABROAD_SHARE = 0.08
CPF_SHARE = 0.15

ACCESS = [
    ("FORMATION_INITIALE_HORS_APPRENTISSAGE", 35),
    ("FORMATION_INITIALE_APPRENTISSAGE", 25),
    ("FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION", 10),
    ("FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION", 10),
    ("VAE", 10),
    ("CANDIDAT_LIBRE", 7),
    ("EQUIVALENCE_DIPLOME_ETRANGER", 3),
]
INITIATIVES = ["CERTIFIE", "OF", "POLE_EMPLOI", "EMPLOYEUR", "AUTRE"]
EXAM_MODES = ["EN_PRESENTIEL", "EN_PRESENTIEL", "MIXTE", "A_DISTANCE"]
CEFR = ["A2", "B1", "B1", "B2", "C1"]

# The passages that are KO on purpose, with what the accusé de traitement will say.
KO_CASES = {
    "INCONNU": "personne absente du répertoire d'identité",
    "DOUBLON": "idTechnique déjà envoyé plus haut dans le même flux",
    "VAE": "accès par VAE sans voieAccessVAE",
    "DATES": "fin de validité antérieure au début",
}


@dataclass(frozen=True)
class Person:
    nir: str  # 15 characters, key included
    birth_name: str
    usage_name: str
    first_names: tuple[str, ...]
    sex: str
    birth: date
    insee: str
    place: str
    country: str  # the 3 digits of the INSEE country code for people born abroad, else ""
    country_label: str
    cpf: str  # a CPF file number, or ""

    @property
    def key(self) -> str:
        return match_key(self.birth_name, self.first_names[0], self.sex, self.birth.year)

    def register_row(self) -> dict[str, str]:
        """A line of the identity register CSV (``identity.register.HEADER``)."""
        names = [*self.first_names, "", ""][:3]
        return {
            "nir": self.nir,
            "nom_naissance": self.birth_name,
            "nom_usage": self.usage_name,
            "prenom1": names[0],
            "prenom2": names[1],
            "prenom3": names[2],
            "sexe": self.sex,
            "annee_naissance": str(self.birth.year),
            "mois_naissance": str(self.birth.month),
            "jour_naissance": str(self.birth.day),
            "code_insee_naissance": self.insee,
            "code_pays_naissance": self.country,
            "dossiers_cpf": self.cpf,
        }

    def flux_identity(self, by_cpf: bool) -> dict[str, str]:
        """The identification columns of a passage: the CPF file, or the full état civil."""
        if by_cpf:
            return {
                "id_dossier_cpf": self.cpf,
                "nom_titulaire_cpf": self.birth_name,
                "prenom_titulaire_cpf": self.first_names[0],
            }
        names = [*self.first_names, "", ""][:3]
        return {
            "nom_naissance": self.birth_name,
            "nom_usage": self.usage_name,
            "prenom1": names[0],
            "prenom2": names[1],
            "prenom3": names[2],
            "annee_naissance": str(self.birth.year),
            "mois_naissance": f"{self.birth.month:02d}",
            "jour_naissance": f"{self.birth.day:02d}",
            "sexe": self.sex,
            "code_insee_naissance": self.insee,
            "libelle_commune_naissance": self.place,
            "code_pays_naissance": self.country,
            "libelle_pays_naissance": self.country_label,
        }

    @property
    def cpf_usable(self) -> bool:
        """The CPF block caps the name at 30 characters and the first name at 20."""
        return bool(self.cpf) and len(self.birth_name) <= 30 and len(self.first_names[0]) <= 20


class PeopleGenerator:
    """Draws distinct people: no two share a NIR, a CPF file or a level-1 matching key, so
    that every passage of the demo matches exactly one holder."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.fake = Faker("fr_FR")
        self.fake.seed_instance(seed)
        self.keys: set[str] = set()
        self.nirs: set[str] = set()
        self.cpfs: set[str] = set()

    def person(self) -> Person:
        while True:
            candidate = self._draw()
            if candidate.key not in self.keys and candidate.nir[:13] not in self.nirs:
                break
        self.keys.add(candidate.key)
        self.nirs.add(candidate.nir[:13])
        self.cpfs.add(candidate.cpf)
        return candidate

    def _draw(self) -> Person:
        rng, fake = self.rng, self.fake
        sex = rng.choice("MF")
        first = fake.first_name_male if sex == "M" else fake.first_name_female
        first_names = tuple(first() for _ in range(rng.choices([1, 2, 3], [40, 45, 15])[0]))
        birth_name = fake.last_name()
        usage_name = fake.last_name() if sex == "F" and rng.random() < 0.3 else ""
        birth = date(rng.randint(1965, 2006), 1, 1) + timedelta(days=rng.randint(0, 364))
        if rng.random() < ABROAD_SHARE:
            insee, country_label = rng.choice(COUNTRIES)
            place, country = "", insee[2:]
        else:
            insee, place = rng.choice(COMMUNES)
            country, country_label = "", "France"
        body = (
            f"{1 if sex == 'M' else 2}{birth.year % 100:02d}{birth.month:02d}"
            f"{insee[:2]}{insee[2:]}{rng.randint(1, 999):03d}"
        )
        cpf = ""
        if rng.random() < CPF_SHARE:
            cpf = str(rng.randint(10**12, 10**13 - 1))
            cpf = "" if cpf in self.cpfs else cpf
        return Person(
            nir=f"{body}{nirlib.control_key(body):02d}",
            birth_name=birth_name,
            usage_name=usage_name,
            first_names=first_names,
            sex=sex,
            birth=birth,
            insee=insee,
            place=place,
            country=country,
            country_label=country_label,
            cpf=cpf,
        )


def people(count: int, seed: int = DEFAULT_SEED) -> list[Person]:
    """``count`` distinct people; the first ones are the same whatever ``count``."""
    generator = PeopleGenerator(seed)
    return [generator.person() for _ in range(count)]


def cert_type(code: str) -> str:
    return "RNCP" if code.startswith("RNCP") else "RS"


def passage(
    rng: random.Random,
    fake: Faker,
    person: Person,
    code: str,
    id_technique: str,
) -> dict[str, str]:
    """One passage with every field a certifier may fill, consistent with itself."""
    award_year = rng.randint(max(person.birth.year + 17, 2005), 2025)
    award = date(award_year, 6, 20) + timedelta(days=rng.randint(0, 25))
    exam_end = award - timedelta(days=rng.randint(7, 21))
    exam_start = exam_end - timedelta(days=rng.randint(0, 6))
    registered = exam_start - timedelta(days=rng.randint(60, 300))
    average = rng.uniform(10, 19)
    access = rng.choices([a for a, _ in ACCESS], [w for _, w in ACCESS])[0]
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        type=cert_type(code),
        code=code,
        id_technique=id_technique,
        obtention="PAR_ADMISSION",
        donnee_certifiee="true",
        date_debut_validite=award.isoformat(),
        date_fin_validite=(
            date(award.year + 5, award.month, award.day).isoformat() if rng.random() < 0.2 else ""
        ),
        url_preuve=f"https://certificateur.example/preuves/{id_technique}",
        libelle_option=rng.choice(OPTIONS[code]) if code in OPTIONS else "",
        date_debut_examen=exam_start.isoformat(),
        date_fin_examen=exam_end.isoformat(),
        modalite_examen=rng.choice(EXAM_MODES),
        code_postal_centre_examen=fake.postcode(),
        scoring=f"Moyenne générale {average:.2f}/20".replace(".", ","),
        mention=_mention(average),
        modalite_acces=access,
        voie_acces_vae=rng.choice(["CONGES_VAE", "VAE_CLASSIQUE"]) if access == "VAE" else "",
        initiative_inscription=rng.choice(INITIATIVES),
        date_inscription=registered.isoformat(),
        verbatim=f"Session {award.year}",
    )
    if rng.random() < 0.25:
        row["niveau_langue"] = rng.choice(CEFR)
    if rng.random() < 0.15:
        row["score_numerique"] = str(rng.randint(200, 900))
        row["resultats_numeriques"] = " ".join(
            f"{area}.{rng.randint(1, top)}:{rng.randint(2, 6)}"
            for area, top in ((1, 3), (2, 6), (3, 4))
        )
    row.update(person.flux_identity(by_cpf=person.cpf_usable and rng.random() < 0.5))
    return row


def _mention(average: float) -> str:
    for floor, mention in (
        (18, "MENTION_TRES_BIEN_AVEC_FELICITATIONS_DU_JURY"),
        (16, "MENTION_TRES_BIEN"),
        (14, "MENTION_BIEN"),
        (12, "MENTION_ASSEZ_BIEN"),
    ):
        if average >= floor:
            return mention
    return "SANS_MENTION"


@dataclass
class DemoFlux:
    rows: list[dict[str, str]]  # in file order: consecutive rows of one code form one block
    ok: int
    ko: int
    example: Person  # a holder who gets an item, for the CLI examples


def good_passages(
    rng: random.Random,
    fake: Faker,
    register: Sequence[Person],
    codes: Sequence[str],
    count: int,
    prefix: str,
) -> list[tuple[dict[str, str], Person]]:
    """``count`` passages of people of the register (each person once while there are enough)."""
    chosen = rng.sample(list(register), min(count, len(register)))
    chosen += rng.choices(list(register), k=count - len(chosen))
    return [
        (passage(rng, fake, person, rng.choice(codes), f"{prefix}-{i:05d}"), person)
        for i, person in enumerate(chosen, start=1)
    ]


def demo_flux(
    register: Sequence[Person],
    codes: Sequence[str],
    count: int,
    seed: int,
    prefix: str,
    stranger: Person,
) -> DemoFlux:
    """``count`` good passages plus one KO passage of each kind in ``KO_CASES``.

    ``stranger`` must not be in the register.
    """
    rng = random.Random(f"{seed}/flux")
    fake = Faker("fr_FR")
    fake.seed_instance(seed + 1)
    good = good_passages(rng, fake, register, codes, count, prefix)
    rows = [row for row, _ in good]
    rows.insert(1, dict(rows[0]))  # DOUBLON: the same passage sent twice
    vae = passage(rng, fake, rng.choice(register), rng.choice(codes), f"{prefix}-KO-VAE")
    vae.update(modalite_acces="VAE", voie_acces_vae="")
    dates = passage(rng, fake, rng.choice(register), rng.choice(codes), f"{prefix}-KO-DATES")
    start = date.fromisoformat(dates["date_debut_validite"])
    dates["date_fin_validite"] = (start - timedelta(days=365)).isoformat()
    unknown = passage(rng, fake, stranger, rng.choice(codes), f"{prefix}-KO-INCONNU")
    rows += [vae, dates, unknown]
    # One certification block per code; a stable sort keeps the duplicate after its original.
    rows.sort(key=lambda r: codes.index(r["code"]))
    return DemoFlux(rows=rows, ok=count, ko=len(KO_CASES), example=good[0][1])
