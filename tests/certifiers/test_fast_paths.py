"""The fast paths of a deposit give exactly what their plain references give.

- the compiled leaf reader (``_leaves.LeafReader``) and ``flux.read_leaves_py``;
- the COPY text written out for a passage and the generic ``copy_value`` of its values;
- libxml2's tree-less validator (``schema_check``) and the streaming reader (the schema
  conformance corpus compares them too: test_schema_equivalence).

Compared on the official sample, on every mutation of the schema conformance corpus, on a
benchmark flux (every optional element filled) and on lexical oddities.
"""

import io

import pytest
from lxml import etree

from bench.generate import people, write_bench_flux
from passeport.certifiers import flux, schema_check
from passeport.certifiers.processing import _passage_text, _passage_values
from passeport.certifiers.reader import FluxReader
from passeport.core.bulk import copy_value
from tests.certifiers.test_schema_equivalence import CASES, SAMPLE, replace

PASSAGE = flux.qn("passageCertification")


def _bench_flux() -> bytes:
    out = io.BytesIO()
    write_bench_flux(
        out, list(people(40, 3)), prefix="t", code="RNCP19117", emetteur="AB123CDE",
        certificateur="E564ACB0", contrat="2560080000127J", id_flux="f", seed=3,
    )  # fmt: skip
    return out.getvalue()


ODDITIES = {
    "cdata": replace((b"<cpf:nomNaissance>", b"<cpf:nomNaissance><![CDATA[A&B]]>")),
    "comment-inside": replace((b"<cpf:nomNaissance>", b"<cpf:nomNaissance><!-- c -->")),
    "comment-between": replace((b"</cpf:nomNaissance>", b"<!-- c --></cpf:nomNaissance>")),
    "entities": replace((b"<cpf:prenom1>", b"<cpf:prenom1>&#233;&amp;&lt;")),
    "spaces": replace((b"<cpf:idTechnique>", b"<cpf:idTechnique>\n\t  ")),
    "backslash-tab": replace((b"<cpf:libelleOption>", b"<cpf:libelleOption>a\\b&#9;c&#10;")),
    "foreign-element": replace(
        (b"</cpf:verbatim>", b'</cpf:verbatim><x:verbatim xmlns:x="urn:x">autre</x:verbatim>')
    ),
    "empty": replace(
        (b"</cpf:libelleOption>", b"</cpf:ignored>"),
        (b"<cpf:libelleOption>", b"<cpf:libelleOption></cpf:libelleOption><cpf:ignored>"),
    ),
}
DOCUMENTS = (
    {"official-sample": SAMPLE, "bench": _bench_flux()} | ODDITIES | {c.id: c.data for c in CASES}
)


def _passages(data: bytes) -> list[etree._Element]:
    try:
        return list(etree.fromstring(data).iter(PASSAGE))
    except etree.XMLSyntaxError:
        return []


def test_the_compiled_reader_is_built():
    """Without it deposits still work, at about half the speed: CI must notice."""
    assert flux.COMPILED


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_compiled_and_python_leaf_readers_agree(name):
    for el in _passages(DOCUMENTS[name]):
        assert flux.read_leaves(el) == flux.read_leaves_py(el)


@pytest.mark.parametrize("name", ["official-sample", "bench", *ODDITIES])
def test_written_out_copy_text_is_the_generic_one(name, tmp_path):
    path = tmp_path / "flux.xml"
    path.write_bytes(DOCUMENTS[name])
    passages = list(FluxReader(path, validate=False).passages())
    assert passages
    for p in passages:
        assert _passage_text(p) == "\t".join(map(copy_value, _passage_values(p)))


def test_bench_flux_fills_what_the_fast_paths_write(tmp_path):
    path = tmp_path / "flux.xml"
    path.write_bytes(DOCUMENTS["bench"])
    passages = list(FluxReader(path).passages())
    assert all(p.digcomp and p.digcomp["resultats"] for p in passages)
    assert all(p.proof_url and p.verbatim and p.exam_start for p in passages)


def test_tree_less_validator_is_available_and_agrees(tmp_path):
    assert schema_check._libxml2() is not None
    valid, invalid = tmp_path / "ok.xml", tmp_path / "ko.xml"
    valid.write_bytes(SAMPLE)
    invalid.write_bytes(replace((b"<cpf:sexe>M</cpf:sexe>", b"<cpf:sexe>H</cpf:sexe>")))
    assert schema_check._streaming_verdict(valid) is True
    assert schema_check._streaming_verdict(invalid) is False
    assert schema_check.is_valid(valid) and not schema_check.is_valid(invalid)


def test_a_file_libxml2_cannot_judge_alone_is_judged_by_the_reader(tmp_path):
    path = tmp_path / "tronque.xml"
    path.write_bytes(SAMPLE[:-300])
    assert schema_check._streaming_verdict(path) in (None, False)
    assert schema_check.is_valid(path) is False


def test_a_doctype_is_refused_before_libxml2_sees_it(tmp_path):
    path = tmp_path / "doctype.xml"
    path.write_bytes(SAMPLE.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e "e">]>', 1))
    assert schema_check.is_valid(path) is False
