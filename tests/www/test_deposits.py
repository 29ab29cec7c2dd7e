"""The certifiers' portal pages: list, upload, detail, downloads, progress, permissions."""

import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from lxml import etree

from passeport.certifiers import processing, services
from passeport.certifiers.accuse import read_report
from passeport.certifiers.models import (
    Channel,
    Deposit,
    DepositStatus,
    DepositWarning,
    PassageResult,
)
from passeport.core import progress
from passeport.core.errors import InputError
from tests.conftest import OFFICIAL_SAMPLE
from tests.factories import OrganisationFactory, official_sample_world
from tests.www.conftest import make_deposit, make_staff, table_rows, verified_client

SAMPLE_IDS = [
    "db855769-bcd6-4253-93cf-e666db666c0a",
    "10c54fd2-f3a3-4dea-b975-4d7258bd10b3",
    "0785a873-acf7-4632-ad7b-b11cfff05b13",
]
RECEPTION_NS = "{urn:passeport:accrochage:reception:1.0}"

# Module-level, so that tests/conftest.py extends it to every database alias (``progress``).
pytestmark = pytest.mark.django_db


def url(name: str, deposit: Deposit | None = None) -> str:
    return reverse(f"www:{name}", args=[deposit.pk] if deposit else [])


# --- List ---------------------------------------------------------------------------------


def test_list_shows_only_the_organisations_deposits_newest_first(staff, client_of):
    older = make_deposit(staff.organisation, name="ancien.xml")
    newer = make_deposit(
        staff.organisation,
        name="recent.xml",
        status=DepositStatus.DONE_KO,
        passages_ok=7,
        passages_ko=2,
        warnings_count=3,
        report_name="rapports/x",
    )
    other = make_deposit(OrganisationFactory(), name="autre-organisme.xml")
    response = client_of.get(url("depots"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "autre-organisme.xml" not in html
    assert html.index("recent.xml") < html.index("ancien.xml")
    assert [d.pk for d in response.context["page"].object_list] == [newer.pk, older.pk]
    assert "Traité avec erreurs" in html and "Reçu, en attente de traitement" in html
    rows = table_rows(html, "Dépôts de")
    assert [row[1] for row in rows] == [
        f"recent.xml (dépôt n° {newer.pk})",
        f"ancien.xml (dépôt n° {older.pk})",
    ]
    assert rows[0][3:7] == ["Traité avec erreurs", "7", "2", "3"]
    assert (
        rows[1][3:7] == ["Reçu, en attente de traitement"] + ["—en attente"] * 3
    )  # the dash is aria-hidden
    assert url("depot", newer) in html
    assert url("accuse-traitement", newer) in html
    assert url("accuse-traitement", older) not in html  # not processed yet
    assert url("depot", other) not in html


def test_list_is_paginated(staff, client_of):
    for i in range(23):
        make_deposit(staff.organisation, data=f"<flux n='{i}'/>".encode(), name=f"f{i:02d}.xml")
    first = client_of.get(url("depots"))
    assert len(first.context["page"].object_list) == 20
    assert 'href="?page=2#tableau-depots"' in first.content.decode()
    second = client_of.get(url("depots") + "?page=2")
    assert [d.file_name for d in second.context["page"].object_list] == [
        "f02.xml",
        "f01.xml",
        "f00.xml",
    ]


def test_list_queries_do_not_grow_with_the_number_of_deposits(staff, client_of):
    make_deposit(staff.organisation)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client_of.get(url("depots")).status_code == 200
        return len(ctx.captured_queries)

    with_one = count()
    for i in range(30):
        make_deposit(
            staff.organisation,
            data=f"<flux n='{i}'/>".encode(),
            status=DepositStatus.DONE_OK,
            report_name="rapports/x",
        )
    assert count() == with_one
    # session, user, OTP device, membership, organisation, count, page, DSFR config (2)
    assert with_one <= 9


# --- Permissions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["depot", "depot-progression", "accuse-reception", "accuse-traitement"]
)
def test_another_organisations_deposit_is_not_found(client_of, name):
    foreign = make_deposit(
        OrganisationFactory(), status=DepositStatus.DONE_OK, report_name="rapports/x"
    )
    response = client_of.get(url(name, foreign))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["depot", "accuse-reception", "accuse-traitement"])
