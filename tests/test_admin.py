"""The staff admin: every page loads, no NIR ever shows, the journal cannot be touched,
deposits can only be queued again when unfinished, list pages cost the same whatever their
length."""

import io
import random

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from passeport.access import journal
from passeport.access.models import JournalEntry
from passeport.accounts.models import ApiToken, Membership
from passeport.accounts.services import issue_token
from passeport.certifiers import processing, services
from passeport.certifiers.models import (
    Channel,
    Deposit,
    DepositStatus,
    DepositWarning,
    Grant,
    PassageResult,
)
from passeport.identity import nir as nirlib
from passeport.identity.models import Holder
from passeport.records.models import CertificationItem
from tests.conftest import otp_login
from tests.factories import (
    ContractFactory,
    HolderFactory,
    OrganisationFactory,
    official_sample_world,
    synthetic_nir,
)

DB = pytest.mark.django_db(databases="__all__")
PIPELINE = pytest.mark.django_db(transaction=True, databases="__all__")
OUR_APPS = ("identity", "certifiers", "records", "access", "accounts")
NIR15 = synthetic_nir("F", 1985, 7, rng=random.Random(20240117))
NIR13 = NIR15[:13]
# Every way a NIR could be printed: compact, with its key, spaced as on a carte Vitale.
NIR_FORMS = (
    NIR13,
    NIR15,
    " ".join((NIR15[0], NIR15[1:3], NIR15[3:5], NIR15[5:7], NIR15[7:10], NIR15[10:13])),
)


def holder_with_nir(nir15: str, **fields) -> Holder:
    """``HolderFactory(nir=…)`` ignores ``nir`` (a factory ``Params`` never reaches
    ``_create``): set the protected NIR columns the way the register import does."""
    holder = HolderFactory(**fields)
    nir13 = nirlib.normalize(nir15)
    holder.nir_hash = nirlib.lookup_hash(nir13)
    holder.nir_encrypted = nirlib.encrypt(nir13, holder.nir_hash)
    holder.save(update_fields=["nir_hash", "nir_encrypted"])
    return holder


def our_models():
    return sorted(
        (m for m in admin.site._registry if m._meta.app_label in OUR_APPS),
        key=lambda m: m._meta.label,
    )


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def received(org, status=DepositStatus.RECEIVED, data: bytes = b"<x/>") -> Deposit:
    deposit = services.receive(io.BytesIO(data), "flux.xml", Channel.API, org, enqueue=False)
    Deposit.objects.filter(pk=deposit.deposit.pk).update(status=status)
    return Deposit.objects.get(pk=deposit.deposit.pk)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# ---------------------------------------------------------------------------------------
# Every page


