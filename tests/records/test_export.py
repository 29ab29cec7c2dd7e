"""``passeport titulaire exporter``: the JSON passport for staff, and its journal entry."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from passeport import cli
from passeport.access import journal
from passeport.access.models import JournalEntry
from passeport.certifiers import processing, services
from passeport.certifiers.models import Channel, DepositStatus
from passeport.identity import nir as nirlib
from passeport.identity.models import Holder
from tests.conftest import OFFICIAL_SAMPLE
from tests.factories import HolderFactory, official_sample_world, synthetic_nir

IDS = {
    "db855769-bcd6-4253-93cf-e666db666c0a",
    "10c54fd2-f3a3-4dea-b975-4d7258bd10b3",
    "0785a873-acf7-4632-ad7b-b11cfff05b13",
}
NIR = synthetic_nir("M", 1996, 11)


def give_nir(holder: Holder, raw: str) -> None:
    """official_sample_world() draws the holder's NIR at random: set a known one."""
    nir13 = nirlib.normalize(raw)
    digest = nirlib.lookup_hash(nir13)
    Holder.objects.filter(pk=holder.pk).update(
        nir_hash=digest, nir_encrypted=nirlib.encrypt(nir13, digest)
    )


def holder_with_nir(raw: str, **values) -> Holder:
    # HolderFactory(nir=...) does not reach _create (``nir`` is a factory Param, and
    # factory_boy keeps Params out of the model's kwargs): set the NIR afterwards.
    holder = HolderFactory(**values)
    give_nir(holder, raw)
    return holder


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("titulaire", "exporter", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_export_of_the_official_sample_holder():
    world = official_sample_world()
    give_nir(world["holder"], NIR)
    with open(OFFICIAL_SAMPLE, "rb") as fh:
        receipt = services.receive(
            fh, OFFICIAL_SAMPLE.name, Channel.CLI, world["depositor"], enqueue=False
        )
    processing.process(receipt.deposit.pk)
    deposit = receipt.deposit
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.DONE_OK

    text = export(
        "--nir", NIR, "--motif", "  Demande écrite du titulaire n° 42 ", "--acteur", "agent-7"
    )

    assert NIR[:13] not in text
    document = json.loads(text)
    assert document["format"] == "passeport/1.0"
    assert document["titulaire"] == {
        "nomNaissance": "Dupont",
        "nomUsage": "Dupont",
        "prenoms": ["Antoine", "Julien", "Philippe"],
        "sexe": "M",
        "naissance": {
            "annee": 1996,
            "mois": 11,
            "jour": 15,
            "codeInsee": "31555",
            "codePays": None,
        },
    }
    certifications = document["certifications"]
    assert len(certifications) == 3
    assert {c["provenance"]["idTechnique"] for c in certifications} == IDS
    for c in certifications:
        assert (c["type"], c["code"], c["niveauConfiance"]) == ("RNCP", "RNCP19117", "garanti")
        assert c["certificateur"]["bcr"] == "E564ACB0"
        provenance = c["provenance"]
        assert provenance["source"] == "accrochage-certificateurs"
        assert provenance["depot"] == deposit.pk
        assert provenance["emetteur"] == "AB123CDE"
        assert isinstance(provenance["ligne"], int) and provenance["ligne"] > 1
        assert provenance["recuLe"] == deposit.received_at.isoformat()
    first = next(c for c in certifications if c["provenance"]["idTechnique"].startswith("db855769"))
    assert (first["mention"], first["scoring"]) == ("MENTION_ASSEZ_BIEN", "12.4")

    (entry,) = JournalEntry.objects.all()
    assert (entry.actor, entry.actor_kind, entry.action, entry.purpose) == (
        "agent-7",
        "exploitant",
        "export-passeport",
        "Demande écrite du titulaire n° 42",
    )
    assert entry.holder_id == world["holder"].pk
    assert entry.details == {"certifications": 3}
    assert journal.verify() == journal.ChainCheck(True, 1)


@pytest.mark.django_db
class TestExport:
    def test_default_actor_and_empty_passport(self):
        holder = holder_with_nir(NIR)
        document = json.loads(export("--nir", NIR[:13], "--motif", "contrôle"))
        assert document["certifications"] == []
        (entry,) = JournalEntry.objects.all()
        assert (entry.actor, entry.purpose, entry.holder_id) == (
            "ligne-de-commande",
            "contrôle",
            holder.pk,
        )
        assert entry.details == {"certifications": 0}

    def test_each_export_is_one_more_entry(self):
        holder_with_nir(NIR)
        export("--nir", NIR, "--motif", "premier")
        export("--nir", NIR, "--motif", "second")
        assert list(JournalEntry.objects.order_by("pk").values_list("purpose", flat=True)) == [
            "premier",
            "second",
        ]
        assert journal.verify().ok

    @pytest.mark.parametrize(
        ("nir", "motif", "message"),
        [
            (
                synthetic_nir("F", 1970, 3),
                "contrôle",
                "Aucun titulaire n'a ce NIR dans le répertoire.",
            ),
            (NIR[:13] + "00", "contrôle", "NIR invalide : la clé du NIR est incorrecte."),
            (
                "12345",
                "contrôle",
                "NIR invalide : le NIR doit compter 13 caractères, ou 15 avec la clé.",
            ),
            (NIR, "", "Le motif de la consultation est obligatoire."),
            (NIR, "   ", "Le motif de la consultation est obligatoire."),
        ],
    )
    def test_refusals_leave_no_journal_entry(self, nir, motif, message):
        holder_with_nir(NIR)
        with pytest.raises(CommandError) as caught:
            export("--nir", nir, "--motif", motif)
        assert str(caught.value) == message
        assert JournalEntry.objects.count() == 0

    def test_motif_is_mandatory_on_the_command_line(self, capsys):
        with pytest.raises(SystemExit) as caught:
            cli.main(["titulaire", "exporter", "--nir", NIR])
        assert caught.value.code == 2
        assert "--motif" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_cli_exit_status_and_message(capsys):
    """Through ``passeport`` itself (which closes the connections when done: hence a
    transactional test)."""
    holder_with_nir(NIR)
    with pytest.raises(SystemExit) as caught:
        cli.main(["titulaire", "exporter", "--nir", "1" * 13, "--motif", "x"])
    assert caught.value.code == 1
    assert capsys.readouterr().err == (
        "CommandError: Aucun titulaire n'a ce NIR dans le répertoire.\n"
    )
    assert JournalEntry.objects.count() == 0
