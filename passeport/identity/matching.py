"""The matching funnel ("NIRisation"): which register entry is the holder of a record?

Three levels, as the CDC runs them (accrochage.md §7): level 1 on birth name, first name,
sex and birth year; level 2 adds day and month of birth; level 3 the birth place and the
other names. Unknown values (nil in the file, empty in the register) match anything.
A batch of claims costs two indexed ``IN`` queries, whatever the size of the register.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from passeport.core.text import normalize_name
from passeport.identity.claims import CpfClaim, PersonClaim
from passeport.identity.models import CpfFile, Holder, match_key

NONE_LEVEL1 = "Aucun titulaire ne correspond aux critères obligatoires"
NONE_LEVEL2 = (
    "Aucun titulaire ne correspond aux critères obligatoires enrichis du jour et du mois "
    "de naissance"
)
NONE_LEVEL3 = "Aucun titulaire ne correspond aux critères de reconciliation"
SEVERAL = "Plusieurs titulaires ont été identifiés"


@dataclass(frozen=True)
class Match:
    holder_id: int | None
    message: str | None
    level: int

    @property
    def found(self) -> bool:
        return self.holder_id is not None


_CANDIDATE_FIELDS = (
    "id",
    "match_key",
    "birth_month",
    "birth_day",
    "birth_insee",
    "birth_country",
    "n_usage_name",
    "n_first_name2",
    "n_first_name3",
)


_CPF_FIELDS = (
    "number",
    "holder_id",
    "holder__n_birth_name",
    "holder__n_usage_name",
    "holder__n_first_name1",
)


def match_all(claims: Sequence[PersonClaim | CpfClaim]) -> list[Match]:
    matcher = Matcher(claims)
    return matcher.results([list(q) for q in matcher.queries()])


class Matcher:
    """``match_all`` in two steps, so that its queries may run elsewhere (a deposit runs
    them in a background thread while it reads the next batch): ``queries()``, then
    ``results()`` with the rows (tuples) of each query, in order."""

    def __init__(self, claims: Sequence[PersonClaim | CpfClaim]):
        self.claims = claims
        # Each claim's key once: normalising names is most of the Python cost of matching.
        self.keys = [_key(c) if isinstance(c, PersonClaim) else "" for c in claims]

    def queries(self) -> list[QuerySet]:
        keys = set(self.keys) - {""}
        numbers = {c.number.strip() for c in self.claims if isinstance(c, CpfClaim)}
        holders = Holder.objects.filter(match_key__in=keys) if keys else Holder.objects.none()
        files = CpfFile.objects.filter(number__in=numbers) if numbers else CpfFile.objects.none()
        return [
            holders.order_by().values_list(*_CANDIDATE_FIELDS),
            files.order_by().values_list(*_CPF_FIELDS),
        ]

    def results(self, rows: list[list[tuple]]) -> list[Match]:
        holder_rows, file_rows = rows
        by_key: dict[str, list[dict]] = defaultdict(list)
        for row in holder_rows:
            candidate = dict(zip(_CANDIDATE_FIELDS, row, strict=True))
            by_key[candidate["match_key"]].append(candidate)
        by_number = {row[0]: dict(zip(_CPF_FIELDS, row, strict=True)) for row in file_rows}
        return [
            _funnel(c, by_key[key]) if isinstance(c, PersonClaim) else _by_cpf(c, by_number)
            for c, key in zip(self.claims, self.keys, strict=True)
        ]


def _key(c: PersonClaim) -> str:
    return match_key(c.birth_name, c.first_name1, c.sex, c.birth_year)


def _same(a: str | int | None, b: str | int | None) -> bool:
    """Unknown on either side matches anything."""
    return a in (None, "") or b in (None, "") or a == b


def _funnel(claim: PersonClaim, level1: list[dict]) -> Match:
    if not level1:
        return Match(None, NONE_LEVEL1, 1)
    if len(level1) == 1:
        return Match(level1[0]["id"], None, 1)
    level2 = [
        r
        for r in level1
        if _same(claim.birth_month, r["birth_month"]) and _same(claim.birth_day, r["birth_day"])
    ]
    if not level2:
        return Match(None, NONE_LEVEL2, 2)
    if len(level2) == 1:
        return Match(level2[0]["id"], None, 2)
    level3 = [r for r in level2 if _level3(claim, r)]
    if not level3:
        return Match(None, NONE_LEVEL3, 3)
    if len(level3) == 1:
        return Match(level3[0]["id"], None, 3)
    return Match(None, SEVERAL, 3)


def _level3(claim: PersonClaim, row: dict) -> bool:
    return (
        _same_place(claim, row)
        and _same(normalize_name(claim.usage_name), row["n_usage_name"])
        and _same(normalize_name(claim.first_name2), row["n_first_name2"])
        and _same(normalize_name(claim.first_name3), row["n_first_name3"])
    )


def _country(insee: str, country: str) -> str:
    """The INSEE country code (3 digits) of someone born abroad, or ``""``."""
    return country or (insee[2:] if insee.startswith("99") else "")


def _same_place(claim: PersonClaim, row: dict) -> bool:
    """Birth place: a French commune (INSEE code) or, for someone born abroad, a country
    (INSEE ``99xxx`` and/or ``codePaysNaissance``). Unknown on either side matches; a
    commune never matches a country."""
    insee = (claim.birth_insee or "").strip().upper()
    country = _country(insee, (claim.birth_country or "").strip())
    row_insee = row["birth_insee"] or ""
    row_country = _country(row_insee, row["birth_country"] or "")
    if claim.birth_country and row_country and claim.birth_country.strip() != row_country:
        return False
    if country:
        if row_country:
            return country == row_country
        return not row_insee  # a French commune in the register: not the same person
    if insee:
        if row_insee and not row_insee.startswith("99"):
            return insee == row_insee
        return not row_country
    return True


def _by_cpf(claim: CpfClaim, by_number: dict[str, dict]) -> Match:
    row = by_number.get(claim.number.strip())
    if row is None:
        return Match(None, NONE_LEVEL1, 1)
    name, first = normalize_name(claim.name), normalize_name(claim.first_name)
    names = {row["holder__n_birth_name"], row["holder__n_usage_name"]} - {""}
    if name in names and first == row["holder__n_first_name1"]:
        return Match(row["holder_id"], None, 1)
    return Match(None, NONE_LEVEL1, 1)
