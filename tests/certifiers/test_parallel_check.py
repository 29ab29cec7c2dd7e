"""Large files: read without the schema while another process validates them.

The threshold is lowered so that small files take that path: the outcome must be the same
as in the one-pass mode, and a file found invalid must leave nothing behind.
"""

import pytest

from passeport.certifiers import services
from passeport.certifiers.accuse import read_report
from passeport.certifiers.models import DepositStatus
from passeport.records.models import CertificationItem
from tests.certifiers.builders import deposit_and_process, flux_bytes, row_for
from tests.factories import official_sample_world

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(settings):
    settings.PASSEPORT = {**settings.PASSEPORT, "PARALLEL_CHECK_BYTES": 0, "BATCH_SIZE": 2}
    return official_sample_world()


def test_valid_file_is_processed_as_in_one_pass(world, official_sample_bytes):
    d = deposit_and_process(official_sample_bytes, world["depositor"])
    assert d.status == DepositStatus.DONE_OK
    assert len(read_report(services.report_bytes(d)).ok) == 3
    assert CertificationItem.objects.count() == 3


def test_schema_error_after_processed_batches_leaves_nothing(world):
    rows = [row_for(world["holder"], f"p{i}") for i in range(6)]
    rows[5]["sexe"] = "H"  # invalid for the schema, harmless for the reader
    d = deposit_and_process(flux_bytes(rows), world["depositor"])
    assert d.status == DepositStatus.REJECTED
    report = read_report(services.report_bytes(d))
    assert [e.message for e in report.errors] == [
        "cvc-enumeration-valid : La valeur 'H' de l'élément 'cpf:sexe' n'est pas autorisée. "
        "Valeurs possibles : M, F."
    ]
    assert CertificationItem.objects.count() == 0


def test_value_the_reader_cannot_read_is_reported_as_a_schema_error(world):
    rows = [row_for(world["holder"], "p1", annee_naissance="mil-neuf-cent")]
    d = deposit_and_process(flux_bytes(rows), world["depositor"])
    assert d.status == DepositStatus.REJECTED
    assert (
        read_report(services.report_bytes(d))
        .errors[0]
        .message.startswith("cvc-datatype-valid.1.2.1 : 'mil-neuf-cent'")
    )


def test_truncated_file_is_rejected(world, official_sample_bytes):
    d = deposit_and_process(official_sample_bytes[:-200], world["depositor"])
    assert d.status == DepositStatus.REJECTED
    assert CertificationItem.objects.count() == 0


def test_unknown_contract_waits_for_the_schema_verdict(world):
    """The schema comes first: an invalid file with an unknown contract is an XSD error."""
    rows = [row_for(world["holder"], "p1", sexe="H")]
    d = deposit_and_process(flux_bytes(rows, contrat="INCONNU01"), world["depositor"])
    assert [e.type for e in read_report(services.report_bytes(d)).errors] == ["XSD"]