def test_pages_need_a_verified_session(staff, name):
    deposit = make_deposit(staff.organisation)
    response = Client().get(url(name, deposit))
    assert response.status_code == 302
    assert response["Location"].startswith(url("connexion"))


def test_progress_answers_401_in_json_without_a_session(staff):
    deposit = make_deposit(staff.organisation)
    response = Client().get(url("depot-progression", deposit))
    assert response.status_code == 401
    assert response.json() == {"erreur": "Votre session a expiré : reconnectez-vous."}


# --- Upload -------------------------------------------------------------------------------


def test_upload_creates_a_deposit_and_queues_its_processing(
    staff, client_of, django_capture_on_commit_callbacks
):
    upload = io.BytesIO(OFFICIAL_SAMPLE.read_bytes())
    upload.name = "flux-juin.xml"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of.post(url("deposer"), {"fichier": upload}, follow=True)
    deposit = Deposit.objects.get()
    assert response.redirect_chain == [(url("depot", deposit), 302)]
    assert (deposit.depositor, deposit.uploaded_by, deposit.channel) == (
        staff.organisation,
        staff.user,
        Channel.PORTAL,
    )
    assert (deposit.file_name, deposit.size) == ("flux-juin.xml", OFFICIAL_SAMPLE.stat().st_size)
    assert deposit.status == DepositStatus.RECEIVED
    task = DBTaskResult.objects.get()
    assert task.task_path == "passeport.certifiers.tasks.process_deposit"
    assert task.args_kwargs == {"args": [deposit.pk], "kwargs": {}}
    html = response.content.decode()
    assert f"Fichier « flux-juin.xml » reçu : dépôt n° {deposit.pk}." in html
    assert deposit.sha256 in html  # the accusé de réception's content, on the page
    assert url("accuse-reception", deposit) in html


def test_upload_form_is_labelled_and_states_the_size_limit(client_of):
    html = client_of.get(url("deposer")).content.decode()
    assert '<label class="fr-label" for="id_fichier">' in html
    assert "Taille maximale : 200 Mo." in html
    assert 'enctype="multipart/form-data"' in html


def test_upload_without_a_file_says_so(client_of):
    response = client_of.post(url("deposer"), {})
    assert response.status_code == 200
    assert "Choisissez le fichier XML à déposer." in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Deposit.objects.exists()


def test_upload_over_the_size_limit_is_refused_before_storing(client_of, settings):
    settings.PASSEPORT = {**settings.PASSEPORT, "DEPOSIT_MAX_BYTES": 100}
    upload = io.BytesIO(b"<flux>" + b" " * 200 + b"</flux>")
    upload.name = "gros.xml"
    response = client_of.post(url("deposer"), {"fichier": upload})
    html = response.content.decode()
    assert "Le fichier dépasse la taille maximale autorisée (100 octets)." in html
    assert "Choisissez le fichier" not in html
    assert "<title>Erreur : Déposer un fichier — Passeport</title>" in html
    assert not Deposit.objects.exists()


def test_service_refusals_are_form_errors(client_of, monkeypatch):
    def refuse(*args, **kwargs):
        raise InputError("Le dépôt est momentanément fermé.")

    monkeypatch.setattr(services, "receive", refuse)
    upload = io.BytesIO(b"<flux/>")
    upload.name = "f.xml"
    response = client_of.post(url("deposer"), {"fichier": upload})
    assert response.status_code == 200
    assert 'id="id_fichier_error"' in response.content.decode()
    assert "Le dépôt est momentanément fermé." in response.content.decode()


# --- Detail -------------------------------------------------------------------------------


