"""Issuing a CV end to end: VC signed, PDF rendered with the VC attached, sealed, registered,
logged; a new version supersedes the previous one."""

import io
import shutil
import subprocess
from datetime import date

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from passeport.documents import issuance, rendering, sealing, transparency, vc_model
from passeport.documents.models import Cv, IssuedDocument
from passeport.records import declared
from tests.factories import HolderFactory
from tests.www.test_holder_space import certification_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def cv():
    holder = HolderFactory(birth_name="Morel", first_name1="Lise")
    cert = certification_for(holder)
    item = declared.create(
        holder, {"kind": "experience", "title": "Animatrice", "start": date(2021, 9, 1)}
    )
    return Cv.objects.create(
        holder=holder,
        title="Animatrice numérique",
        summary="Dix ans d'ateliers.",
        email="lise.morel@example.org",
        items=[{"source": "certification", "pk": cert.pk}, {"source": "declare", "pk": item.pk}],
    )


def test_an_issued_cv_is_sealed_signed_registered_and_logged(cv):
    document = issuance.issue_cv(cv)
    pdf = issuance.storage().open(document.stored_name).read()
    assert sealing.check(pdf).valid
    ok, problems = vc_model.verify(document.credential)
    assert ok, problems
    items = document.credential["credentialSubject"]["urn:passeport:items"]
    assert [i["urn:passeport:trust"] for i in items] == ["garanti", "declare"]
    reader = PdfFileReader(io.BytesIO(pdf))
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    assert "cv.json" in [str(names[i]) for i in range(0, len(names), 2)]
    proof = transparency.inclusion(document.log_index, document.log_index + 1)
    assert proof["feuille"]["document"] == document.sha256
    assert transparency.check_inclusion(proof)


def test_a_new_version_supersedes_the_previous_one(cv):
    first = issuance.issue_cv(cv)
    cv.title = "Animatrice et formatrice"
    cv.save()
    second = issuance.issue_cv(cv)
    first.refresh_from_db()
    assert (first.version, second.version) == (1, 2)
    assert first.superseded_by == second
    assert second.status_index != first.status_index


def test_a_cv_without_items_is_not_issued(cv):
    cv.items = []
    with pytest.raises(issuance.IssueError, match="au moins un élément"):
        issuance.issue_cv(cv)
    assert not IssuedDocument.objects.exists()


def test_hidden_items_stay_out_of_the_cv(cv):
    declared.set_hidden(cv.holder, "declare", cv.items[1]["pk"], True)
    entries = issuance.selected_entries(cv)
    assert [e.source for e in entries] == ["certification"]


def test_the_qr_code_of_an_issued_cv_opens_its_verification_page(cv, tmp_path):
    """Scanned from the printed page (poppler renders it, zbar reads it), as a phone would."""
    assert shutil.which("pdftoppm") and shutil.which("zbarimg"), "make system-deps les installe"
    document = issuance.issue_cv(cv)
    path = tmp_path / "cv.pdf"
    path.write_bytes(issuance.storage().open(document.stored_name).read())
    subprocess.run(
        ["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "page")],
        check=True,
    )
    scanned = subprocess.run(
        ["zbarimg", "-q", "--raw", str(next(tmp_path.glob("page*.png")))],
        capture_output=True,
        text=True,
        check=True,
    )
    assert scanned.stdout.strip() == issuance.verify_url(document.credential_id)


@pytest.mark.parametrize("look", ["../commun", "inconnu", ""])
def test_only_the_known_looks_render(look):
    with pytest.raises(ValueError, match="modèle de document inconnu"):
        rendering.html_to_pdf("<p>CV</p>", look, [])
