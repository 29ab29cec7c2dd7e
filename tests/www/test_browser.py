"""The certifiers' portal in a real headless Chromium: log in with a TOTP code, deposit the
CDC's official sample, watch its processing end (the page follows it by itself), download
the accusé de traitement.

Set ``PASSEPORT_CAPTURES=/some/folder`` to keep screenshots of the pages.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from passeport.accounts.services import current_code
from passeport.certifiers.accuse import read_report
from passeport.certifiers.models import Deposit, DepositStatus
from tests.conftest import OFFICIAL_SAMPLE
from tests.factories import official_sample_world
from tests.www.chromium import open_page
from tests.www.conftest import PASSWORD, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

SAMPLE_IDS = [
    "db855769-bcd6-4253-93cf-e666db666c0a",
    "10c54fd2-f3a3-4dea-b975-4d7258bd10b3",
    "0785a873-acf7-4632-ad7b-b11cfff05b13",
]


@pytest.fixture
def page(monkeypatch):
    yield from open_page(monkeypatch, accept_downloads=True)


def capture(page: Page, name: str) -> None:
    if folder := os.environ.get("PASSEPORT_CAPTURES"):
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_deposit_the_official_sample_and_download_its_accuse(page: Page, live_server, tmp_path):
    world = official_sample_world()
    staff = make_staff(world["depositor"], "agent-ab123cde")
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"erreur JS : {exc}"))
    page.on(
        "console",
        lambda msg: problems.append(f"console : {msg.text}") if msg.type == "error" else None,
    )

    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")  # the first stop is the skip link to the content
    expect(page.locator(":focus")).to_have_text("Contenu")
    expect(page.locator(":focus")).to_have_attribute("href", "#content")
    page.locator("main").get_by_role("link", name="Espace certificateurs").click()
    expect(page).to_have_title("Connexion — Passeport")
    page.get_by_label("Identifiant", exact=True).fill("agent-ab123cde")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_label("Code de vérification").fill(current_code(staff.account.device))
    capture(page, "1-connexion")
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mes dépôts")
    page.locator("main").get_by_role("link", name="Déposer un fichier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Déposer un fichier")
    page.get_by_label("Fichier XML à déposer").set_input_files(OFFICIAL_SAMPLE)
    page.get_by_role("button", name="Déposer le fichier").click()

    deposit = Deposit.objects.get(depositor=world["depositor"])
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dépôt n° {deposit.pk}")
    expect(page.get_by_text(f"reçu : dépôt n° {deposit.pk}")).to_be_visible()
    expect(page.locator("#statut-depot")).to_have_text("Reçu, en attente de traitement")
    expect(page.get_by_role("status").filter(has_text="en attente")).to_be_visible()
    expect(page.get_by_label("Avancement du traitement")).to_be_visible()
    capture(page, "2-depot-recu")

    # The worker takes the queued task; the page, polling, reloads itself once it is done.
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.DONE_OK
    expect(page.locator("#statut-depot")).to_have_text("Traité avec succès", timeout=15_000)
    expect(page.locator("#passages-ok")).to_have_text("3")
    expect(page.locator("#passages-ko-nombre")).to_have_text("0")
    expect(page.get_by_label("Avancement du traitement")).to_have_count(0)
    capture(page, "3-depot-traite")

    with page.expect_download() as info:
        page.get_by_role("link", name="Télécharger l'accusé de traitement").click()
    download = info.value
    assert download.suggested_filename == deposit.report_file_name
    saved = tmp_path / "accuse.xml"
    download.save_as(saved)
    report = read_report(saved.read_bytes())
    assert report.ok == SAMPLE_IDS
    assert report.id_traitement == deposit.pk

    page.get_by_role("link", name="Mes dépôts").first.click()
    row = page.get_by_role("row").filter(has_text="Fichier_XML_v2.0.0__official-sample.xml")
    expect(row).to_contain_text("Traité avec succès")
    capture(page, "4-liste")
    assert problems == []
