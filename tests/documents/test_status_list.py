"""Bitstring Status List: our lists round trip, and the DCC fixtures (../shared/vectors)."""

import copy
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from passeport.documents import status_list as sl
from passeport.documents import vc_model
from tests.conftest import SHARED

LISTS = SHARED / "vectors" / "dcc-vc-test-fixtures" / "statusLists" / "didkey-ed25519Signature2020"
KEY = Ed25519PrivateKey.generate()
ISSUER = "https://passeport.example/emetteur"
LIST_URL = "https://passeport.example/statuts/1"


def dcc(name: str) -> dict:
    return json.loads((LISTS / name).read_text())


def test_the_dcc_revocation_list_decodes_with_bits_2_6_and_8_set():
    bits = sl.decode(dcc("e5WK8CbZ1GjycuPombrj")["credentialSubject"]["encodedList"])
    assert len(bits) * 8 >= 100_000
    assert [i for i in range(len(bits) * 8) if sl.bit(bits, i)] == [2, 6, 8]


@pytest.mark.parametrize(
    "name, reason",
    [
        ("expired", "liste expirée"),
        ("notYetValid", "liste pas encore valide"),
        ("missingBitStringType", "ce n'est pas une BitstringStatusListCredential"),
        ("tampered", "liste non vérifiable"),
        ("e5WK8CbZ1GjycuPombrj", "liste non vérifiable"),  # Ed25519Signature2020: not ours
    ],
)
def test_status_lists_we_cannot_trust_are_refused(name, reason):
    with pytest.raises(sl.StatusError) as refused:
        sl.read_list(dcc(name), "revocation")
    assert str(refused.value).startswith(reason)


def test_our_list_revokes_and_suspends():
    revoked, suspended = sl.new_bits(), sl.new_bits()
    sl.set_bit(revoked, 41)
    sl.set_bit(suspended, 7)
    published = {
        LIST_URL: sl.list_credential(LIST_URL, "revocation", revoked, KEY, ISSUER),
        LIST_URL + "s": sl.list_credential(LIST_URL + "s", "suspension", suspended, KEY, ISSUER),
    }
    assert len(revoked) * 8 == sl.MIN_ENTRIES

    def credential(index: int) -> dict:
        entries = [
            {
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(index),
                "statusListCredential": url,
            }
            for purpose, url in (("revocation", LIST_URL), ("suspension", LIST_URL + "s"))
        ]
        document = {
            "@context": [vc_model.V2],
            "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:titulaire"},
            "credentialStatus": entries,
        }
        return vc_model.issue(document, KEY, ISSUER)

    assert sl.status_of(credential(41), published.__getitem__) == {
        "revocation": True,
        "suspension": False,
    }
    assert sl.status_of(credential(7), published.__getitem__)["suspension"] is True
    assert not any(sl.status_of(credential(8), published.__getitem__).values())

    forged = copy.deepcopy(published[LIST_URL])
    forged["credentialSubject"]["encodedList"] = sl.encode(sl.new_bits())  # "unrevoke" 41
    with pytest.raises(sl.StatusError, match="liste non vérifiable"):
        sl.status_of(credential(41), {**published, LIST_URL: forged}.__getitem__)


def test_bits_are_most_significant_first_and_bounded():
    bits = sl.new_bits()
    sl.set_bit(bits, 0)
    sl.set_bit(bits, 9)
    assert bits[:2] == b"\x80\x40"
    sl.set_bit(bits, 9, False)
    assert bits[1] == 0
    with pytest.raises(sl.StatusError, match="hors de la liste"):
        sl.bit(bits, sl.MIN_ENTRIES)


def test_a_decompression_bomb_is_refused():
    import base64
    import gzip

    bomb = gzip.compress(b"\0" * (sl.MAX_DECOMPRESSED + 10))
    encoded = "u" + base64.urlsafe_b64encode(bomb).decode().rstrip("=")
    with pytest.raises(sl.StatusError, match="démesurée"):
        sl.decode(encoded)


def test_a_list_outside_its_period_is_refused():
    bits = sl.new_bits()
    later = sl.list_credential(
        LIST_URL, "revocation", bits, KEY, ISSUER, valid_from="2999-01-01T00:00:00Z"
    )
    with pytest.raises(sl.StatusError, match="pas encore valide"):
        sl.read_list(later, "revocation", now=datetime(2026, 1, 1, tzinfo=UTC))
