"""The transparency log, through its public API: a verifier checks that each document was
logged under a signed tree head, and that a later head extends the earlier one."""

import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from passeport.documents import merkle, transparency
from passeport.documents.models import LogEntry

pytestmark = pytest.mark.django_db


def issue(n: int) -> list[str]:
    shas = [hashlib.sha256(f"cv {i}".encode()).hexdigest() for i in range(n)]
    for i, sha in enumerate(shas):
        transparency.append(sha, f"urn:uuid:cv-{i}", timezone.now())
    return shas


def test_every_document_is_provably_in_the_signed_log():
    shas = issue(7)
    client = Client()
    head = client.get("/api/v1/transparence/tete").json()
    assert head["taille"] == 7 and transparency.verify_head(head)
    for index, sha in enumerate(shas):
        proof = client.get(f"/api/v1/transparence/inclusion?index={index}&taille=7").json()
        assert proof["feuille"]["document"] == sha
        assert transparency.check_inclusion(proof)
        forged = {**proof, "feuille": {**proof["feuille"], "emisLe": "2020-01-01T00:00:00+00:00"}}
        assert not transparency.check_inclusion(forged)


def test_a_later_head_extends_the_earlier_one():
    issue(5)
    client = Client()
    old = client.get("/api/v1/transparence/tete").json()
    issue(4)
    new = client.get("/api/v1/transparence/tete").json()
    proof = client.get("/api/v1/transparence/coherence?premiere=5&seconde=9").json()
    path = [bytes.fromhex(h) for h in proof["chemin"]]
    assert merkle.verify_consistency(
        5, 9, bytes.fromhex(old["racine"]), bytes.fromhex(new["racine"]), path
    )


def test_rewriting_an_entry_breaks_the_proofs_against_the_signed_head():
    """Someone with write access rewrites entry 2 (leaf and hash, consistently): proofs
    computed from the altered log no longer match the head signed before."""
    issue(6)
    head = Client().get("/api/v1/transparence/tete").json()
    entry = LogEntry.objects.get(index=2)
    rewritten = entry.leaf.replace('"emisLe":"', '"emisLe":"1999')
    LogEntry.objects.filter(index=2).update(
        leaf=rewritten, leaf_hash=merkle.leaf_hash(rewritten.encode()).hex()
    )
    for index in (2, 3):
        proof = transparency.inclusion(index, 6)
        proof["tete"] = head
        assert not transparency.check_inclusion(proof), index


def test_a_forged_head_signature_is_detected():
    issue(2)
    head = transparency.latest_head()
    assert transparency.verify_head(head)
    assert not transparency.verify_head({**head, "taille": 3})
    assert not transparency.verify_head({**head, "racine": "00" * 32})


def test_out_of_range_requests_get_a_clear_404():
    issue(1)
    client = Client()
    response = client.get("/api/v1/transparence/inclusion?index=5&taille=1")
    assert response.status_code == 404
    assert response.json()["message"] == "entrée ou taille hors du journal"
    assert client.get("/api/v1/transparence/coherence?premiere=2&seconde=1").status_code == 404
    assert client.get("/api/v1/transparence/inclusion?index=-1&taille=1").status_code == 422
    listed = client.get("/api/v1/transparence/entrees").json()["entrees"]
    assert [e["index"] for e in listed] == [0]
