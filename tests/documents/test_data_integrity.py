"""Data Integrity proofs against the W3C vc-di-eddsa test vectors (../shared/vectors).

Byte for byte: signing the unsigned vector with its key and proof configuration gives the
vector's proofValue (Ed25519 is deterministic). Then every vector verifies, any edit fails,
and a credential naming a context we do not hold fails closed, with nothing fetched.
"""

import copy
import json
import socket

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from passeport.documents import data_integrity as di
from passeport.documents import multikey
from tests.conftest import SHARED

VECTORS = SHARED / "vectors" / "w3c-vc-di-eddsa" / "TestVectors"


def load(name: str) -> dict:
    return json.loads((VECTORS / name).read_text())


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Verification is offline: any attempt to open a connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("accès réseau pendant une vérification")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_signing_reproduces_the_w3c_vector_byte_for_byte():
    keys = load("keyPair.json")
    config = load("eddsa-rdfc-2022/proofConfigDataInt.json")
    key = multikey.private_key(keys["privateKeyMultibase"])
    assert multikey.public_multibase(key.public_key()) == keys["publicKeyMultibase"]
    signed = di.sign(
        load("unsigned.json"),
        key,
        created=config["created"],
        verification_method=config["verificationMethod"],
    )
    assert signed == load("eddsa-rdfc-2022/signedDataInt.json")


@pytest.mark.parametrize(
    "name",
    [
        "eddsa-rdfc-2022/signedDataInt.json",
        "eddsa-jcs-2022/signedJCS.json",
        "proof-set-chain/signedProofSet1.json",
        "proof-set-chain/signedProofSet2.json",
        "proof-set-chain/signedProofChain1.json",
        "proof-set-chain/signedProofChain2.json",
    ],
)
def test_the_vectors_verify_and_any_edit_fails(name):
    document = load(name)
    result = di.verify(document)
    assert result.verified, result.reasons
    for edit in (
        lambda d: d.update(name="Diplôme falsifié"),
        lambda d: d["credentialSubject"].update(alumniOf="Une autre école"),
        lambda d: d.update(validFrom="2020-01-01T00:00:00Z"),
    ):
        tampered = copy.deepcopy(document)
        edit(tampered)
        assert not di.verify(tampered).verified
    proofs = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
    forged = copy.deepcopy(document)
    first = forged["proof"][0] if isinstance(forged["proof"], list) else forged["proof"]
    first["created"] = "2030-01-01T00:00:00Z"
    assert not di.verify(forged).verified
    assert len(result.proofs) == len(proofs)


def test_a_chain_proof_needs_the_proof_it_builds_on():
    document = load("proof-set-chain/signedProofChain1.json")
    chained = [p for p in document["proof"] if p.get("previousProof")]
    assert chained
    alone = {**document, "proof": chained}
    result = di.verify(alone)
    assert not result.verified
    assert "preuve précédente introuvable" in result.reasons[0]


def test_an_unknown_context_fails_closed_without_fetching():
    for path in sorted((VECTORS / "eddsa-rdfc-2022" / "employ").glob("signed*.json")):
        result = di.verify(json.loads(path.read_text()))
        assert not result.verified
        assert result.reasons == [
            "contexte JSON-LD inconnu (jamais téléchargé) : https://w3id.org/citizenship/v4rc1"
        ]


@pytest.mark.parametrize("suite", [di.RDFC, di.JCS])
def test_our_own_key_signs_and_verifies_with_both_suites(suite):
    key = Ed25519PrivateKey.generate()
    signed = di.sign(load("unsigned.json"), key, cryptosuite=suite)
    assert signed["proof"]["verificationMethod"].startswith("did:key:z6Mk")
    assert di.verify(signed).verified
    other = di.sign(load("unsigned.json"), Ed25519PrivateKey.generate(), cryptosuite=suite)
    swapped = {**signed, "proof": {**signed["proof"], "proofValue": other["proof"]["proofValue"]}}
    assert not di.verify(swapped).verified


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"cryptosuite": "ecdsa-rdfc-2019"}, "preuve non vérifiable ici (ecdsa-rdfc-2019)"),
        ({"type": "Ed25519Signature2020"}, "preuve non vérifiable ici"),
        ({"proofPurpose": "authentication"}, "objet de la preuve inattendu"),
        ({"verificationMethod": "https://vc.example/keys/1"}, "non résolue hors ligne"),
        ({"proofValue": "Q" + "1" * 80}, "base58btc"),
    ],
)
def test_proofs_we_cannot_check_are_refused_with_a_reason(change, reason):
    document = load("eddsa-rdfc-2022/signedDataInt.json")
    document["proof"].update(change)
    result = di.verify(document)
    assert not result.verified
    assert reason in result.reasons[0]


def test_a_document_without_proof_is_not_verified():
    assert di.verify(load("unsigned.json")).reasons == ["aucune preuve"]
