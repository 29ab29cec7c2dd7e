"""Identities as records describe them, before matching (no database needed)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PersonClaim:
    """Identity as a certifier sends it (``titulaire`` block)."""

    birth_name: str
    first_name1: str
    sex: str
    birth_year: int
    usage_name: str | None = None
    first_name2: str | None = None
    first_name3: str | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    birth_insee: str | None = None
    birth_country: str | None = None


@dataclass(frozen=True)
class CpfClaim:
    """Identity given by a CPF training file (``dossierFormation`` block)."""

    number: str
    name: str
    first_name: str
