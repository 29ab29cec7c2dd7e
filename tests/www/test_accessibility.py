"""Automated accessibility checks (axe-core, WCAG 2.1 A and AA) of the portal's pages in
Chromium. axe finds a part of what an RGAA audit covers, not all of it."""

import json
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from passeport.accounts.services import current_code
from tests.certifiers.builders import deposit_and_process, flux_bytes, row_for
from tests.factories import HolderFactory, official_sample_world
from tests.www.chromium import open_page
from tests.www.conftest import PASSWORD, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def page(monkeypatch):
    if not AXE.exists():
        pytest.fail("axe-core manque : lancez « make test » (npm ci) pour l'installer.")
    yield from open_page(monkeypatch, bypass_csp=True)


def violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: "
        "{type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}) : {v['help']} — "
        + json.dumps([n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
    ]


def test_portal_pages_have_no_wcag_violation(page: Page, live_server):
    world = official_sample_world()
    staff = make_staff(world["depositor"], "agent-a11y")
    stranger = HolderFactory.build(birth_name="Inconnu", first_name1="Personne")
    rows = [
        row_for(world["holder"], "ok-1"),
        row_for(stranger, "ko-1", voie_acces_vae="CONGES_VAE"),
    ]
    deposit = deposit_and_process(flux_bytes(rows), world["depositor"])

    found: dict[str, list[str]] = {}
    page.goto(live_server.url + "/")
    found["accueil"] = violations(page)
    page.goto(live_server.url + reverse("www:connexion"))
    page.get_by_label("Identifiant", exact=True).fill("agent-a11y")
    page.get_by_label("Mot de passe").fill("faux")
    page.get_by_role("button", name="Se connecter").click()
    found["connexion (erreur)"] = violations(page)
    page.get_by_label("Identifiant", exact=True).fill("agent-a11y")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_label("Code de vérification").fill(current_code(staff.account.device))
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/depots/")
    found["mes dépôts"] = violations(page)
    page.goto(live_server.url + reverse("www:deposer"))
    found["déposer"] = violations(page)
    page.goto(live_server.url + reverse("www:depot", args=[deposit.pk]))
    found["détail"] = violations(page)
    assert {name: v for name, v in found.items() if v} == {}


def test_the_checker_does_see_violations(page: Page):
    """Guard against a silent harness: a page with known faults must be reported."""
    page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')
    ids = {v.split(" ")[0] for v in violations(page)}
    assert {"image-alt", "label", "html-has-lang"} <= ids
