"""The holder's space in a real headless Chromium, through the demo FranceConnect+.

Login → terms → tour → « Mon parcours » shows the certification deposited for them →
declare an experience with a PDF attestation → download my data → see the journal →
logout. Every page is scanned with axe-core (WCAG 2.1 A/AA: no serious or critical
violation) and photographed into ``var/captures/titulaire/`` (``PASSEPORT_CAPTURES`` to
choose another folder) for review.
"""

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from passeport.accounts.models import HolderAccount
from passeport.records.models import Attestation, CertificationItem, DeclaredItem
from tests.certifiers.builders import deposit_and_process, flux_bytes, row_for
from tests.factories import official_sample_world
from tests.www.chromium import open_page
from tests.www.test_accessibility import AXE, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

PROJECT = Path(__file__).resolve().parents[2]
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def page(monkeypatch):
    if not AXE.exists():
        pytest.fail("axe-core manque : lancez « make test » (npm ci) pour l'installer.")
    yield from open_page(monkeypatch, 15_000, accept_downloads=True, bypass_csp=True)


class Review:
    """axe-core and a screenshot for every page met."""

    def __init__(self, page: Page):
        self.page = page
        self.folder = Path(os.environ.get("PASSEPORT_CAPTURES") or PROJECT / "var" / "captures")
        self.folder = self.folder / "titulaire"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.found: dict[str, list[str]] = {}
        self.count = 0

    def __call__(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)
        serious = [v for v in violations(self.page) if "(serious)" in v or "(critical)" in v]
        if serious:
            self.found[name] = serious


def test_holder_journey_in_chromium(page: Page, live_server, tmp_path):
    world = official_sample_world()
    holder = world["holder"]
    deposit_and_process(flux_bytes([row_for(holder, "parcours-1")]), world["depositor"])
    assert CertificationItem.objects.filter(holder=holder).count() == 1
    review = Review(page)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"erreur JS : {exc}"))

    page.goto(live_server.url + "/")
    review("accueil")
    page.get_by_role("link", name="Mon passeport").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accéder à mon passeport")
    review("connexion")
    page.get_by_role("button", name="S'identifier avec FranceConnect").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Fournisseur d'identité de démonstration"
    )
    review("fournisseur-demo")
    page.get_by_label("Antoine Julien Philippe DUPONT", exact=False).check()
    page.get_by_role("button", name="Se connecter avec cette identité").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue dans votre passeport")
    review("conditions")
    page.locator("label[for=accepter]").click()  # the DSFR draws the box on the label
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre passeport en quatre espaces")
    review("visite")
    page.get_by_role("link", name="Découvrir mon parcours").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mon parcours")
    main = page.locator("main")
    expect(main.get_by_text("Garanti", exact=True)).to_be_visible()
    certification = CertificationItem.objects.get(holder=holder)
    expect(main.get_by_role("link", name=certification.label)).to_be_visible()
    review("mon-parcours")
    main.get_by_role("link", name=certification.label).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(certification.label)
    expect(page.get_by_text("Identifiant chez l'émetteur")).to_be_visible()
    review("certification")
    page.get_by_role("link", name="Mon parcours").first.click()

    page.get_by_role("link", name="Déclarer un élément").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Déclarer un élément")
    review("declarer")
    page.get_by_label("Nature de l'élément").select_option("experience")
    page.get_by_label("Intitulé").fill("Animateur d'ateliers numériques")
    page.get_by_label("Organisme ou employeur").fill("Association Lien")
    page.get_by_label("Début").fill("2021-09-01")
    page.get_by_label("Fin").fill("2023-06-30")
    pdf = tmp_path / "attestation.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label("Attestation (facultative)").set_input_files(pdf)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Animateur d'ateliers numériques")
    expect(page.get_by_text("L'élément a été ajouté à votre parcours.")).to_be_visible()
    review("element-declare")
    assert Attestation.objects.get().file_name == "attestation.pdf"
    page.get_by_role("link", name="Modifier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Modifier « Animateur d'ateliers numériques »"
    )
    review("modifier")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("link", name="Supprimer", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Supprimer « Animateur d'ateliers numériques » ?"
    )
    review("supprimer")
    page.get_by_role("link", name="Annuler").click()

    page.get_by_role("link", name="Mon parcours").first.click()
    expect(page.locator("main").get_by_text("Déclaré, avec attestation")).to_be_visible()
    review("mon-parcours-complet")

    page.get_by_role("link", name="Mes données").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes données")
    with page.expect_download() as info:
        page.get_by_role("link", name="Télécharger mes données (JSON)").click()
    document = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert [c["idTechnique"] for c in (x["provenance"] for x in document["certifications"])] == [
        "parcours-1"
    ]
    assert document["elementsDeclares"][0]["intitule"] == "Animateur d'ateliers numériques"
    page.reload()
    journal = page.locator("#table-journal")
    expect(journal.get_by_text("Export du passeport")).to_be_visible()
    expect(journal.get_by_text("téléchargement de mes données")).to_be_visible()
    review("mes-donnees")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("link", name="Mon passeport").first).to_be_visible()
    page.goto(live_server.url + "/mon-passeport/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accéder à mon passeport")

    # The pages of a refused login: a stale return, and someone under 16.
    page.goto(live_server.url + "/connexion-retour/?state=perime&code=x")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion refusée")
    review("connexion-refusee")
    page.get_by_role("link", name="Recommencer la connexion").click()
    page.get_by_role("button", name="S'identifier avec FranceConnect").click()
    page.locator("label", has_text="JEUNE").click()
    page.get_by_role("button", name="Se connecter avec cette identité").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passeport non accessible")
    review("non-eligible")

    assert problems == []
    assert HolderAccount.objects.get().holder == holder
    assert DeclaredItem.objects.count() == 1
    assert review.found == {}
    assert review.count == 15