def test_detail_lists_ko_passages_paginated_and_warnings(staff, client_of):
    deposit = make_deposit(
        staff.organisation,
        status=DepositStatus.DONE_KO,
        passages_total=62,
        passages_ok=2,
        passages_ko=60,
        warnings_count=1,
    )
    PassageResult.objects.bulk_create(
        PassageResult(
            deposit=deposit,
            index=i,
            line=10 * i,
            id_technique=f"id-{i:03d}",
            message=f"Aucun titulaire ne correspond ({i})",
        )
        for i in range(60)
    )
    DepositWarning.objects.create(
        deposit=deposit, line=12, column=5, id_technique="id-001", message="Remarque utile"
    )
    response = client_of.get(url("depot", deposit))
    html = response.content.decode()
    assert "Traité avec erreurs" in html
    assert "Passages refusés (60, page 1 sur 2)" in html
    ko = table_rows(html, "Passages refusés")
    assert len(ko) == 50
    assert ko[49] == ["490", "id-049", "Aucun titulaire ne correspond (49)"]
    assert "id-050" not in html
    assert "id-060" not in html  # OK passages are not listed
    assert 'href="?ko=2#passages-ko"' in html
    assert table_rows(html, "Avertissements") == [["12", "5", "id-001", "Remarque utile"]]
    assert "data-progression-url" not in html  # final: no polling
    page2 = client_of.get(url("depot", deposit) + "?ko=2").content.decode()
    assert table_rows(page2, "Passages refusés")[-1][:2] == ["590", "id-059"]
    assert "id-049" not in page2


def test_detail_of_a_rejected_file_lists_its_errors_with_line_and_column(staff, client_of):
    deposit = make_deposit(
        staff.organisation,
        status=DepositStatus.REJECTED,
        file_errors=[
            {
                "type": "XSD",
                "message": "Contenu non autorisé dans le prologue.",
                "line": 1,
                "column": 1,
            },
            {"type": "METIER", "message": "Le contrat est inconnu", "line": 14, "column": 9},
        ],
    )
    html = client_of.get(url("depot", deposit)).content.decode()
    assert "Erreurs du fichier" in html
    assert table_rows(html, "Erreurs du fichier") == [
        ["XSD", "1", "1", "Contenu non autorisé dans le prologue."],
        ["METIER", "14", "9", "Le contrat est inconnu"],
    ]
    assert "Passages refusés" not in html


def test_detail_of_a_deposit_in_progress_polls_its_progress(staff, client_of):
    deposit = make_deposit(staff.organisation, status=DepositStatus.PROCESSING)
    progress.report(
        processing.progress_key(deposit.pk), phase="traitement", percent=40, passages=1000
    )
    html = client_of.get(url("depot", deposit)).content.decode()
    assert f'data-progression-url="{url("depot-progression", deposit)}"' in html
    assert 'value="40"' in html
    assert 'role="status" aria-live="polite"' in html
    assert "/static/www/depot-progression.js" in html
    assert "Traitement en cours : 40 % du fichier lu" in html
    progress.clear(processing.progress_key(deposit.pk))


# --- Progress JSON ------------------------------------------------------------------------


def test_progress_json_follows_the_deposit(staff, client_of):
    deposit = make_deposit(staff.organisation)
    progress_url = url("depot-progression", deposit)
    response = client_of.get(progress_url)
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    assert response.json() == {
        "id": deposit.pk,
        "status": "recu",
        "status_label": "Reçu, en attente de traitement",
        "final": False,
        "progress": None,
        "message": "Fichier reçu, en attente de traitement.",
    }

    Deposit.objects.filter(pk=deposit.pk).update(status=DepositStatus.PROCESSING)
    key = processing.progress_key(deposit.pk)
    progress.report(key, phase="traitement", percent=40, passages=1000)
    data = client_of.get(progress_url).json()
    assert (data["status"], data["final"]) == ("en_cours", False)
    assert data["progress"] == {"phase": "traitement", "percent": 40, "passages": 1000}
    assert data["message"] == (
        "Traitement en cours : 40 % du fichier lu, 1\xa0000 passage(s) traité(s)."
    )

    progress.clear(key)
    Deposit.objects.filter(pk=deposit.pk).update(status=DepositStatus.DONE_OK)
    data = client_of.get(progress_url).json()
    assert (data["status"], data["final"], data["progress"]) == ("traite", True, None)
    assert data["message"] == "Traitement terminé : Traité avec succès."


