"""``passeport demo --sans-serveur``: the whole set-up through the production code, twice."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from passeport.accounts.models import ApiToken, Membership
from passeport.certifiers.models import Contract, Deposit, DepositStatus, Organisation
from passeport.demo import synthetic, world
from passeport.identity import nir as nirlib
from passeport.identity.models import Holder
from passeport.records.models import CertificationItem

PEOPLE = 300
PASSAGES = 120


def run_demo() -> str:
    out = StringIO()
    call_command(
        "demo",
        "--sans-serveur",
        "--personnes",
        str(PEOPLE),
        "--passages",
        str(PASSAGES),
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "holders": Holder.objects.count(),
        "organisations": Organisation.objects.count(),
        "contracts": Contract.objects.count(),
        "deposits": Deposit.objects.count(),
        "items": CertificationItem.objects.count(),
        "users": get_user_model().objects.count(),
        "devices": TOTPDevice.objects.count(),
        "active_tokens": ApiToken.objects.filter(revoked=False).count(),
    }


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_demo_sets_up_a_processed_deposit_and_accounts_then_runs_again_unchanged():
    first_output = run_demo()

    deposit = Deposit.objects.get()
    assert deposit.status == DepositStatus.DONE_KO
    assert (deposit.passages_total, deposit.passages_ok, deposit.passages_ko) == (
        PASSAGES + len(synthetic.KO_CASES),
        PASSAGES,
        len(synthetic.KO_CASES),
    )
    assert deposit.warnings_count == 0
    assert deposit.depositor.bcr == synthetic.DEPOSITOR["bcr"]
    assert deposit.report_name  # the accusé de traitement is stored
    ko = dict(deposit.results.values_list("id_technique", "message"))
    prefix = deposit.file_name.removeprefix("flux-demo-").removesuffix(".xml")
    assert ko[f"DEMO-{prefix}-KO-INCONNU"] == (
        "Aucun titulaire ne correspond aux critères obligatoires"
    )
    assert ko[f"DEMO-{prefix}-KO-VAE"].startswith("La voie d'accès VAE est obligatoire")
    assert ko[f"DEMO-{prefix}-KO-DATES"].startswith("La date de fin de validité est inférieure")
    assert ko[f"DEMO-{prefix}-00001"].endswith("existe déjà en base")

    # Every good passage became a guaranteed item of a holder of the register.
    assert Holder.objects.count() == PEOPLE
    items = CertificationItem.objects.filter(deposit=deposit)
    assert items.count() == PASSAGES
    assert items.values("holder").distinct().count() == PASSAGES
    assert set(items.values_list("certifier_bcr", flat=True)) == {synthetic.CERTIFIER["bcr"]}
    example = next(line for line in first_output.splitlines() if "--nir " in line)
    nir = example.split("--nir ")[1].split()[0]
    holder = Holder.objects.get(nir_hash=nirlib.lookup_hash(nirlib.normalize(nir)))
    assert items.filter(holder=holder).exists()

    # Accounts: portal staff of the depositor with its TOTP device, an admin, an API token.
    staff = get_user_model().objects.get(username=world.STAFF_USERNAME)
    assert staff.check_password(world.STAFF_PASSWORD)
    assert Membership.objects.get(user=staff).organisation == deposit.depositor
    device = TOTPDevice.objects.get(user=staff, confirmed=True)
    admin = get_user_model().objects.get(username=world.ADMIN_USERNAME)
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(world.ADMIN_PASSWORD)
    token = next(line.split(": ")[1] for line in first_output.splitlines() if "Jeton d'API" in line)
    assert ApiToken.find(token).organisation == deposit.depositor
    assert world.STAFF_PASSWORD in first_output
    assert world.ADMIN_PASSWORD in first_output

    before = counts()
    second_output = run_demo()
    assert counts() == before
    assert Deposit.objects.get().pk == deposit.pk
    assert f"dépôt n° {deposit.pk} réutilisé" in second_output
    assert TOTPDevice.objects.get(user=staff).bin_key == device.bin_key
    assert f"Jeton d'API du tiers de confiance : {token}" in second_output


@pytest.mark.django_db(databases="__all__")
def test_demo_is_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refusée en production"):
        call_command("demo", "--sans-serveur", stdout=StringIO(), stderr=StringIO())
    assert not Organisation.objects.exists()
    assert not get_user_model().objects.exists()


def test_synthetic_people_are_distinct_with_valid_nirs():
    people = synthetic.people(500, seed=7)
    assert people[:100] == synthetic.people(100, seed=7)  # same seed, same first people
    assert len({p.nir for p in people}) == len({p.key for p in people}) == 500
    for person in people:
        body = nirlib.normalize(person.nir)  # checks the key
        assert body[5:10] == person.insee  # department + commune, or 99 + country
        assert body[0] == ("1" if person.sex == "M" else "2")
        assert body[1:5] == f"{person.birth.year % 100:02d}{person.birth.month:02d}"
