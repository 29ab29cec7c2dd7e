"""Login to the certifiers' portal: password, then TOTP code, in one French form."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from passeport.accounts.services import current_code
from tests.www.conftest import PASSWORD, make_staff, verified_client

pytestmark = pytest.mark.django_db

LOGIN = reverse("www:connexion")
DEPOSITS = reverse("www:depots")


def post_login(client: Client, username: str, password: str, code: str, **extra):
    return client.post(
        LOGIN, {"username": username, "password": password, "otp_token": code, **extra}
    )


def wrong_code(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def is_verified(client: Client) -> bool:
    return client.get(DEPOSITS).status_code == 200


def test_login_page_is_french_with_labelled_fields():
    response = Client().get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Connexion — Passeport</title>" in html
    assert '<html lang="fr"' in html
    for field_id, label in (
        ("id_username", "Identifiant"),
        ("id_password", "Mot de passe"),
        ("id_otp_token", "Code de vérification"),
    ):
        assert f'<label class="fr-label" for="{field_id}">\n      {label}' in html
    assert 'aria-describedby="id_otp_token_helptext"' in html
    assert 'autocomplete="one-time-code"' in html


def test_wrong_password_is_refused_in_french():
    staff = make_staff()
    client = Client()
    response = post_login(client, "agent", "pas-le-bon", current_code(staff.account.device))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Identifiant ou mot de passe incorrect." in html
    assert "<title>Erreur : Connexion — Passeport</title>" in html
    assert "_auth_user_id" not in client.session
    assert not is_verified(client)


def test_wrong_totp_code_is_refused_in_french():
    staff = make_staff()
    client = Client()
    response = post_login(client, "agent", PASSWORD, wrong_code(current_code(staff.account.device)))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Code de vérification incorrect ou expiré." in html
    assert "_auth_user_id" not in client.session
    assert not is_verified(client)


def test_missing_totp_code_is_asked_for():
    make_staff()
    response = post_login(Client(), "agent", PASSWORD, "")
    assert "Saisissez le code de vérification à 6 chiffres." in response.content.decode()


def test_password_and_code_log_in_and_lead_to_the_deposits():
    staff = make_staff()
    client = Client()
    response = post_login(client, "agent", PASSWORD, current_code(staff.account.device))
    assert response.status_code == 302
    assert response["Location"] == DEPOSITS
    assert is_verified(client)


def test_a_code_cannot_be_used_twice():
    staff = make_staff()
    code = current_code(staff.account.device)
    assert post_login(Client(), "agent", PASSWORD, code).status_code == 302
    response = post_login(Client(), "agent", PASSWORD, code)
    assert "Code de vérification incorrect ou expiré." in response.content.decode()


def test_login_goes_back_to_the_page_asked_for():
    staff = make_staff()
    client = Client()
    asked = reverse("www:deposer")
    response = client.get(asked)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={asked}"
    response = post_login(client, "agent", PASSWORD, current_code(staff.account.device), next=asked)
    assert response["Location"] == asked


def test_an_account_without_organisation_is_refused():
    get_user_model().objects.create_user("sans-org", password=PASSWORD)
    response = post_login(Client(), "sans-org", PASSWORD, "123456")
    assert "rattaché à aucune organisation" in response.content.decode()


def test_a_password_only_session_is_not_enough():
    staff = make_staff()
    client = Client()
    client.force_login(staff.user)  # as after an admin login: no second factor
    response = client.get(DEPOSITS)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert client.get(LOGIN).status_code == 200  # no redirect loop


def test_a_verified_session_skips_the_login_page():
    client = verified_client(make_staff())
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == DEPOSITS


def test_logout_needs_a_post_and_ends_the_session():
    client = verified_client(make_staff())
    assert client.get(reverse("www:deconnexion")).status_code == 405
    response = client.post(reverse("www:deconnexion"), follow=True)
    assert response.redirect_chain == [(reverse("www:accueil"), 302)]
    assert "Vous êtes déconnecté·e" in response.content.decode()
    assert client.get(DEPOSITS).status_code == 302


def test_home_page_links_to_the_portal():
    response = Client().get(reverse("www:accueil"))
    html = response.content.decode()
    assert "<h1>Passeport d'orientation, de formation et de compétences</h1>" in html
    assert f'href="{DEPOSITS}"' in html
    assert 'href="#content"' in html  # skip link


def test_a_verified_account_without_organisation_gets_403(settings):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.DEBUG = False
    user = get_user_model().objects.create_user("ancien-agent", password=PASSWORD)
    device = TOTPDevice.objects.create(user=user, name="principal", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    response = client.get(DEPOSITS)
    assert response.status_code == 403
    assert "<h1>Accès refusé</h1>" in response.content.decode()


def test_repeated_wrong_passwords_suspend_login_for_that_identifier():
    """django-axes: the 5th failure suspends login, then the right password is refused too,
    with a French 429 page; another identifier is not affected."""
    staff = make_staff()
    other = make_staff(username="collegue")
    client = Client()
    code = current_code(staff.account.device)
    for _ in range(4):
        assert post_login(client, "agent", "pas-le-bon", code).status_code == 200
    assert post_login(client, "agent", "pas-le-bon", code).status_code == 429
    response = post_login(client, "agent", PASSWORD, code)
    assert response.status_code == 429
    html = response.content.decode()
    assert "<title>Connexion suspendue — Passeport</title>" in html
    assert "la connexion est suspendue pendant 15 minutes." in " ".join(html.split())
    assert "_auth_user_id" not in client.session
    response = post_login(Client(), "collegue", PASSWORD, current_code(other.account.device))
    assert response.status_code == 302


def test_a_success_resets_the_failure_count():
    staff = make_staff()
    client = Client()
    for _ in range(4):
        post_login(client, "agent", "pas-le-bon", "000000")
    response = post_login(client, "agent", PASSWORD, current_code(staff.account.device))
    assert response.status_code == 302
    client.logout()
    for _ in range(4):
        assert post_login(client, "agent", "pas-le-bon", "000000").status_code == 200


def test_admin_login_is_protected_too(admin_user):
    client = Client()
    url = reverse("admin:login")
    for _ in range(4):
        client.post(url, {"username": admin_user.username, "password": "faux", "otp_token": "1"})
    for password in ("faux", "password"):  # the 5th failure, then the right password
        response = client.post(
            url, {"username": admin_user.username, "password": password, "otp_token": "1"}
        )
        assert response.status_code == 429
