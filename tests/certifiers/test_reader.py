"""The streaming reader on its own (without the precheck in front of it)."""

import pytest

from passeport.certifiers.reader import FluxReader, NeedsContext, SchemaInvalid
from tests.conftest import OFFICIAL_SAMPLE


def test_reads_the_three_passages_of_the_official_sample():
    reader = FluxReader(OFFICIAL_SAMPLE)
    passages = list(reader.passages())
    assert [p.index for p in passages] == [0, 1, 2]
    assert reader.header.emetteur_bcr == "AB123CDE"
    assert reader.certification(0).code == "RNCP19117"


@pytest.mark.parametrize("cut", [b"0785a873", b"</cpf:certifications>", b"</cpf:flux>"])
def test_a_truncated_file_is_invalid_even_after_whole_passages(tmp_path, cut):
    """iterparse with a schema stops silently at a truncation: the reader must not."""
    data = OFFICIAL_SAMPLE.read_bytes()
    path = tmp_path / "tronque.xml"
    path.write_bytes(data[: data.index(cut)])
    with pytest.raises(SchemaInvalid):
        list(FluxReader(path).passages())


def test_envelope_after_the_passages_needs_a_scan_first(tmp_path):
    """The schema lets idContrat come after the certifications: scan, then read again."""
    data = OFFICIAL_SAMPLE.read_bytes()
    contract = b"<cpf:idContrat>2560080000127J</cpf:idContrat>"
    moved = data.replace(contract, b"").replace(
        b"</cpf:certifications>", b"</cpf:certifications>" + contract
    )
    path = tmp_path / "desordre.xml"
    path.write_bytes(moved)
    with pytest.raises(NeedsContext):
        list(FluxReader(path).passages())
    context = FluxReader(path).scan()
    assert context.header.contract_id == "2560080000127J"
    assert len(list(FluxReader(path, known=context).passages())) == 3
