"""« Mon parcours »: every item of a passport as one timeline, whatever its kind.

Each kind of item (certifications now; experiences, trainings, badges… as later sources
come) is a *source*: one query, whatever the number of items, turned into ``Entry`` values
the page shows the same way. Adding a kind = adding a source here.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch

from passeport.identity.models import Holder
from passeport.records.models import (
    Attestation,
    CertificationItem,
    DeclaredItem,
    DeclaredKind,
    HiddenItem,
    TrustLevel,
)

CERTIFICATION = "certification"
DECLARED = "declare"

# What the filter offers: a guaranteed kind, then the declared ones.
KINDS = {CERTIFICATION: "Certification", **dict(DeclaredKind.choices)}


@dataclass(frozen=True)
class Entry:
    source: str  # CERTIFICATION or DECLARED: with ``pk``, the item's address
    pk: int
    kind: str  # a key of KINDS
    title: str
    subtitle: str
    start: date
    end: date | None
    trust: str  # TrustLevel
    origin: str  # who says so: a certifier, or "vous"
    received_at: datetime | None
    attestations: int
    hidden: bool

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def trust_label(self) -> str:
        return TrustLevel(self.trust).label

    @property
    def guaranteed(self) -> bool:
        return self.trust == TrustLevel.GUARANTEED


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    year_from: int | None = None
    year_to: int | None = None

    def keeps(self, entry: Entry) -> bool:
        if self.kind and entry.kind != self.kind:
            return False
        end_year = (entry.end or date.max).year
        if self.year_from and end_year < self.year_from:
            return False
        return not (self.year_to and entry.start.year > self.year_to)


def _certifications(holder: Holder, hidden: set) -> Iterable[Entry]:
    for c in CertificationItem.objects.filter(holder=holder).order_by():
        yield Entry(
            source=CERTIFICATION,
            pk=c.pk,
            kind=CERTIFICATION,
            title=c.label or c.code,
            subtitle=f"{c.cert_type} {c.code}" + (f" — {c.option}" if c.option else ""),
            start=c.valid_from,
            end=c.valid_until,
            trust=c.trust,
            origin=c.certifier_name or c.certifier_bcr,
            received_at=c.received_at,
            attestations=0,
            hidden=(CERTIFICATION, c.pk) in hidden,
        )


def _declared(holder: Holder, hidden: set) -> Iterable[Entry]:
    items = DeclaredItem.objects.filter(holder=holder).order_by()
    for d in items.prefetch_related(
        Prefetch("attestations", Attestation.objects.only("pk", "item"))
    ):
        yield Entry(
            source=DECLARED,
            pk=d.pk,
            kind=d.kind,
            title=d.title,
            subtitle=", ".join(v for v in (d.organisation, d.place) if v),
            start=d.start,
            end=d.end,
            trust=TrustLevel.DECLARED,
            origin="vous",
            received_at=None,
            attestations=len(d.attestations.all()),
            hidden=(DECLARED, d.pk) in hidden,
        )


SOURCES: list[Callable[[Holder, set], Iterable[Entry]]] = [_certifications, _declared]


def timeline(holder: Holder, filters: Filters | None = None) -> list[Entry]:
    """Most recent first; a constant number of queries whatever the number of items."""
    filters = filters or Filters()
    hidden = set(HiddenItem.objects.filter(holder=holder).values_list("kind", "item_id"))
    entries = [e for source in SOURCES for e in source(holder, hidden) if filters.keeps(e)]
    return sorted(entries, key=lambda e: (e.start, e.pk), reverse=True)