@PIPELINE
def test_every_admin_page_loads_for_a_superuser(admin_client, admin_user, official_sample_bytes):
    world = official_sample_world()
    receipt = services.receive(
        io.BytesIO(official_sample_bytes),
        "sample.xml",
        Channel.API,
        world["depositor"],
        enqueue=False,
    )
    processing.process(receipt.deposit.pk)
    Grant.objects.create(certifier=world["certifier"], code="RS1234", granted_by=admin_user)
    issue_token(world["depositor"], "logiciel")
    Membership.objects.create(user=admin_user, organisation=world["depositor"])
    journal.record(
        actor="test",
        actor_kind="exploitant",
        action="lecture",
        purpose="test",
        holder=world["holder"],
    )
    models = our_models()
    assert {m._meta.label for m in models} >= {
        "identity.Holder",
        "certifiers.Organisation",
        "certifiers.Contract",
        "certifiers.Grant",
        "certifiers.RegisteredCertifier",
        "certifiers.Certification",
        "certifiers.Deposit",
        "certifiers.PassageResult",
        "certifiers.DepositWarning",
        "records.CertificationItem",
        "access.JournalEntry",
        "accounts.Membership",
        "accounts.ApiToken",
    }
    assert admin_client.get(reverse("admin:index")).status_code == 200
    PassageResult.objects.create(  # the sample has no refused passage: show one
        deposit=Deposit.objects.get(), index=9, line=1, id_technique="ko", message="refusé"
    )
    for model in models:
        changelist = admin_client.get(url(model, "changelist"))
        assert changelist.status_code == 200, model
        obj = model.objects.first()
        assert obj is not None, f"no {model._meta.label} to show"
        for view in ("change", "history"):
            assert admin_client.get(url(model, view, obj.pk)).status_code == 200, (model, view)
        add = admin_client.get(url(model, "add"))
        assert add.status_code in (200, 403), model
    deposit = Deposit.objects.get()
    page = admin_client.get(url(Deposit, "change", deposit.pk))
    assert "3 OK, 0 KO" in page.content.decode()
    report = admin_client.get(reverse("admin:certifiers_deposit_report", args=[deposit.pk]))
    assert report["Content-Type"] == "application/xml"
    assert b"".join(report.streaming_content) == services.report_bytes(deposit)
    results = admin_client.get(
        url(PassageResult, "changelist") + f"?deposit__id__exact={deposit.pk}"
    )
    assert results.context["cl"].result_count == 1  # the refused one; OK ones are items
    warnings = admin_client.get(
        url(DepositWarning, "changelist") + f"?deposit__id__exact={deposit.pk}"
    )
    assert warnings.context["cl"].result_count == 4


# ---------------------------------------------------------------------------------------
# The NIR never shows


@DB
def test_no_nir_in_clear_anywhere_in_the_holder_pages(admin_client):
    holder = holder_with_nir(
        NIR15, birth_name="Martin", first_name1="Léa", sex="F", birth_year=1985, birth_month=7
    )
    assert nirlib.decrypt(holder.nir_encrypted, holder.nir_hash) == NIR13
    responses = []

    def get(path, **kwargs):
        response = admin_client.get(path, follow=True, **kwargs)
        responses.append(response)
        return response

    def post(path, data):
        response = admin_client.post(path, data, follow=True)
        responses.append(response)
        return response

    changelist = url(Holder, "changelist")
    change = url(Holder, "change", holder.pk)
    assert get(changelist).status_code == 200
    assert get(change).status_code == 200
    assert get(url(Holder, "history", holder.pk)).status_code == 200
    assert get(changelist, data={"q": "lea"}).context["cl"].result_count == 1

    # A NIR typed into the name search is refused without being echoed.
    for typed in (NIR13, NIR15, NIR_FORMS[2]):
        refused = get(changelist, data={"q": typed})
        assert refused.redirect_chain == [(changelist, 302)]
        assert any("Recherche refusée" in m for m in messages_of(refused))

    # The NIR search form finds the holder by hash, by POST, and opens the page.
    nir_url = reverse("admin:identity_holder_nir")
    assert get(nir_url).status_code == 200
    found = post(nir_url, {"nir": NIR15})
    assert found.redirect_chain == [(change, 302)]
    wrong_key = NIR13 + f"{(int(NIR15[13:]) % 97) + 1:02d}"
    refused = post(nir_url, {"nir": wrong_key})
    assert "NIR invalide : la clé du NIR est incorrecte." in refused.content.decode()
    unknown = post(nir_url, {"nir": synthetic_nir("M", 1970, 1, rng=random.Random(1))})
    assert "Aucun titulaire du répertoire n'a ce NIR." in messages_of(unknown)

    # Editing the état civil, with an error then for good.
    data = {
        "birth_name": "Martin-Durand",
        "usage_name": "",
        "first_name1": "Léa",
        "first_name2": "",
        "first_name3": "",
        "sex": "F",
        "birth_year": "1985",
        "birth_month": "13",
        "birth_day": "1",
        "birth_insee": "75056",
        "birth_country": "",
        "cpf_files-TOTAL_FORMS": "0",
        "cpf_files-INITIAL_FORMS": "0",
    }
    invalid = post(change, data)
    assert "Le mois doit être compris entre 1 et 12." in invalid.content.decode()
    saved = post(change, {**data, "birth_month": "7"})
    assert saved.status_code == 200
    holder.refresh_from_db()
    assert (holder.birth_name, holder.n_birth_name) == ("Martin-Durand", "MARTIN-DURAND")
    assert holder.match_key.startswith("MARTIN-DURAND|LEA|F|1985")
    assert get(url(Holder, "history", holder.pk)).status_code == 200
    assert get(url(JournalEntry, "changelist")).status_code == 200

    for response in responses:
        text = response.content.decode()
        where = response.request["PATH_INFO"]
        for form in NIR_FORMS:
            assert form not in text, f"NIR in clear in {where}"
        for _, value in response.items():
            assert all(form not in value for form in NIR_FORMS), f"NIR in a header of {where}"
        for location, _ in response.redirect_chain:
            assert all(form not in location for form in NIR_FORMS)

    # Each page opened and the change are in the access journal, without the NIR either.
    actions = list(
        JournalEntry.objects.filter(holder=holder).order_by("pk").values_list("action", flat=True)
    )
    assert actions.count("modification-etat-civil-admin") == 1
    assert actions.count("consultation-admin") >= 2
    assert all(NIR13 not in str(e.details) for e in JournalEntry.objects.all())


