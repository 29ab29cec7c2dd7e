"""« Mes CV » in the holder's space: compose, issue, download; others reach nothing."""

import pytest
from django.urls import reverse

from passeport.documents import sealing
from passeport.documents.models import Cv, IssuedDocument
from tests.factories import HolderFactory
from tests.www.test_holder_space import certification_for, declare, holder_client

pytestmark = pytest.mark.django_db


def compose(client, certification_pk: int, **extra):
    data = {
        "title": "Technicien de maintenance",
        "summary": "Passionné de mécanique.",
        "email": "t@example.org",
        "template": "classique",
        "elements": [f"certification:{certification_pk}"],
        **extra,
    }
    return client.post(reverse("www:cv-nouveau"), data)


def test_compose_issue_and_download_a_sealed_cv():
    holder = HolderFactory()
    cert = certification_for(holder)
    client = holder_client(holder)
    page = client.get(reverse("www:cv-nouveau")).content.decode()
    assert "Titre professionnel de démonstration (Certification, Garanti)" in page
    assert compose(client, cert.pk).status_code == 302
    cv = Cv.objects.get(holder=holder)
    assert cv.items == [{"source": "certification", "pk": cert.pk}]
    response = client.post(reverse("www:cv-emettre", args=[cv.pk]))
    assert response.status_code == 302
    document = IssuedDocument.objects.get(cv=cv)
    listing = client.get(reverse("www:mes-cv")).content.decode()
    assert "Version 1 émise le" in listing
    download = client.get(reverse("www:document-emis", args=[document.pk]))
    pdf = b"".join(download.streaming_content)
    assert download["Content-Type"] == "application/pdf"
    assert sealing.check(pdf).valid


def test_a_cv_needs_items_and_a_title():
    holder = HolderFactory()
    client = holder_client(holder)
    response = client.post(reverse("www:cv-nouveau"), {"title": "", "template": "classique"})
    assert response.status_code == 400
    assert not Cv.objects.exists()


def test_hidden_items_are_not_offered():
    holder = HolderFactory()
    cert = certification_for(holder)
    client = holder_client(holder)
    client.post(reverse("www:masquer", args=["certification", cert.pk]), {"masquer": "1"})
    assert "Titre professionnel" not in client.get(reverse("www:cv-nouveau")).content.decode()
    assert compose(client, cert.pk).status_code == 400


def test_another_holder_reaches_none_of_my_cvs():
    mine, other = HolderFactory(), HolderFactory()
    cert = certification_for(mine)
    client = holder_client(mine)
    compose(client, cert.pk)
    cv = Cv.objects.get()
    client.post(reverse("www:cv-emettre", args=[cv.pk]))
    document = IssuedDocument.objects.get()
    intruder = holder_client(other)
    assert intruder.get(reverse("www:cv-modifier", args=[cv.pk])).status_code == 404
    assert (
        intruder.post(reverse("www:cv-modifier", args=[cv.pk]), {"title": "x"}).status_code == 404
    )
    assert intruder.post(reverse("www:cv-emettre", args=[cv.pk])).status_code == 404
    assert intruder.get(reverse("www:document-emis", args=[document.pk])).status_code == 404
    assert "Technicien" not in intruder.get(reverse("www:mes-cv")).content.decode()
    declare(intruder)  # the intruder's own items are theirs: unaffected
