"""The ``passeport comptes`` command: portal accounts for operators, the demo and tests."""

import base64
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from passeport.accounts.services import current_code, organisation_of
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("comptes", *args, stdout=out)
    return out.getvalue()


def test_create_prints_the_totp_secret_and_uri():
    org = OrganisationFactory(bcr="AB123CDE", name="Tiers de confiance")
    out = run(
        "creer",
        "--organisation",
        "AB123CDE",
        "--identifiant",
        "camille",
        "--mot-de-passe",
        "Bruyère-Lointaine-7",
    )
    device = TOTPDevice.objects.get(user__username="camille")
    assert "Compte « camille » créé pour Tiers de confiance (AB123CDE)." in out
    secret = re.search(r"Secret TOTP \(base32\) : ([A-Z2-7=]+)\n", out).group(1)
    assert secret == base64.b32encode(device.bin_key).decode()
    assert f"URI otpauth : {device.config_url}\n" in out
    assert "Mot de passe :" not in out
    assert organisation_of(device.user) == org
    assert device.user.check_password("Bruyère-Lointaine-7")


def test_create_without_password_draws_one_that_logs_in():
    OrganisationFactory(bcr="AB123CDE")
    out = run("creer", "--organisation", "AB123CDE", "--identifiant", "dominique")
    password = re.search(r"Mot de passe : (\S+)\n", out).group(1)
    code = run("code-totp", "dominique").strip()
    assert re.fullmatch(r"\d{6}", code)
    response = Client().post(
        reverse("www:connexion"),
        {"username": "dominique", "password": password, "otp_token": code},
    )
    assert response.status_code == 302


def test_code_totp_prints_the_current_code():
    OrganisationFactory(bcr="AB123CDE")
    run("creer", "--organisation", "AB123CDE", "--identifiant", "eli")
    device = TOTPDevice.objects.get(user__username="eli")
    assert run("code-totp", "eli") == current_code(device) + "\n"


def test_unknown_organisation_weak_password_and_unknown_account_are_refused():
    OrganisationFactory(bcr="AB123CDE")
    with pytest.raises(CommandError, match="^Organisation inconnue : ZZ999ZZZ.$"):
        run("creer", "--organisation", "ZZ999ZZZ", "--identifiant", "x")
    with pytest.raises(CommandError, match="^Mot de passe refusé : "):
        run("creer", "--organisation", "AB123CDE", "--identifiant", "x", "--mot-de-passe", "123")
    with pytest.raises(CommandError, match="^Aucun compte « personne » avec un dispositif TOTP.$"):
        run("code-totp", "personne")


def test_help_says_the_code_is_for_demo_and_tests():
    from passeport.accounts.management.commands.comptes import Command

    assert "démonstration et tests uniquement" in Command.help