@DB
def test_holders_cannot_be_added_or_deleted_from_the_admin(admin_client):
    holder = HolderFactory()
    assert admin_client.get(url(Holder, "add")).status_code == 403
    assert admin_client.get(url(Holder, "delete", holder.pk)).status_code == 403
    form = admin_client.get(url(Holder, "change", holder.pk)).context["adminform"].form
    assert set(form.fields) == {
        "birth_name",
        "usage_name",
        "first_name1",
        "first_name2",
        "first_name3",
        "sex",
        "birth_year",
        "birth_month",
        "birth_day",
        "birth_insee",
        "birth_country",
    }


# ---------------------------------------------------------------------------------------
# The journal


@DB
def test_journal_cannot_be_added_changed_or_deleted_even_by_a_superuser(
    admin_client, admin_user, rf
):
    entry = journal.record(actor="x", actor_kind="exploitant", action="lecture", purpose="test")
    model_admin = admin.site._registry[JournalEntry]
    request = rf.get("/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert model_admin.get_actions(request) == {}

    assert admin_client.get(url(JournalEntry, "add")).status_code == 403
    assert admin_client.get(url(JournalEntry, "delete", entry.pk)).status_code == 403
    assert (
        admin_client.post(url(JournalEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    )
    page = admin_client.get(url(JournalEntry, "change", entry.pk))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert (
        admin_client.post(url(JournalEntry, "change", entry.pk), {"actor": "y"}).status_code == 403
    )
    entry.refresh_from_db()
    assert entry.actor == "x"

    verified = admin_client.get(reverse("admin:access_journalentry_verify"), follow=True)
    assert messages_of(verified) == ["Chaîne intègre : 1 entrée(s) vérifiée(s)."]


# ---------------------------------------------------------------------------------------
# Deposits: reprocessing


@DB
def test_reprocess_action_requeues_a_stuck_deposit_and_explains_a_final_one(admin_client):
    org = OrganisationFactory()
    stuck = received(org, DepositStatus.PROCESSING)
    waiting = received(org, DepositStatus.RECEIVED, data=b"<y/>")
    done = received(org, DepositStatus.DONE_OK, data=b"<z/>")
    response = admin_client.post(
        url(Deposit, "changelist"),
        {"action": "reprocess", "_selected_action": [stuck.pk, waiting.pk, done.pk]},
        follow=True,
    )
    queued = sorted(t.args_kwargs["args"][0] for t in DBTaskResult.objects.all())
    assert queued == sorted([stuck.pk, waiting.pk])
    assert all(
        t.task_path == "passeport.certifiers.tasks.process_deposit"
        for t in DBTaskResult.objects.all()
    )
    notes = messages_of(response)
    assert notes[0].startswith("2 dépôt(s) remis en file de traitement")
    assert f"({done.pk}) : un dépôt traité ne peut pas être retraité" in notes[1]


@DB
def test_reprocess_button_on_the_change_page(admin_client):
    org = OrganisationFactory()
    stuck = received(org, DepositStatus.PROCESSING)
    done = received(org, DepositStatus.REJECTED, data=b"<z/>")
    button = reverse("admin:certifiers_deposit_reprocess", args=[stuck.pk])
    assert button in admin_client.get(url(Deposit, "change", stuck.pk)).content.decode()
    final_button = reverse("admin:certifiers_deposit_reprocess", args=[done.pk])
    assert final_button not in admin_client.get(url(Deposit, "change", done.pk)).content.decode()

    assert admin_client.get(button).status_code == 405  # a change: POST only
    requeued = admin_client.post(button, follow=True)
    assert messages_of(requeued) == [f"Dépôt {stuck.pk} remis en file de traitement."]
    assert [t.args_kwargs["args"] for t in DBTaskResult.objects.all()] == [[stuck.pk]]

    refused = admin_client.post(final_button, follow=True)
    assert messages_of(refused) == [
        f"Dépôt {done.pk} non retraité (Traitement avec erreurs (fichier rejeté)) : un dépôt "
        "traité ne peut pas être retraité : son accusé de traitement est définitif. Pour "
        "corriger des passages, le déposant envoie un nouveau fichier."
    ]
    assert DBTaskResult.objects.count() == 1


@DB
def test_deposits_are_read_only(admin_client):
    deposit = received(OrganisationFactory())
    assert admin_client.get(url(Deposit, "add")).status_code == 403
    assert admin_client.get(url(Deposit, "delete", deposit.pk)).status_code == 403
    page = admin_client.get(url(Deposit, "change", deposit.pk)).content.decode()
    assert 'name="_save"' not in page


# ---------------------------------------------------------------------------------------
# Grants and tokens


@DB
def test_grant_records_who_granted_it(admin_client, admin_user):
    certifier = OrganisationFactory()
    response = admin_client.post(
        url(Grant, "add"), {"certifier": certifier.pk, "code": "RNCP1", "reason": "arrêté"}
    )
    assert response.status_code == 302
    assert Grant.objects.get().granted_by == admin_user

    other = get_user_model().objects.create_superuser("autre", "a@example.org", "x")
    otp_login(admin_client, other)
    inline = {
        "name": certifier.name,
        "bcr": certifier.bcr,
        "siret": certifier.siret,
        "is_certifier": "on",
        "is_depositor": "on",
        "grants-TOTAL_FORMS": "2",
        "grants-INITIAL_FORMS": "1",
        "grants-0-id": Grant.objects.get().pk,
        "grants-0-certifier": certifier.pk,
        "grants-0-code": "RNCP_CHANGED",  # ignored: a recorded grant keeps its code
        "grants-0-reason": "arrêté du 1er mars",
        "grants-1-certifier": certifier.pk,
        "grants-1-code": "RS2",
        "grants-1-reason": "décision",
    }
    response = admin_client.post(url(type(certifier), "change", certifier.pk), inline)
    assert response.status_code == 302, response.context["errors"]
    assert set(Grant.objects.values_list("code", "reason", "granted_by__username")) == {
        ("RNCP1", "arrêté du 1er mars", admin_user.username),
        ("RS2", "décision", "autre"),
    }


@DB
def test_token_issued_in_the_admin_is_shown_once_then_only_its_prefix(admin_client, client):
    org = OrganisationFactory(bcr="AB123CDE")
    page = admin_client.post(url(ApiToken, "add"), {"organisation": org.pk, "label": "Logiciel"})
    assert page.status_code == 200
    token = page.context["token"]
    assert token in page.content.decode()
    stored = ApiToken.objects.get()
    assert (stored.organisation, stored.label, stored.prefix) == (org, "Logiciel", token[:8])
    api = client.get("/api/v1/depots/1", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 404

    for path in (url(ApiToken, "changelist"), url(ApiToken, "change", stored.pk)):
        text = admin_client.get(path).content.decode()
        assert f"{token[:8]}…" in text
        assert token not in text and stored.token_hash not in text

    admin_client.post(
        url(ApiToken, "changelist"), {"action": "revoke", "_selected_action": [stored.pk]}
    )
    stored.refresh_from_db()
    assert stored.revoked
    assert (
        client.get("/api/v1/depots/1", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )


@DB
def test_organisation_action_issues_tokens_to_depositors_only(admin_client):
    depositor = OrganisationFactory(bcr="DEPOSANT")
    certifier = OrganisationFactory(bcr="CERTONLY", is_depositor=False)
    page = admin_client.post(
        url(type(depositor), "changelist"),
        {"action": "issue_api_token", "_selected_action": [depositor.pk, certifier.pk]},
    )
    assert page.status_code == 200
    [token] = ApiToken.objects.all()
    assert token.organisation == depositor
    text = page.content.decode()
    assert "Non déposantes, sans jeton : CERTONLY." in text
    assert text.count("<code>ppt_") == 1


# ---------------------------------------------------------------------------------------
# List pages: one query per page, not per row


def _populate(n: int) -> None:
    """``n`` more rows in every list that shows a related object."""
    user_model = get_user_model()
    for _ in range(n):
        org = OrganisationFactory()
        ContractFactory(certifier=org, depositor=org)
        user = user_model.objects.create_user(f"u{org.pk}")
        Grant.objects.create(certifier=org, code=f"RS{org.pk}", granted_by=user)
        Membership.objects.create(user=user, organisation=org)
        issue_token(org, "x")
        holder = HolderFactory()
        journal.record(
            actor="x", actor_kind="exploitant", action="lecture", purpose="p", holder=holder
        )
        deposit = received(org)
        DepositWarning.objects.create(deposit=deposit, line=1, message="m")
        PassageResult.objects.create(
            deposit=deposit, index=1, line=1, id_technique="t", message="m"
        )
        CertificationItem.objects.create(
            holder=holder,
            deposit=deposit,
            line=1,
            id_technique=f"t{deposit.pk}",
            emetteur_bcr=org.bcr,
            certifier_bcr=org.bcr,
            received_at=deposit.received_at,
            cert_type="RNCP",
            code="RNCP1",
            obtention="ADMIS",
            certified_data=True,
            valid_from="2024-01-01",
        )


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connections["default"]) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@DB
def test_list_pages_do_not_query_once_per_row(admin_client):
    _populate(1)
    paths = [url(m, "changelist") for m in our_models()]
    few = {p: _queries(admin_client, p) for p in paths}
    _populate(4)
    many = {p: _queries(admin_client, p) for p in paths}
    assert many == few


def test_admin_requires_the_second_factor(client, admin_user):
    """A password-only session does not open the admin: staff log in with a TOTP code."""
    client.force_login(admin_user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_login_with_password_and_totp_code(client, admin_user):
    from passeport.accounts.services import current_code, ensure_totp_device

    device = ensure_totp_device(admin_user)
    login = reverse("admin:login")
    form = {"username": admin_user.username, "password": "password"}
    refused = client.post(login, {**form, "otp_token": "000000"})
    assert "Code de vérification incorrect ou expiré." in refused.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes a failed try wait a second before the next
    response = client.post(login, {**form, "otp_token": current_code(device)})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
