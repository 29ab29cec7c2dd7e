"""The CDC's official sample, end to end: file in, accusé out (accrochage.md §12)."""

import io

import pytest

from passeport.certifiers import processing, services
from passeport.certifiers.accuse import read_report
from passeport.certifiers.models import Channel, DepositStatus
from passeport.records.models import CertificationItem
from tests.factories import official_sample_world

pytestmark = pytest.mark.django_db(transaction=True)

IDS = [
    "db855769-bcd6-4253-93cf-e666db666c0a",
    "10c54fd2-f3a3-4dea-b975-4d7258bd10b3",
    "0785a873-acf7-4632-ad7b-b11cfff05b13",
]


def deposit(data: bytes, org, name="Fichier_XML_v2.0.0__official-sample.xml"):
    receipt = services.receive(io.BytesIO(data), name, Channel.CLI, org, enqueue=False)
    processing.process(receipt.deposit.pk)
    receipt.deposit.refresh_from_db()
    return receipt.deposit


def test_official_sample_accepted_with_its_three_passages(official_sample_bytes):
    world = official_sample_world()
    d = deposit(official_sample_bytes, world["depositor"])
    assert d.status == DepositStatus.DONE_OK
    report = read_report(services.report_bytes(d))
    assert report.ok == IDS
    assert report.ko == []
    assert report.id_flux == "6e3c7378-bda4-497a-9bd6-dc203f903ed9"
    assert report.id_traitement == d.pk
    items = CertificationItem.objects.filter(holder=world["holder"]).order_by("line")
    assert [i.id_technique for i in items] == IDS
    first = items[0]
    assert (first.code, first.cert_type, first.mention, first.scoring) == (
        "RNCP19117",
        "RNCP",
        "MENTION_ASSEZ_BIEN",
        "12.4",
    )
    assert first.digcomp == {
        "scoreGeneral": 890,
        "resultats": [
            {"niveau": 5, "domaineCompetenceId": "3", "competenceId": "4"},
            {"niveau": 7, "domaineCompetenceId": "1", "competenceId": "1"},
        ],
    }
    assert first.valid_until is None and items[1].valid_until.isoformat() == "2030-12-13"
    assert first.vae_route == ""  # ignored: access mode is not VAE
    warnings = sorted(w.message for w in d.warnings.all())
    assert len(warnings) == 4
    assert sum("voieAccessVAE (VAE_CLASSIQUE) est ignorée" in w for w in warnings) == 3
    assert any(w.startswith("natureDeposant vaut CERTIFICATEUR") for w in warnings)


def test_same_file_twice_is_rejected_at_file_level(official_sample_bytes):
    world = official_sample_world()
    deposit(official_sample_bytes, world["depositor"])
    second = deposit(official_sample_bytes, world["depositor"])
    assert second.status == DepositStatus.REJECTED
    report = read_report(services.report_bytes(second))
    assert [(e.type, e.message) for e in report.errors] == [
        (
            "METIER",
            "Le flux 6e3c7378-bda4-497a-9bd6-dc203f903ed9 a déjà été déposé par "
            "l'émetteur AB123CDE",
        )
    ]
    assert CertificationItem.objects.count() == 3


def test_same_passages_in_a_new_flux_are_each_duplicates(official_sample_bytes):
    world = official_sample_world()
    deposit(official_sample_bytes, world["depositor"])
    again = official_sample_bytes.replace(
        b"6e3c7378-bda4-497a-9bd6-dc203f903ed9", b"11111111-2222-3333-4444-555555555555"
    )
    d = deposit(again, world["depositor"])
    assert d.status == DepositStatus.DONE_KO
    report = read_report(services.report_bytes(d))
    assert report.ok == []
    assert [(k.id_technique, k.message) for k in report.ko] == [
        (
            i,
            f"Le passage certification avec le bcr émetteur AB123CDE et l'id technique "
            f"partenaire {i} existe déjà en base",
        )
        for i in IDS
    ]
    assert CertificationItem.objects.count() == 3


def test_envelope_after_the_passages_is_processed_the_same(official_sample_bytes):
    """The schema lets the contract come last: the pipeline reads the envelope first."""
    world = official_sample_world()
    contract = b"<cpf:idContrat>2560080000127J</cpf:idContrat>"
    moved = official_sample_bytes.replace(contract, b"").replace(
        b"</cpf:certifications>", b"</cpf:certifications>" + contract
    )
    d = deposit(moved, world["depositor"])
    assert d.status == DepositStatus.DONE_OK
    assert read_report(services.report_bytes(d)).ok == IDS
    assert CertificationItem.objects.count() == 3
