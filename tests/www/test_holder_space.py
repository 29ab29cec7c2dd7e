"""The holder's space: « Mon parcours », declared items, attestations, isolation.

Logged in as after FranceConnect+ (the login itself: tests/accounts/test_franceconnect.py).
"""

import io
import struct
import time
import zlib
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from passeport.accounts import terms
from passeport.accounts.holder_login import _new_account
from passeport.records import declared
from passeport.records.models import Attestation, CertificationItem, DeclaredItem, ItemChange
from tests.factories import HolderFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def png(width: int = 4, height: int = 4) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def holder_client(holder) -> Client:
    account = getattr(holder, "account", None) or _new_account(holder)
    terms.accept(account)
    client = Client()
    client.force_login(account.user)
    session = client.session
    session["holder_login"] = {"provider": "demo", "id_token": "x"}
    session["_vu"] = int(time.time())  # as if just active: no session write
    session.save()
    return client


def certification_for(holder, **extra) -> CertificationItem:
    from passeport.certifiers.models import Deposit

    deposit = Deposit.objects.create(
        depositor=OrganisationFactory(), channel="cli", file_name="f.xml", raw_name="r", size=1
    )
    values = {
        "holder": holder,
        "deposit": deposit,
        "line": 1,
        "id_technique": f"id-{CertificationItem.objects.count()}",
        "emetteur_bcr": "AB123CDE",
        "certifier_bcr": "E564ACB0",
        "certifier_name": "Certificateur fictif",
        "received_at": "2025-01-10T10:00:00+00:00",
        "cert_type": "RNCP",
        "code": "RNCP19117",
        "label": "Titre professionnel de démonstration",
        "obtention": "PAR_ADMISSION",
        "certified_data": True,
        "valid_from": date(2024, 6, 30),
        **extra,
    }
    return CertificationItem.objects.create(**values)


def upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def declare(client: Client, **extra):
    data = {
        "kind": "experience",
        "title": "Animatrice d'ateliers numériques",
        "organisation": "Association Lien",
        "place": "Rennes",
        "start": "2021-09-01",
        "end": "2023-06-30",
        "description": "Ateliers hebdomadaires.",
        **extra,
    }
    return client.post(reverse("www:declarer"), data)


