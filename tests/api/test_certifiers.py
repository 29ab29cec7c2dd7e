"""The certifiers' API as a depositing organisation's program sees it: a file in, a receipt
out, then the status and the accusé de traitement."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from lxml import etree

from passeport.accounts.models import ApiToken
from passeport.accounts.services import issue_token
from passeport.api.errors import INVALID_TOKEN, MISSING_CREDENTIALS
from passeport.certifiers import services
from passeport.certifiers.accuse import read_report
from passeport.certifiers.models import Channel, Deposit, DepositStatus, DepositWarning
from passeport.certifiers.processing import progress_key
from passeport.core import progress
from passeport.core.downloads import content_disposition
from tests.conftest import OFFICIAL_SAMPLE
from tests.factories import OrganisationFactory, official_sample_world

SAMPLE_NAME = OFFICIAL_SAMPLE.name
SAMPLE_IDS = [
    "db855769-bcd6-4253-93cf-e666db666c0a",
    "10c54fd2-f3a3-4dea-b975-4d7258bd10b3",
    "0785a873-acf7-4632-ad7b-b11cfff05b13",
]
RECEPTION_NS = "urn:passeport:accrochage:reception:1.0"
# Every alias: progress is read through a second connection to the same database.
DB = pytest.mark.django_db(databases="__all__")
PIPELINE = pytest.mark.django_db(transaction=True, databases="__all__")


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def upload(client, token: str, data: bytes, name: str = SAMPLE_NAME):
    fichier = SimpleUploadedFile(name, data, content_type="application/xml")
    return client.post("/api/v1/depots", {"fichier": fichier}, headers=bearer(token))


def received(org, data: bytes = b"<x/>", name: str = "flux.xml") -> Deposit:
    """A deposit of ``org`` received but not queued (as if the worker had not run yet)."""
    return services.receive(io.BytesIO(data), name, Channel.API, org, enqueue=False).deposit


@pytest.fixture
def org(db):
    return OrganisationFactory(bcr="AB123CDE", is_certifier=False)


@pytest.fixture
def token(org) -> str:
    return issue_token(org, "test")


# ---------------------------------------------------------------------------------------
# Authentication


@DB
def test_no_token_is_401_with_a_french_message(client):
    response = client.post("/api/v1/depots")
    assert response.status_code == 401
    assert response.json() == {"code": "authentification_requise", "message": MISSING_CREDENTIALS}
    assert response["WWW-Authenticate"] == 'Bearer realm="passeport"'
    assert client.get("/api/v1/depots/1").status_code == 401


@DB
@pytest.mark.parametrize(
    "header",
    ["Bearer ppt_inconnu", "Bearer ", "Basic dXNlcjpwYXNz", "ppt_sans_schema"],
)
def test_bad_token_is_401(client, token, header):
    response = client.get("/api/v1/depots/1", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json() == {"code": "jeton_invalide", "message": INVALID_TOKEN}


@DB
def test_revoked_token_is_401(client, token):
    assert client.get("/api/v1/depots/1", headers=bearer(token)).status_code == 404
    ApiToken.objects.update(revoked=True)
    response = client.get("/api/v1/depots/1", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["message"] == INVALID_TOKEN


@DB
def test_use_of_a_token_is_recorded(client, token):
    assert ApiToken.objects.get().last_used_at is None
    client.get("/api/v1/depots/1", headers=bearer(token))
    used = ApiToken.objects.get().last_used_at
    assert used is not None and (timezone.now() - used).total_seconds() < 60


# ---------------------------------------------------------------------------------------
# Upload


@DB
def test_upload_answers_the_receipt_and_queues_processing(
    client, org, token, official_sample_bytes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, token, official_sample_bytes)
    assert response.status_code == 201, response.content
    body = response.json()
    deposit = Deposit.objects.get()
    assert deposit.depositor == org and deposit.channel == Channel.API
    assert body["id"] == deposit.pk
    assert body["nomFichier"] == SAMPLE_NAME
    assert body["sha256"] == hashlib.sha256(official_sample_bytes).hexdigest()
    assert body["taille"] == len(official_sample_bytes)
    assert body["statut"] == {"code": "recu", "libelle": "Reçu, en attente de traitement"}
    assert body["liens"] == {
        "statut": f"/api/v1/depots/{deposit.pk}",
        "accuseTraitement": f"/api/v1/depots/{deposit.pk}/accuse-traitement",
        "accuseReception": f"/api/v1/depots/{deposit.pk}/accuse-reception",
    }
    assert response["Location"] == f"/api/v1/depots/{deposit.pk}"
    task = DBTaskResult.objects.get()
    assert task.task_path == "passeport.certifiers.tasks.process_deposit"
    assert task.args_kwargs == {"args": [deposit.pk], "kwargs": {}}

    # The XML accusé de réception says the same thing.
    xml = client.get(body["liens"]["accuseReception"], headers=bearer(token))
    assert xml.status_code == 200
    assert xml["Content-Type"] == "application/xml"
    assert xml.content == services.reception_xml(deposit)
    day = timezone.localdate(deposit.received_at)
    assert xml["Content-Disposition"].endswith(
        "filename*=UTF-8''Accus%C3%A9%20de%20r%C3%A9ception_"
        f"Fichier_XML_v2.0.0__official-sample.xml_{day:%Y%m%d}.xml"
    )
    root = etree.fromstring(xml.content)
    assert root.tag == f"{{{RECEPTION_NS}}}accuseReception"
    fields = {etree.QName(el).localname: el.text for el in root}
    assert fields["idDepot"] == str(body["id"])
    assert fields["nomFichier"] == body["nomFichier"]
    assert fields["sha256"] == body["sha256"]
    assert fields["taille"] == str(body["taille"])
    assert timezone.datetime.fromisoformat(fields["recuLe"]) == timezone.datetime.fromisoformat(
        body["recuLe"]
    )


@DB
def test_oversize_file_is_413_and_nothing_is_kept(client, token, settings):
    settings.PASSEPORT = {**settings.PASSEPORT, "DEPOSIT_MAX_BYTES": 10}
    response = upload(client, token, b"<flux>" + b" " * 100 + b"</flux>")
    assert response.status_code == 413
    assert response.json() == {
        "code": "fichier_trop_volumineux",
        "message": "Le fichier dépasse la taille maximale autorisée (10 octets).",
    }
    assert not Deposit.objects.exists()
    assert not DBTaskResult.objects.exists()


@DB
def test_upload_above_the_memory_threshold_streams_from_a_temporary_file(client, token, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    data = b"<flux>" + b"x" * 50_000 + b"</flux>"
    response = upload(client, token, data)
    assert response.status_code == 201
    assert response.json()["sha256"] == hashlib.sha256(data).hexdigest()


@DB
def test_missing_file_is_422_with_a_french_message(client, token):
    response = client.post("/api/v1/depots", {}, headers=bearer(token))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "requete_invalide"
    assert body["message"] == (
        "Aucun fichier reçu : envoyez le flux XML dans le champ « fichier » d'une requête "
        "multipart/form-data."
    )
    assert body["details"] == [{"champ": "fichier", "message": body["message"]}]


@DB
def test_bad_id_is_422_in_french(client, token):
    response = client.get("/api/v1/depots/abc", headers=bearer(token))
    assert response.status_code == 422
    assert response.json()["details"] == [
        {"champ": "id", "message": "Un nombre entier est attendu."}
    ]


# ---------------------------------------------------------------------------------------
# Reading back


@DB
def test_other_organisations_deposit_is_404_like_an_unknown_one(client, token):
    other = OrganisationFactory(bcr="ZZ999ZZZ")
    theirs = received(other)
    unknown = theirs.pk + 1000
    for suffix in ("", "/accuse-traitement", "/accuse-reception"):
        seen = client.get(f"/api/v1/depots/{theirs.pk}{suffix}", headers=bearer(token))
        missing = client.get(f"/api/v1/depots/{unknown}{suffix}", headers=bearer(token))
        assert seen.status_code == missing.status_code == 404
        assert seen.json() == {
            "code": "depot_introuvable",
            "message": f"Dépôt {theirs.pk} introuvable.",
        }
        assert missing.json()["message"] == f"Dépôt {unknown} introuvable."


@DB
def test_status_while_waiting_and_processing(client, org, token):
    deposit = received(org)
    response = client.get(f"/api/v1/depots/{deposit.pk}", headers=bearer(token))
    body = response.json()
    assert body["statut"]["code"] == "recu" and body["termine"] is False
    assert body["progression"] is None
    assert body["passages"] == {"total": 0, "ok": 0, "ko": 0}

    Deposit.objects.filter(pk=deposit.pk).update(status=DepositStatus.PROCESSING)
    progress.report(progress_key(deposit.pk), phase="traitement", percent=40, passages=1000)
    body = client.get(f"/api/v1/depots/{deposit.pk}", headers=bearer(token)).json()
    assert body["statut"] == {"code": "en_cours", "libelle": "Traitement en cours"}
    assert body["progression"] == {
        "phase": "traitement",
        "pourcentage": 40,
        "passagesTraites": 1000,
    }

    report = client.get(f"/api/v1/depots/{deposit.pk}/accuse-traitement", headers=bearer(token))
    assert report.status_code == 409
    assert report.json() == {
        "code": "traitement_non_termine",
        "message": f"Le dépôt {deposit.pk} n'est pas encore traité (statut : Traitement en "
        "cours) : l'accusé de traitement sera disponible à la fin du traitement.",
    }


@DB
def test_warnings_are_paged_with_their_total(client, org, token):
    deposit = received(org)
    DepositWarning.objects.bulk_create(
        DepositWarning(deposit=deposit, line=n, message=f"remarque {n}") for n in range(1, 6)
    )
    Deposit.objects.filter(pk=deposit.pk).update(status=DepositStatus.DONE_OK, warnings_count=5)
    url = f"/api/v1/depots/{deposit.pk}?avertissementsDebut=1&avertissementsNombre=2"
    body = client.get(url, headers=bearer(token)).json()
    assert body["avertissements"] == {
        "total": 5,
        "debut": 1,
        "nombre": 2,
        "elements": [
            {"ligne": 2, "colonne": None, "idTechnique": None, "message": "remarque 2"},
            {"ligne": 3, "colonne": None, "idTechnique": None, "message": "remarque 3"},
        ],
    }
    too_many = client.get(
        f"/api/v1/depots/{deposit.pk}?avertissementsNombre=5000", headers=bearer(token)
    )
    assert too_many.status_code == 422
    assert too_many.json()["details"] == [
        {
            "champ": "avertissementsNombre",
            "message": "La valeur doit être inférieure ou égale à 1000.",
        }
    ]


@PIPELINE
def test_official_sample_through_the_api_and_the_worker(client, official_sample_bytes):
    world = official_sample_world()
    token = issue_token(world["depositor"], "test")
    response = upload(client, token, official_sample_bytes)
    assert response.status_code == 201
    deposit_id = response.json()["id"]
    early = client.get(f"/api/v1/depots/{deposit_id}/accuse-traitement", headers=bearer(token))
    assert early.status_code == 409

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")

    body = client.get(f"/api/v1/depots/{deposit_id}", headers=bearer(token)).json()
    assert body["statut"] == {"code": "traite", "libelle": "Traité avec succès"}
    assert body["termine"] is True
    assert body["passages"] == {"total": 3, "ok": 3, "ko": 0}
    assert body["idFlux"] == "6e3c7378-bda4-497a-9bd6-dc203f903ed9"
    assert (body["emetteur"], body["certificateur"]) == ("AB123CDE", "E564ACB0")
    assert body["idContrat"] == "2560080000127J"
    assert body["erreurs"] == [] and body["progression"] is None
    assert body["avertissements"]["total"] == 4
    messages = [w["message"] for w in body["avertissements"]["elements"]]
    assert sum("voieAccessVAE (VAE_CLASSIQUE) est ignorée" in m for m in messages) == 3
    assert all(w["ligne"] for w in body["avertissements"]["elements"])

    report = client.get(body["liens"]["accuseTraitement"], headers=bearer(token))
    assert report.status_code == 200
    assert report["Content-Type"] == "application/xml"
    deposit = Deposit.objects.get(pk=deposit_id)
    assert report["Content-Disposition"] == content_disposition(deposit.report_file_name)
    content = b"".join(report.streaming_content)
    assert content == services.report_bytes(deposit)
    parsed = read_report(content)
    assert parsed.ok == SAMPLE_IDS and parsed.id_traitement == deposit_id


@PIPELINE
def test_rejected_file_lists_its_errors_with_their_location(client, official_sample_bytes):
    world = official_sample_world()
    token = issue_token(world["depositor"], "test")
    response = upload(client, token, b"<?xml version='1.0'?>\n<flux>\n</pas-flux>\n", "ko.xml")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    body = client.get(f"/api/v1/depots/{response.json()['id']}", headers=bearer(token)).json()
    assert body["statut"]["code"] == "rejete"
    assert body["passages"] == {"total": 0, "ok": 0, "ko": 0}
    [error] = body["erreurs"]
    assert error["type"] == "XSD"
    assert error["ligne"] == 3 and isinstance(error["colonne"], int)
    assert error["message"]
    report = client.get(body["liens"]["accuseTraitement"], headers=bearer(token))
    parsed = read_report(b"".join(report.streaming_content))
    assert [(e.type, e.message, e.line) for e in parsed.errors] == [("XSD", error["message"], 3)]


# ---------------------------------------------------------------------------------------
# OpenAPI


@DB
def test_openapi_lists_the_four_endpoints(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    operations = {(path, method) for path, ops in paths.items() for method in ops}
    assert operations >= {
        ("/api/v1/depots", "post"),
        ("/api/v1/depots/{id}", "get"),
        ("/api/v1/depots/{id}/accuse-traitement", "get"),
        ("/api/v1/depots/{id}/accuse-reception", "get"),
    }
    post = paths["/api/v1/depots"]["post"]
    assert (
        "fichier" in (post["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"])
    )
    assert post["security"] == [{"DepositorToken": []}]


@PIPELINE
def test_a_file_naming_another_emetteur_is_rejected(client, official_sample_bytes):
    """A token speaks for its organisation only: the sample names AB123CDE as émetteur."""
    official_sample_world()
    intruder = OrganisationFactory(bcr="INTRUDER")
    token = issue_token(intruder, "test")
    response = upload(client, token, official_sample_bytes)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    body = client.get(f"/api/v1/depots/{response.json()['id']}", headers=bearer(token)).json()
    assert body["statut"]["code"] == "rejete"
    assert body["passages"] == {"total": 0, "ok": 0, "ko": 0}
    [error] = body["erreurs"]
    assert error["type"] == "METIER" and "INTRUDER" in error["message"]
