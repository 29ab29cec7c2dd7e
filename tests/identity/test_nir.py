"""The NIR vault: checking, keyed look-up hash, authenticated encryption, masking."""

import base64
import hashlib

import pytest
from cryptography.exceptions import InvalidTag
from django.test import override_settings

from passeport.identity import nir

# Synthetic bodies; the keys were computed with the INSEE rule 97 − (NIR mod 97), Corsica's
# 2A/2B counted as 19/18 (the same rule gives the published documentation examples).
MAINLAND = "1961131555123"
MAINLAND_KEY = "25"
CORSICA_2A = "296112A004123"
CORSICA_2A_KEY = "48"
CORSICA_2B = "185032B012345"
CORSICA_2B_KEY = "74"

OTHER_KEY = base64.b64encode(b"k" * 32).decode()


class TestNormalize:
    def test_thirteen_characters_are_taken_as_they_are(self):
        assert nir.normalize(MAINLAND) == MAINLAND

    def test_fifteen_characters_have_their_key_checked_and_dropped(self):
        assert nir.normalize(MAINLAND + MAINLAND_KEY) == MAINLAND

    def test_spaces_are_ignored(self):
        assert nir.normalize(" 1 96 11 31 555 123 25 ") == MAINLAND

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            (CORSICA_2A + CORSICA_2A_KEY, CORSICA_2A),
            (CORSICA_2B + CORSICA_2B_KEY, CORSICA_2B),
            ("296112a004123" + CORSICA_2A_KEY, CORSICA_2A),
        ],
    )
    def test_corsica_keys_count_2a_as_19_and_2b_as_18(self, raw, expected):
        assert nir.normalize(raw) == expected

    def test_control_key_values(self):
        assert nir.control_key(MAINLAND) == int(MAINLAND_KEY)
        assert nir.control_key(CORSICA_2A) == int(CORSICA_2A_KEY)
        assert nir.control_key(CORSICA_2B) == int(CORSICA_2B_KEY)

    @pytest.mark.parametrize(
        "raw",
        [
            MAINLAND + "26",
            MAINLAND + "00",
            CORSICA_2A + CORSICA_2B_KEY,  # 2A with the key of a 2B computation
            CORSICA_2A.replace("2A", "2B") + CORSICA_2A_KEY,
            MAINLAND + "2x",
            MAINLAND + "²⁵",  # digits for str.isdigit, not for int()
        ],
    )
    def test_wrong_key(self, raw):
        with pytest.raises(nir.InvalidNir, match="^la clé du NIR est incorrecte$"):
            nir.normalize(raw)

    @pytest.mark.parametrize("raw", ["", None, "123456789012", "19611315551232", "1" * 16])
    def test_wrong_length(self, raw):
        with pytest.raises(
            nir.InvalidNir, match="^le NIR doit compter 13 caractères, ou 15 avec la clé$"
        ):
            nir.normalize(raw)

    @pytest.mark.parametrize(
        "raw",
        [
            "5961131555123",  # first digit 5: no such category
            "0961131555123",
            "1960031555123",  # month 00
            "1961131A55123",  # letter outside the département
            "196112C004123",  # Corsica is 2A or 2B only
            "1961131555ABC",
        ],
    )
    def test_bad_forms(self, raw):
        with pytest.raises(nir.InvalidNir, match="^le NIR n'a pas la forme attendue$"):
            nir.normalize(raw)


class TestLookupHash:
    def test_stable_hex_digest(self):
        digest = nir.lookup_hash(MAINLAND)
        assert digest == nir.lookup_hash(MAINLAND)
        assert len(digest) == 64 and int(digest, 16) >= 0

    def test_different_nirs_differ(self):
        assert nir.lookup_hash(MAINLAND) != nir.lookup_hash(CORSICA_2A)

    def test_keyed_not_a_plain_hash(self):
        digest = nir.lookup_hash(MAINLAND)
        assert digest != hashlib.sha256(MAINLAND.encode()).hexdigest()
        with override_settings(NIR_HMAC_KEY=OTHER_KEY):
            assert nir.lookup_hash(MAINLAND) != digest

    def test_key_of_wrong_size_is_refused(self):
        with (
            override_settings(NIR_HMAC_KEY=base64.b64encode(b"short").decode()),
            pytest.raises(ValueError, match="^NIR_HMAC_KEY doit faire 32 octets"),
        ):
            nir.lookup_hash(MAINLAND)


class TestEncryption:
    def test_round_trip(self):
        digest = nir.lookup_hash(MAINLAND)
        assert nir.decrypt(nir.encrypt(MAINLAND, digest), digest) == MAINLAND

    def test_round_trip_from_a_memoryview(self):
        """What a BinaryField gives back on PostgreSQL."""
        digest = nir.lookup_hash(CORSICA_2A)
        blob = memoryview(nir.encrypt(CORSICA_2A, digest))
        assert nir.decrypt(blob, digest) == CORSICA_2A

    def test_ciphertext_does_not_hold_the_nir_and_is_randomised(self):
        digest = nir.lookup_hash(MAINLAND)
        first, second = nir.encrypt(MAINLAND, digest), nir.encrypt(MAINLAND, digest)
        assert MAINLAND.encode() not in first
        assert first != second

    def test_ciphertext_is_bound_to_its_hash(self):
        """Copying the encrypted NIR of one row onto another row cannot be decrypted."""
        digest = nir.lookup_hash(MAINLAND)
        blob = nir.encrypt(MAINLAND, digest)
        with pytest.raises(InvalidTag):
            nir.decrypt(blob, nir.lookup_hash(CORSICA_2A))

    def test_tampered_ciphertext_fails(self):
        digest = nir.lookup_hash(MAINLAND)
        blob = bytearray(nir.encrypt(MAINLAND, digest))
        blob[-1] ^= 1
        with pytest.raises(InvalidTag):
            nir.decrypt(bytes(blob), digest)

    def test_another_encryption_key_cannot_decrypt(self):
        digest = nir.lookup_hash(MAINLAND)
        blob = nir.encrypt(MAINLAND, digest)
        with override_settings(NIR_ENC_KEY=OTHER_KEY), pytest.raises(InvalidTag):
            nir.decrypt(blob, digest)


def test_mask_shows_only_sex_year_and_month():
    assert nir.mask(MAINLAND) == "1 96 11 •• ••• •••"
    assert nir.mask(CORSICA_2A) == "2 96 11 •• ••• •••"
