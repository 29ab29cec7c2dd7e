"""Whose passport a verified FranceConnect+ identity opens (no HTTP here).

Once linked, only the provider's ``sub`` counts. The first time, the identity pivot (names,
birth date, sex, birth place or country) goes through the register's matching funnel; a
person the register does not know gets a new passport (activation). Eligibility: 16 years
old, 15 for an apprentice (known from a certification obtained by apprenticeship).
"""

import logging
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from passeport.accounts.models import HolderAccount, ProviderLink
from passeport.accounts.oidc import Identity
from passeport.identity.claims import PersonClaim
from passeport.identity.matching import match_all
from passeport.identity.models import Holder

log = logging.getLogger("passeport.accounts")

MIN_AGE, MIN_AGE_APPRENTICE = 16, 15
APPRENTICESHIP = "FORMATION_INITIALE_APPRENTISSAGE"


class NotEligible(Exception):
    def __init__(self, age: int):
        super().__init__(f"{age} ans")
        self.age = age


@dataclass(frozen=True)
class Opened:
    account: HolderAccount
    created: bool  # a passport created at this login (activation)
    linked: bool  # first login with this provider


def open_account(identity: Identity, today: date | None = None) -> Opened:
    """The account of this identity: by ``sub``, else by the register, else created."""
    today = today or timezone.localdate()
    with transaction.atomic():
        link = (
            ProviderLink.objects.select_related("account__holder")
            .filter(provider=identity.provider, sub=identity.sub)
            .first()
        )
        if link is not None:
            _check_age(identity.claims, link.account.holder, today)
            link.last_login_at = timezone.now()
            link.save(update_fields=["last_login_at"])
            return Opened(link.account, created=False, linked=False)
        claim = pivot_claim(identity.claims)
        (match,) = match_all([claim])
        holder = Holder.objects.filter(pk=match.holder_id).first() if match.found else None
        _check_age(identity.claims, holder, today)
        created = holder is None
        if created:
            holder = _new_holder(claim)
        account = HolderAccount.objects.filter(holder=holder).first() or _new_account(holder)
        ProviderLink.objects.create(
            account=account,
            provider=identity.provider,
            sub=identity.sub,
            last_login_at=timezone.now(),
        )
    log.info(
        "espace %s : %s via %s",
        account.pk,
        "créé" if created else "rattaché au registre",
        identity.provider,
    )
    return Opened(account, created=created, linked=True)


def pivot_claim(claims: dict) -> PersonClaim:
    """The identity pivot as the matching funnel's claim (FranceConnect+ claim names)."""
    given = str(claims.get("given_name") or "").split()
    born = _birthdate(claims)
    country = str(claims.get("birthcountry") or "")
    abroad = bool(country) and country != "99100"
    place = str(claims.get("birthplace") or "")
    return PersonClaim(
        birth_name=str(claims.get("family_name") or ""),
        first_name1=given[0] if given else "",
        first_name2=given[1] if len(given) > 1 else None,
        first_name3=" ".join(given[2:]) or None,
        sex={"male": "M", "female": "F"}.get(str(claims.get("gender")), ""),
        birth_year=born.year,
        birth_month=born.month,
        birth_day=born.day,
        birth_insee=(country if abroad else place) or None,
        birth_country=country[2:] if abroad and country.startswith("99") else None,
    )


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _birthdate(claims: dict) -> date:
    try:
        return date.fromisoformat(str(claims.get("birthdate")))
    except ValueError:
        # FranceConnect+ may give a presumed date (month or day 00): the 1st stands in.
        year, month, day = (str(claims.get("birthdate") or "1900-01-01") + "-01-01").split("-")[:3]
        return date(int(year), int(month) or 1, int(day) or 1)


def _check_age(claims: dict, holder: Holder | None, today: date) -> None:
    age = age_on(_birthdate(claims), today)
    if age >= MIN_AGE:
        return
    apprentice = (
        holder is not None and holder.certifications.filter(access_mode=APPRENTICESHIP).exists()
    )
    if age >= MIN_AGE_APPRENTICE and apprentice:
        return
    raise NotEligible(age)


def _new_holder(claim: PersonClaim) -> Holder:
    holder = Holder(
        birth_name=claim.birth_name,
        first_name1=claim.first_name1,
        first_name2=claim.first_name2 or "",
        first_name3=claim.first_name3 or "",
        sex=claim.sex,
        birth_year=claim.birth_year,
        birth_month=claim.birth_month,
        birth_day=claim.birth_day,
        birth_insee=claim.birth_insee if claim.birth_insee and not claim.birth_country else "",
        birth_country=claim.birth_country or "",
    )
    holder.refresh_normalized()
    holder.save()
    return holder


def _new_account(holder: Holder) -> HolderAccount:
    user = get_user_model().objects.create_user(username=f"titulaire-{holder.pk}")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return HolderAccount.objects.create(user=user, holder=holder)
