"""Share links and public verification: valide, révoqué, modifié, émetteur inconnu."""

import re

import pytest
import weasyprint
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passeport.access.models import JournalEntry
from passeport.documents import sharing, verification
from passeport.documents.models import IssuedDocument, ShareLink
from tests.factories import HolderFactory
from tests.www.test_holder_cv import compose
from tests.www.test_holder_space import certification_for, holder_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued():
    holder = HolderFactory(birth_name="Roux", first_name1="Paul")
    cert = certification_for(holder)
    client = holder_client(holder)
    compose(client, cert.pk)
    cv_pk = holder.cvs.get().pk
    client.post(reverse("www:cv-emettre", args=[cv_pk]))
    return client, IssuedDocument.objects.get()


def share(client, document, **data) -> str:
    response = client.post(reverse("www:partager", args=[document.pk]), {"duree": 30, **data})
    assert response.status_code == 302
    page = client.get(reverse("www:mes-cv")).content.decode()
    return re.search(r"/partage/([A-Za-z0-9_-]{40,})/", page).group(1)


def pdf_of(document) -> bytes:
    from passeport.documents import issuance

    return issuance.storage().open(document.stored_name).read()


def test_a_visitor_opens_a_share_link_and_sees_valide_then_revoque(issued):
    client, document = issued
    token = share(client, document, libelle="Entreprise Exemple")
    visitor = Client()
    page = visitor.get(reverse("www:partage", args=[token]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Document valide" in html and "Titre professionnel de démonstration" in html
    assert "Garanti" in html
    pdf = visitor.get(reverse("www:partage", args=[token]) + "?pdf=1")
    assert b"".join(pdf.streaming_content) == pdf_of(document)
    link = ShareLink.objects.get()
    assert link.views == 2
    entry = JournalEntry.objects.filter(holder=document.holder).first()
    assert (entry.actor_kind, entry.purpose) == ("visiteur", "Entreprise Exemple")
    journal_page = client.get(reverse("www:mes-donnees")).content.decode()
    assert "une personne munie de votre lien de partage" in journal_page

    client.post(reverse("www:lien-revoquer", args=[link.pk]))
    gone = visitor.get(reverse("www:partage", args=[token]))
    assert gone.status_code == 410
    assert "Ce lien de partage a été révoqué par son titulaire." in gone.content.decode()


def test_an_expired_link_and_an_unknown_token(issued):
    client, document = issued
    token = share(client, document)
    ShareLink.objects.update(expires_at=timezone.now())
    assert Client().get(reverse("www:partage", args=[token])).status_code == 410
    assert Client().get(reverse("www:partage", args=["x" * 43])).status_code == 404


def test_an_access_code_protects_the_link_and_locks_it_after_ten_wrong_codes(issued):
    client, document = issued
    token = share(client, document, code="soleil-42")
    url = reverse("www:partage", args=[token])
    visitor = Client()
    assert "Code d'accès" in visitor.get(url).content.decode()
    assert visitor.post(url, {"code": "faux"}).status_code == 403
    assert "Document valide" in visitor.post(url, {"code": "soleil-42"}).content.decode()
    for _ in range(sharing.MAX_FAILED_CODES):
        visitor.post(url, {"code": "faux"})
    assert visitor.post(url, {"code": "soleil-42"}).status_code == 410


def test_uploading_pdfs_to_the_verification_page(issued):
    _, document = issued
    pdf = pdf_of(document)
    page = Client().post(reverse("www:verification"), {"fichier": _file(pdf)})
    assert "Document valide" in page.content.decode()
    tampered = bytearray(pdf)
    tampered[pdf.index(b"/Producer") + 1] = ord("p")
    page = Client().post(reverse("www:verification"), {"fichier": _file(bytes(tampered))})
    assert "Document modifié" in page.content.decode()
    unsealed = weasyprint.HTML(string="<p>CV fait maison</p>").write_pdf()
    page = Client().post(reverse("www:verification"), {"fichier": _file(unsealed)})
    assert "Émetteur inconnu" in page.content.decode()
    page = Client().post(reverse("www:verification"), {"fichier": _file(b"GIF89a...")})
    assert "ce fichier n&#x27;est pas un PDF" in page.content.decode()
    assert Client().post(reverse("www:verification"), {}).status_code == 400


def test_a_revoked_document_is_revoque_and_the_qr_code_page_says_so(issued):
    _, document = issued
    IssuedDocument.objects.filter(pk=document.pk).update(revoked_at=timezone.now())
    document.refresh_from_db()
    assert verification.verify_pdf(pdf_of(document)).verdict == "révoqué"
    uid = document.credential_id.removeprefix("urn:uuid:")
    assert "Document révoqué" in Client().get(f"/v/{uid}").content.decode()


def test_the_attached_credential_verifies_alone(issued):
    _, document = issued
    assert verification.verify_credential(document.credential).verdict == "valide"
    forged = {**document.credential, "name": "Autre titre"}
    assert verification.verify_credential(forged).verdict == "modifié"


def _file(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("document.pdf", data)


def test_the_verification_api_and_cli(issued, tmp_path):
    import json as jsonlib

    from django.core.management import call_command

    _, document = issued
    pdf = pdf_of(document)
    response = Client().post("/api/v1/verification", {"fichier": _file(pdf)})
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "valide" and body["document"]["attestation"] == document.credential_id
    response = Client().post(
        "/api/v1/verification", jsonlib.dumps(document.credential), content_type="application/json"
    )
    assert response.json()["verdict"] == "valide"
    assert Client().post("/api/v1/verification", {}).status_code == 400
    assert "/api/v1/verification" in Client().get("/api/v1/openapi.json").json()["paths"]

    path = tmp_path / "cv.pdf"
    path.write_bytes(pdf)
    call_command("verifier", str(path))  # exit 0: valide
    path.write_bytes(pdf.replace(b"/Producer", b"/producer", 1))
    with pytest.raises(SystemExit) as exited:
        call_command("verifier", str(path))
    assert exited.value.code == 1


def published(url: str) -> dict:
    return Client().get(url.removeprefix("http://127.0.0.1:8000")).json()


def test_the_holder_revokes_a_document_and_the_published_list_says_so(issued):
    from passeport.documents import status_list

    client, document = issued
    assert status_list.status_of(document.credential, published) == {
        "revocation": False,
        "suspension": False,
    }
    client.post(reverse("www:document-revoquer", args=[document.pk]))
    document.refresh_from_db()
    assert document.revoked_at is not None
    assert status_list.status_of(document.credential, published)["revocation"] is True
    assert verification.verify_credential(document.credential).verdict == "révoqué"


def test_the_holder_suspends_then_reinstates_a_document(issued):
    from passeport.documents import status_list

    client, document = issued
    client.post(reverse("www:document-suspendre", args=[document.pk]), {"suspendre": "1"})
    assert status_list.status_of(document.credential, published)["suspension"] is True
    result = verification.verify_pdf(pdf_of(document))
    assert result.verdict == "révoqué"
    assert {"controle": "non suspendu", "ok": False, "detail": "suspendu par son titulaire"} in (
        result.checks
    )
    client.post(reverse("www:document-suspendre", args=[document.pk]), {"suspendre": "0"})
    assert status_list.status_of(document.credential, published)["suspension"] is False
    assert verification.verify_pdf(pdf_of(document)).verdict == "valide"
    assert Client().get("/statuts/autre").status_code == 404


def test_a_single_certification_attestation_is_sealed_and_verifies():
    holder = HolderFactory()
    cert = certification_for(holder)
    client = holder_client(holder)
    client.post(reverse("www:attestation-certification", args=[cert.pk]))
    document = IssuedDocument.objects.get(kind=IssuedDocument.Kind.ATTESTATION)
    assert document.title == "Attestation : Titre professionnel de démonstration"
    assert "urn:passeport:CertificationAttestation" in document.credential["type"]
    result = verification.verify_pdf(pdf_of(document))
    assert result.verdict == "valide" and result.document["elements"][0]["garanti"]
    assert "Attestation : Titre professionnel" in client.get(reverse("www:mes-cv")).content.decode()
    other = holder_client(HolderFactory())
    assert other.post(reverse("www:attestation-certification", args=[cert.pk])).status_code == 404


def test_linkedin_add_to_profile_points_to_a_revocable_share_link():
    import urllib.parse

    holder = HolderFactory()
    cert = certification_for(holder, certifier_name="Ministère & Co", valid_until=None)
    client = holder_client(holder)
    page = client.post(reverse("www:linkedin", args=[cert.pk])).content.decode()
    url = re.search(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', page).group(1)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url.replace("&amp;", "&")).query)
    assert query["startTask"] == ["CERTIFICATION_NAME"]
    assert query["name"] == ["Titre professionnel de démonstration"]
    assert query["organizationName"] == ["Ministère & Co"]  # encoded, not broken by the &
    assert (query["issueYear"], query["issueMonth"]) == (["2024"], ["6"])
    assert "expirationYear" not in query
    token = query["certUrl"][0].rstrip("/").rsplit("/", 1)[1]
    link = sharing.find(token)
    assert link is not None and link.label == "LinkedIn"
    assert query["certId"] == [link.document.credential_id]


def test_guessing_tokens_is_refused_after_a_while(issued):
    client, document = issued
    token = share(client, document)
    visitor = Client()
    for i in range(sharing.MISSES_ALLOWED):
        assert visitor.get(reverse("www:partage", args=[f"devine{i:040d}"])).status_code == 404
    assert visitor.get(reverse("www:partage", args=["devine-encore"])).status_code == 429
    assert visitor.get(reverse("www:partage", args=[token])).status_code == 429  # even a good one


def test_a_huge_file_gets_a_clear_refusal(issued, monkeypatch):
    _, document = issued
    monkeypatch.setattr(verification, "MAX_BYTES", 1000)
    page = Client().post(reverse("www:verification"), {"fichier": _file(pdf_of(document))})
    assert page.status_code == 400
    assert "fichier trop volumineux (20 Mo au plus)" in page.content.decode()
    response = Client().post("/api/v1/verification", {"fichier": _file(pdf_of(document))})
    assert response.status_code == 413
    assert response.json()["code"] == "trop_volumineux"
