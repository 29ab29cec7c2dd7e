"""« Mes CV » in Chromium: compose, issue, download, share; a logged-out visitor sees
« valide », then « révoqué » once the holder revokes the link; a tampered PDF uploaded to
/verification/ shows « modifié ». axe-core on each page, screenshots in
``var/captures/cv/``."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from passeport.documents.models import IssuedDocument
from tests.certifiers.builders import deposit_and_process, flux_bytes, row_for
from tests.factories import official_sample_world
from tests.www.chromium import open_page
from tests.www.test_accessibility import AXE, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def page(monkeypatch):
    if not AXE.exists():
        pytest.fail("axe-core manque : lancez « make test » (npm ci) pour l'installer.")
    yield from open_page(monkeypatch, 20_000, accept_downloads=True, bypass_csp=True)


def test_cv_journey_in_chromium(page: Page, live_server, tmp_path, monkeypatch):
    folder = Path(os.environ.get("PASSEPORT_CAPTURES") or PROJECT / "var" / "captures") / "cv"
    folder.mkdir(parents=True, exist_ok=True)
    found: dict[str, list[str]] = {}

    def review(name: str, on: Page = page) -> None:
        on.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        serious = [v for v in violations(on) if "(serious)" in v or "(critical)" in v]
        if serious:
            found[name] = serious

    world = official_sample_world()
    deposit_and_process(flux_bytes([row_for(world["holder"], "cv-1")]), world["depositor"])

    # The holder logs in (demo FranceConnect+) and composes a CV.
    page.goto(live_server.url + "/connexion/")
    page.get_by_role("button", name="S'identifier avec FranceConnect").click()
    page.get_by_label("Antoine Julien Philippe DUPONT", exact=False).check()
    page.get_by_role("button", name="Se connecter avec cette identité").click()
    page.locator("label[for=accepter]").click()
    page.get_by_role("button", name="Continuer").click()
    page.goto(live_server.url + "/mes-cv/")
    review("01-mes-cv")
    page.get_by_role("link", name="Nouveau CV").click()
    page.get_by_label("Titre").fill("Technicien de maintenance automobile")
    page.get_by_label("Présentation").fill("Dix ans d'atelier.")
    page.locator("input[name=elements]").first.check(force=True)
    review("02-composer")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    page.get_by_role("button", name="Émettre « Technicien de maintenance automobile »").click()
    expect(page.get_by_text("est émise et scellée")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Version 1 émise le", exact=False).click()
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    page.get_by_label("Pour (facultatif)").fill("Garage Exemple")
    page.get_by_role("button", name="Créer un lien de partage (version 1)").click()
    message = page.get_by_text("Lien de partage créé").inner_text()
    link = message[message.index("http") :].strip()
    review("03-lien-cree")

    # A logged-out visitor opens the link: « valide ».
    visitor = page.context.browser.new_context(locale="fr-FR", bypass_csp=True).new_page()
    visitor.goto(link)
    expect(visitor.locator("#verdict")).to_contain_text("Document valide")
    review("04-lien-valide", visitor)

    # The holder revokes the link: the visitor sees it revoked.
    page.get_by_role("button", name="Révoquer ce lien").click()
    visitor.goto(link)
    expect(visitor.locator("#verdict")).to_contain_text("révoqué")
    review("05-lien-revoque", visitor)

    # A tampered copy uploaded to /verification/: « modifié ».
    tampered = tmp_path / "cv-modifie.pdf"
    tampered.write_bytes(pdf.replace(b"/Producer", b"/producer", 1))
    visitor.goto(live_server.url + "/verification/")
    review("06-verification", visitor)
    visitor.get_by_label("Document PDF à vérifier").set_input_files(tampered)
    visitor.get_by_role("button", name="Vérifier", exact=True).click()
    expect(visitor.locator("#verdict")).to_contain_text("Document modifié")
    review("07-verdict-modifie", visitor)

    assert IssuedDocument.objects.count() == 1
    assert found == {}
