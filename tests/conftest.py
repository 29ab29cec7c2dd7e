"""Shared test set-up: the real artefacts of ../shared, the real RNCP catalogue, factories."""

import os
import time
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PASSEPORT_SHARED", PROJECT.parent / "shared"))
CDC = SHARED / "cdc"
OFFICIAL_SAMPLE = CDC / "samples" / "Fichier_XML_v2.0.0__official-sample.xml"
CDC_XSD = CDC / "xsd" / "Fichier_XSD_v2.0.0__schema-1.1.2.xsd"
ACCUSES = CDC / "accuse"
XXE_DIR = SHARED / "vectors/eu-european-digital-credentials/edci-commons/src/test/resources/xxeTest"
REFERENTIELS = SHARED / "referentiels"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The progress cache table lives beside the models (a second connection reaches it)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    with django_db_blocker.unblock():
        if "progress" in settings.DATABASES:
            call_command("createcachetable", database="progress", verbosity=0)
            connections["progress"].close()
    yield
    # Tests reopen the second connection: close it, or the test database cannot be dropped.
    for connection in connections.all():
        connection.close()


@pytest.fixture
def official_sample_bytes() -> bytes:
    return OFFICIAL_SAMPLE.read_bytes()


def pytest_collection_modifyitems(items):
    """Tests may reach every alias: ``progress`` is a second connection to the same database."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and "databases" not in marker.kwargs:
            item.add_marker(
                pytest.mark.django_db(**marker.kwargs, databases="__all__"), append=False
            )


def otp_login(client, user) -> None:
    """Log ``user`` in as if with password and TOTP code (what the admin requires)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from passeport.accounts.services import ensure_totp_device

    device = ensure_totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session["_vu"] = int(time.time())  # as if just active: no session write
    session.save()


@pytest.fixture
def admin_client(client, admin_user):
    """A superuser logged in with password and TOTP."""
    otp_login(client, admin_user)
    return client
