"""``passeport jetons``: issue a token that works, once; revoke it by its prefix."""

import io

import pytest
from django.core.management import CommandError, call_command

from passeport.accounts.models import ApiToken
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db(databases="__all__")


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("jetons", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def test_created_token_is_printed_once_and_authenticates(client):
    org = OrganisationFactory(bcr="AB123CDE")
    token, note = run("creer", "--organisation", "AB123CDE", "--libelle", "Logiciel X")
    assert token.startswith("ppt_") and "\n" not in token
    stored = ApiToken.objects.get()
    assert (stored.organisation, stored.label, stored.prefix) == (org, "Logiciel X", token[:8])
    assert token not in stored.token_hash and token not in note
    response = client.get("/api/v1/depots/1", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404  # authenticated: the deposit does not exist

    listing, _ = run("lister")
    assert stored.prefix in listing and token not in listing


def test_revoked_by_prefix_stops_working(client):
    OrganisationFactory(bcr="AB123CDE")
    token, _ = run("creer", "--organisation", "AB123CDE", "--libelle", "X")
    out, _ = run("revoquer", token[:8])
    assert out == f"Jeton {token[:8]}… révoqué (AB123CDE, X)."
    response = client.get("/api/v1/depots/1", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    with pytest.raises(CommandError, match="Aucun jeton actif ne commence par"):
        run("revoquer", token[:8])


def test_ambiguous_prefix_is_refused_then_settled_by_organisation():
    a, b = OrganisationFactory(bcr="AAAAAAAA"), OrganisationFactory(bcr="BBBBBBBB")
    for org in (a, b):
        ApiToken.objects.create(organisation=org, label="x", token_hash=org.bcr, prefix="ppt_same")
    with pytest.raises(CommandError, match=r"Plusieurs jetons actifs .* \(AAAAAAAA, BBBBBBBB\)"):
        run("revoquer", "ppt_same")
    run("revoquer", "ppt_same", "--organisation", "BBBBBBBB")
    assert list(
        ApiToken.objects.filter(revoked=True).values_list("organisation__bcr", flat=True)
    ) == ["BBBBBBBB"]


def test_revoking_with_the_whole_token():
    OrganisationFactory(bcr="AB123CDE")
    token, _ = run("creer", "--organisation", "AB123CDE", "--libelle", "X")
    out, _ = run("revoquer", token)
    assert token not in out
    assert ApiToken.objects.get().revoked


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--organisation", "INCONNU1", "--libelle", "X"), "Organisation inconnue : INCONNU1."),
        (("--organisation", "CERTONLY", "--libelle", "X"), "n'est pas déposante"),
        (("--organisation", "AB123CDE", "--libelle", "  "), "Le libellé est obligatoire"),
    ],
)
def test_creation_errors_are_in_french(args, message):
    OrganisationFactory(bcr="AB123CDE")
    OrganisationFactory(bcr="CERTONLY", is_depositor=False)
    with pytest.raises(CommandError, match=message):
        run("creer", *args)
    assert not ApiToken.objects.exists()
