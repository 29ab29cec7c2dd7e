"""Portal test helpers: staff accounts of an organisation, verified sessions, deposits."""

import io
import time
from dataclasses import dataclass

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from passeport.accounts.services import StaffAccount, create_staff
from passeport.certifiers import services
from passeport.certifiers.models import Channel, Deposit, Organisation
from tests.factories import OrganisationFactory

PASSWORD = "Corail-Tempête-42"


@dataclass
class Staff:
    organisation: Organisation
    account: StaffAccount

    @property
    def user(self):
        return self.account.user


def make_staff(organisation: Organisation | None = None, username: str = "agent") -> Staff:
    organisation = organisation or OrganisationFactory()
    return Staff(organisation, create_staff(organisation, username, PASSWORD))


def verified_client(staff: Staff) -> Client:
    """A session as after password + TOTP, without spending a TOTP code (codes are
    single-use within their 30 s step)."""
    client = Client()
    client.force_login(staff.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = staff.account.device.persistent_id
    session["_vu"] = int(time.time())  # as if just active: no session write
    session.save()
    return client


def make_deposit(organisation: Organisation, data: bytes = b"<flux/>", name="flux.xml", **fields):
    """A received deposit (stored for real, not queued); ``fields`` then set on it."""
    deposit = services.receive(
        io.BytesIO(data), name, Channel.PORTAL, organisation, enqueue=False
    ).deposit
    if fields:
        Deposit.objects.filter(pk=deposit.pk).update(**fields)
        deposit.refresh_from_db()
    return deposit


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """What is tested here is the login flow, not the hash's cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(db) -> Staff:
    return make_staff()


@pytest.fixture
def client_of(staff) -> Client:
    return verified_client(staff)


def table_rows(html: str, caption: str) -> list[list[str]]:
    """The body rows (cell texts) of the table whose caption starts with ``caption``."""
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(html)
    for table in tree.iter("table"):
        found = table.find("caption")
        if found is not None and " ".join(found.text_content().split()).startswith(caption):
            return [
                [" ".join(td.text_content().split()) for td in tr.findall("td")]
                for tr in table.find("tbody").findall("tr")
            ]
    raise AssertionError(f"aucun tableau « {caption} »")