def test_pages_need_a_holder_login():
    response = Client().get(reverse("www:mon-passeport"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("www:titulaire-connexion"))


def test_timeline_shows_guaranteed_and_declared_items_with_their_badges():
    holder = HolderFactory()
    certification_for(holder)
    client = holder_client(holder)
    declare(client)
    html = client.get(reverse("www:mon-passeport")).content.decode()
    assert "2 éléments" in html
    assert "Titre professionnel de démonstration" in html
    assert 'fr-badge--success fr-badge--sm">Garanti' in html
    assert "Déclaré, sans attestation" in html
    assert "source : Certificateur fictif" in html


def test_timeline_filters_by_kind_and_period():
    holder = HolderFactory()
    certification_for(holder)
    client = holder_client(holder)
    declare(client, title="Ancienne expérience", start="2010-01-01", end="2011-01-01")
    url = reverse("www:mon-passeport")
    html = client.get(url, {"type": "experience"}).content.decode()
    assert "Ancienne expérience" in html and "Titre professionnel" not in html
    html = client.get(url, {"de": 2020}).content.decode()
    assert "Ancienne expérience" not in html and "Titre professionnel" in html
    assert "1 élément (filtrés)" in html


def test_declare_with_a_pdf_attestation_then_download_edit_and_delete():
    holder = HolderFactory()
    client = holder_client(holder)
    response = declare(client, attestation=upload("contrat.pdf", PDF))
    item = DeclaredItem.objects.get(holder=holder)
    assert response.status_code == 302
    assert response["Location"] == reverse("www:declare", args=[item.pk])
    attestation = Attestation.objects.get(item=item)
    assert declared.storage().exists(attestation.stored_name)

    download = client.get(reverse("www:attestation", args=[attestation.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith('attachment; filename="contrat.pdf"')
    assert download["Content-Type"] == "application/pdf"

    response = client.post(
        reverse("www:declare-modifier", args=[item.pk]),
        {"kind": "experience", "title": "Animatrice", "start": "2021-09-01"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.end) == ("Animatrice", None)

    client.post(reverse("www:declare-supprimer", args=[item.pk]))
    assert not DeclaredItem.objects.exists()
    assert not declared.storage().exists(attestation.stored_name)  # gone, not hidden
    actions = list(ItemChange.objects.filter(holder=holder).values_list("action", flat=True))
    assert actions == ["suppression", "modification", "ajout d'une attestation", "ajout"]


def test_deleting_an_attestation_deletes_its_file():
    holder = HolderFactory()
    client = holder_client(holder)
    declare(client)
    item = DeclaredItem.objects.get()
    client.post(
        reverse("www:attestation-ajouter", args=[item.pk]), {"fichier": upload("a.png", png())}
    )
    attestation = Attestation.objects.get()
    client.post(reverse("www:attestation-supprimer", args=[attestation.pk]))
    assert not Attestation.objects.exists()
    assert not declared.storage().exists(attestation.stored_name)


@pytest.mark.parametrize(
    "name, content, message",
    [
        (
            "photo.pdf",
            png(),
            "L'extension du fichier (.pdf) ne correspond pas à son contenu (PNG).",
        ),
        (
            "page.pdf",
            b"<html><script>alert(1)</script></html>",
            "Ce type de fichier n'est pas accepté",
        ),
        (
            "piege.pdf",
            PDF.replace(b"%%EOF", b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>\n%%EOF"),
            "Le PDF contient du contenu actif",
        ),
        (
            "polyglotte.pdf",
            PDF.replace(b"%%EOF", b"<html><body><script>x()</script></body></html>\n%%EOF"),
            "Le fichier mêle un PDF et un autre format",
        ),
        ("vide.png", b"", "Le fichier soumis est vide."),
        ("casse.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "L'image est illisible ou endommagée."),
        ("script.jpg", b"\xff\xd8\xff\xe0" + b"<script>" * 10, "L'image est illisible"),
    ],
)
def test_upload_attacks_are_refused_with_a_clear_message(name, content, message):
    holder = HolderFactory()
    client = holder_client(holder)
    declare(client)
    item = DeclaredItem.objects.get()
    response = client.post(
        reverse("www:attestation-ajouter", args=[item.pk]), {"fichier": upload(name, content)}
    )
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Attestation.objects.exists()


def test_an_oversized_file_is_refused(settings):
    settings.PASSEPORT = {**settings.PASSEPORT, "ATTESTATION_MAX_BYTES": 1000}
    holder = HolderFactory()
    client = holder_client(holder)
    declare(client)
    item = DeclaredItem.objects.get()
    response = client.post(
        reverse("www:attestation-ajouter", args=[item.pk]),
        {"fichier": upload("gros.pdf", PDF + b"0" * 2000)},
    )
    assert response.status_code == 400
    assert "dépasse la taille maximale" in response.content.decode()


def _png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG declaring a huge picture (its pixels compress to almost nothing)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused():
    holder = HolderFactory()
    client = holder_client(holder)
    declare(client)
    item = DeclaredItem.objects.get()
    response = client.post(
        reverse("www:attestation-ajouter", args=[item.pk]),
        {"fichier": upload("bombe.png", _png_bomb(30000, 30000))},
    )
    assert response.status_code == 400
    assert "L'image est démesurée" in response.content.decode().replace("&#x27;", "'")


def test_images_are_written_again_without_what_follows_them():
    holder = HolderFactory()
    client = holder_client(holder)
    declare(client)
    item = DeclaredItem.objects.get()
    client.post(
        reverse("www:attestation-ajouter", args=[item.pk]),
        {"fichier": upload("photo.png", png() + b"PK\x03\x04charge cachee")},
    )
    stored = declared.storage().open(Attestation.objects.get().stored_name).read()
    assert b"charge cachee" not in stored and stored.startswith(b"\x89PNG")


def test_guaranteed_items_can_be_hidden_not_edited():
    holder = HolderFactory()
    item = certification_for(holder)
    client = holder_client(holder)
    url = reverse("www:certification", args=[item.pk])
    assert "Modifier" not in client.get(url).content.decode()
    client.post(reverse("www:masquer", args=["certification", item.pk]), {"masquer": "1"})
    assert "Masqué des documents" in client.get(reverse("www:mon-passeport")).content.decode()
    # The declared items' edit address does not reach a certification.
    assert client.get(reverse("www:declare-modifier", args=[item.pk])).status_code == 404


def test_another_holder_reaches_nothing_of_mine():
    """Every holder URL and endpoint, with the other holder's objects: 404."""
    mine, other = HolderFactory(), HolderFactory()
    cert = certification_for(mine)
    my_client = holder_client(mine)
    declare(my_client, attestation=upload("a.pdf", PDF))
    item = DeclaredItem.objects.get(holder=mine)
    attestation = Attestation.objects.get()
    intruder = holder_client(other)
    gets = [
        reverse("www:certification", args=[cert.pk]),
        reverse("www:declare", args=[item.pk]),
        reverse("www:declare-modifier", args=[item.pk]),
        reverse("www:declare-supprimer", args=[item.pk]),
        reverse("www:attestation", args=[attestation.pk]),
    ]
    posts = gets[2:4] + [
        reverse("www:attestation-ajouter", args=[item.pk]),
        reverse("www:attestation-supprimer", args=[attestation.pk]),
        reverse("www:masquer", args=["certification", cert.pk]),
        reverse("www:masquer", args=["declare", item.pk]),
    ]
    for url in gets:
        assert intruder.get(url).status_code == 404, url
    for url in posts:
        assert intruder.post(url, {"masquer": "1", "title": "x"}).status_code == 404, url
    assert DeclaredItem.objects.filter(holder=mine).exists()
    assert Attestation.objects.exists()
    html = intruder.get(reverse("www:mon-passeport")).content.decode()
    assert "0 élément" in html


def test_timeline_queries_do_not_grow_with_items():
    holder = HolderFactory()
    client = holder_client(holder)
    url = reverse("www:mon-passeport")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    certification_for(holder)
    declared.create(holder, {"kind": "formation", "title": "t", "start": date(2020, 1, 1)})
    few = queries()
    for i in range(100):
        certification_for(holder)
        item = declared.create(
            holder, {"kind": "formation", "title": f"t{i}", "start": date(2020, 1, 1)}
        )
        Attestation.objects.create(
            item=item,
            file_name="a.pdf",
            stored_name=f"s{i}",
            content_type="application/pdf",
            size=1,
            sha256="",
        )
    assert queries() == few


def test_my_data_downloads_the_passport_and_journals_it():
    holder = HolderFactory(birth_name="Morel", first_name1="Lise")
    certification_for(holder)
    client = holder_client(holder)
    declare(client, attestation=upload("contrat.pdf", PDF))
    response = client.get(reverse("www:mes-donnees-export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    document = response.json()
    assert document["format"] == "passeport/1.0"
    assert document["titulaire"]["nomNaissance"] == "Morel"
    assert [c["code"] for c in document["certifications"]] == ["RNCP19117"]
    (item,) = document["elementsDeclares"]
    assert (item["nature"], item["niveauConfiance"]) == ("experience", "declare")
    assert item["attestations"][0]["nomFichier"] == "contrat.pdf"
    page = client.get(reverse("www:mes-donnees")).content.decode()
    assert "Qui a consulté mes données" in page
    assert "Export du passeport" in page and "vous-même" in page
    assert "téléchargement de mes données" in page