# --- Downloads ----------------------------------------------------------------------------


def test_reception_receipt_download(staff, client_of):
    deposit = make_deposit(staff.organisation, data=b"<flux/>", name="juin.xml")
    response = client_of.get(url("accuse-reception", deposit))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    day = timezone.localdate(deposit.received_at).strftime("%Y%m%d")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Accuse de r')
    assert disposition.isascii()
    assert disposition.endswith(
        f"; filename*=UTF-8''Accus%C3%A9%20de%20r%C3%A9ception_juin.xml_{day}.xml"
    )
    root = etree.fromstring(response.content)
    assert root.findtext(f"{RECEPTION_NS}idDepot") == str(deposit.pk)
    assert root.findtext(f"{RECEPTION_NS}nomFichier") == "juin.xml"
    assert root.findtext(f"{RECEPTION_NS}sha256") == deposit.sha256
    assert root.findtext(f"{RECEPTION_NS}taille") == "7"


def test_processing_report_is_not_found_before_processing(staff, client_of):
    deposit = make_deposit(staff.organisation)
    assert client_of.get(url("accuse-traitement", deposit)).status_code == 404


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_processing_report_download_after_the_pipeline(official_sample_bytes):
    world = official_sample_world()
    staff = make_staff(world["depositor"])
    client = verified_client(staff)
    deposit = make_deposit(
        world["depositor"], official_sample_bytes, "Fichier_XML_v2.0.0__official-sample.xml"
    )
    processing.process(deposit.pk)
    deposit.refresh_from_db()

    response = client.get(url("accuse-traitement", deposit))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    name = deposit.report_file_name
    assert name.startswith("Accusé de traitement_Fichier_XML_v2.0.0__official-sample.xml_")
    assert response["Content-Disposition"] == (
        f'attachment; filename="Accuse de traitement_{name[21:]}"; '
        f"filename*=UTF-8''Accus%C3%A9%20de%20traitement_{name[21:]}"
    )
    body = b"".join(response.streaming_content)
    assert body == services.report_bytes(deposit)
    assert read_report(body).ok == SAMPLE_IDS

    html = client.get(url("depot", deposit)).content.decode()
    assert "Traité avec succès" in html
    assert '<strong id="passages-ok">3</strong>' in html
    assert "Aucun passage refusé." in html
    assert "natureDeposant vaut CERTIFICATEUR" in html  # one of its 4 warnings


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_file_that_is_not_xml_is_answered_with_its_errors():
    staff = make_staff()
    client = verified_client(staff)
    deposit = make_deposit(staff.organisation, b"ceci n'est pas du XML", "notes.txt")
    processing.process(deposit.pk)
    html = client.get(url("depot", deposit)).content.decode()
    assert "Traitement avec erreurs (fichier rejeté)" in html
    assert table_rows(html, "Erreurs du fichier")[0][:3] == ["XSD", "1", "1"]
    assert url("accuse-traitement", deposit) in html


def test_size_limit_handler_drops_a_file_as_soon_as_it_is_too_large():
    from django.core.files.uploadhandler import SkipFile

    from passeport.www.certifier.uploads import SizeLimitHandler

    handler = SizeLimitHandler(limit=10)
    assert handler.receive_data_chunk(b"12345", 0) == b"12345"
    assert handler.receive_data_chunk(b"67890", 5) == b"67890"
    assert not handler.too_large
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"!", 10)
    assert handler.too_large


def test_not_found_pages_are_french(client_of, settings):
    settings.DEBUG = False
    response = client_of.get(url("depot", make_deposit(OrganisationFactory())))
    assert response.status_code == 404
    assert "<h1>Page non trouvée</h1>" in response.content.decode()


def test_upload_still_checks_the_csrf_token(staff):
    client = verified_client(staff)
    client.handler.enforce_csrf_checks = True
    upload = io.BytesIO(b"<flux/>")
    upload.name = "f.xml"
    response = client.post(url("deposer"), {"fichier": upload})
    assert response.status_code == 403
    assert not Deposit.objects.exists()
