"""The matching funnel (accrochage.md §7): every outcome, against register fixtures."""

import pytest

from passeport.identity.claims import CpfClaim, PersonClaim
from passeport.identity.matching import (
    NONE_LEVEL1,
    NONE_LEVEL2,
    NONE_LEVEL3,
    SEVERAL,
    Match,
    match_all,
)
from tests.factories import HolderFactory

pytestmark = pytest.mark.django_db


def test_messages_are_the_cdc_wording():
    assert NONE_LEVEL1 == "Aucun titulaire ne correspond aux critères obligatoires"
    assert NONE_LEVEL2 == (
        "Aucun titulaire ne correspond aux critères obligatoires enrichis du jour et du mois "
        "de naissance"
    )
    assert NONE_LEVEL3 == "Aucun titulaire ne correspond aux critères de reconciliation"
    assert SEVERAL == "Plusieurs titulaires ont été identifiés"


def claim(**overrides) -> PersonClaim:
    values = {
        "birth_name": "Lemoine",
        "first_name1": "Camille",
        "sex": "F",
        "birth_year": 1988,
        "birth_month": 4,
        "birth_day": 17,
        "birth_insee": "69123",
    }
    values.update(overrides)
    return PersonClaim(**values)


def holder(**overrides):
    values = {
        "birth_name": "Lemoine",
        "first_name1": "Camille",
        "sex": "F",
        "birth_year": 1988,
        "birth_month": 4,
        "birth_day": 17,
        "birth_insee": "69123",
    }
    values.update(overrides)
    return HolderFactory(**values)


def one(c) -> Match:
    (result,) = match_all([c])
    return result


def ok(h, level: int) -> Match:
    return Match(h.pk, None, level)


class TestLevel1:
    def test_nobody(self):
        holder(birth_name="Lemoyne")
        assert one(claim()) == Match(None, NONE_LEVEL1, 1)

    @pytest.mark.parametrize(
        "change",
        [
            {"birth_name": "Lemoines"},
            {"first_name1": "Camilla"},
            {"sex": "M"},
            {"birth_year": 1989},
        ],
    )
    def test_each_mandatory_criterion_counts(self, change):
        holder()
        assert one(claim(**change)) == Match(None, NONE_LEVEL1, 1)

    def test_single_candidate_is_found_at_level_1(self):
        h = holder()
        holder(first_name1="Camillo", sex="M")
        # one candidate: day, month and place are not looked at
        assert one(claim(birth_month=9, birth_day=2, birth_insee="13055")) == ok(h, 1)

    def test_first_name_is_the_first_one_only(self):
        holder(first_name1="Anne", first_name2="Camille")
        assert one(claim()) == Match(None, NONE_LEVEL1, 1)


class TestLevel2:
    def test_several_at_level_1_none_at_level_2(self):
        holder(birth_day=1)
        holder(birth_day=2)
        assert one(claim(birth_day=17)) == Match(None, NONE_LEVEL2, 2)

    def test_month_counts_too(self):
        holder(birth_month=5)
        holder(birth_month=6)
        assert one(claim()) == Match(None, NONE_LEVEL2, 2)

    def test_single_at_level_2(self):
        h = holder()
        holder(birth_day=18)
        holder(birth_month=5)
        assert one(claim()) == ok(h, 2)

    def test_nil_month_and_day_in_the_claim_match_anything(self):
        holder(birth_month=1, birth_day=1, birth_insee="75056")
        h = holder(birth_month=2, birth_day=2, birth_insee="69123")
        # level 2 cannot narrow, level 3 decides on the commune
        assert one(claim(birth_month=None, birth_day=None)) == ok(h, 3)

    def test_nil_day_only(self):
        h = holder(birth_month=4, birth_day=3)
        holder(birth_month=5, birth_day=17)
        assert one(claim(birth_day=None)) == ok(h, 2)

    def test_unknown_day_and_month_in_the_register_match_anything(self):
        h = holder(birth_month=None, birth_day=None)
        holder(birth_day=30)
        assert one(claim()) == ok(h, 2)


class TestLevel3:
    def test_several_then_none(self):
        holder(birth_insee="75056")
        holder(birth_insee="13055")
        assert one(claim(birth_insee="69123")) == Match(None, NONE_LEVEL3, 3)

    def test_single_by_commune(self):
        h = holder(birth_insee="69123")
        holder(birth_insee="75056")
        assert one(claim(birth_insee="69123")) == ok(h, 3)

    def test_corsican_commune_case_insensitive(self):
        h = holder(birth_insee="2A004")
        holder(birth_insee="2B033")
        assert one(claim(birth_insee="2a004")) == ok(h, 3)

    def test_single_by_second_first_name(self):
        holder(first_name2="Louise")
        h = holder(first_name2="Hélène")
        assert one(claim(first_name2="HELENE")) == ok(h, 3)

    def test_single_by_third_first_name(self):
        h = holder(first_name3="Rose")
        holder(first_name3="Lys")
        assert one(claim(first_name3="rose")) == ok(h, 3)

    def test_single_by_usage_name(self):
        h = holder(usage_name="Fabre")
        holder(usage_name="Roux")
        assert one(claim(usage_name="Fabre")) == ok(h, 3)

    def test_single_by_country_for_someone_born_abroad(self):
        spain = holder(birth_insee="99134", birth_country="134")
        holder(birth_insee="99139", birth_country="139")
        assert one(claim(birth_insee="99134", birth_country="134")) == ok(spain, 3)

    def test_born_abroad_with_only_the_country_in_the_register(self):
        holder(birth_insee="", birth_country="139")
        spain = holder(birth_insee="", birth_country="134")
        assert one(claim(birth_insee="99134")) == ok(spain, 3)

    def test_a_commune_never_matches_a_country(self):
        abroad = holder(birth_insee="99134", birth_country="134")
        france = holder(birth_insee="69123")
        assert one(claim(birth_insee="69123")) == ok(france, 3)
        assert one(claim(birth_insee="99134")) == ok(abroad, 3)

    def test_country_given_without_commune(self):
        """``codePostalNaissance`` nil but ``codePaysNaissance`` given."""
        spain = holder(birth_insee="99134", birth_country="134")
        holder(birth_insee="99139", birth_country="139")
        assert one(claim(birth_insee=None, birth_country="134")) == ok(spain, 3)

    def test_country_mismatch_is_none(self):
        holder(birth_insee="99134", birth_country="134")
        holder(birth_insee="99139", birth_country="139")
        assert one(claim(birth_insee="99109", birth_country="109")) == Match(None, NONE_LEVEL3, 3)

    def test_several_identified(self):
        holder(birth_insee="69123", first_name2="Marie")
        holder(birth_insee="69123", first_name2="Marie")
        assert one(claim(first_name2="Marie")) == Match(None, SEVERAL, 3)

    def test_unknown_criteria_do_not_narrow(self):
        holder(birth_insee="69123", usage_name="Fabre")
        unknown = holder(birth_insee="69123", usage_name="")
        # no usage name in the claim: it narrows nothing
        assert one(claim(usage_name=None)) == Match(None, SEVERAL, 3)
        # none in the register: that holder stays a candidate, the other one drops out
        assert one(claim(usage_name="Roux")) == ok(unknown, 3)


class TestNormalisation:
    def test_accents_and_case_are_ignored(self):
        h = holder(birth_name="DUPONT", first_name1="Éloïse")
        assert one(claim(birth_name="Dupont", first_name1="Eloise")) == ok(h, 1)

    def test_accents_in_the_claim(self):
        h = holder(birth_name="Dupont", first_name1="Eloise")
        assert one(claim(birth_name="dupônt", first_name1="ÉLOÏSE")) == ok(h, 1)

    def test_hyphen_is_significant(self):
        holder(first_name1="Jean-Pierre", sex="M")
        assert one(claim(first_name1="Jean Pierre", sex="M")) == Match(None, NONE_LEVEL1, 1)
        assert one(claim(first_name1="JeanPierre", sex="M")) == Match(None, NONE_LEVEL1, 1)

    def test_hyphen_matches_hyphen(self):
        h = holder(first_name1="Jean-Pierre", sex="M")
        assert one(claim(first_name1="jean-pierre", sex="M")) == ok(h, 1)

    def test_inner_spaces_collapsed_and_trimmed(self):
        h = holder(birth_name="De La Tour")
        assert one(claim(birth_name="  de   la\ttour ")) == ok(h, 1)

    def test_normalisation_at_level_3(self):
        h = holder(usage_name="Le Goff")
        holder(usage_name="Le Gall")
        assert one(claim(usage_name=" le  GOFF")) == ok(h, 3)


class TestCpfFile:
    @pytest.fixture
    def owner(self):
        return holder(birth_name="Martin", usage_name="Girard", cpf=["123456789012"])

    def test_by_number_and_birth_name(self, owner):
        assert one(CpfClaim("123456789012", "martin", "Camille")) == ok(owner, 1)

    def test_by_number_and_usage_name(self, owner):
        assert one(CpfClaim(" 123456789012 ", "GIRARD", "camille")) == ok(owner, 1)

    def test_accents_ignored(self, owner):
        assert one(CpfClaim("123456789012", "Märtin", "Camïlle")) == ok(owner, 1)

    def test_mismatching_name(self, owner):
        assert one(CpfClaim("123456789012", "Durand", "Camille")) == Match(None, NONE_LEVEL1, 1)

    def test_mismatching_first_name(self, owner):
        assert one(CpfClaim("123456789012", "Martin", "Claire")) == Match(None, NONE_LEVEL1, 1)

    def test_unknown_number(self, owner):
        assert one(CpfClaim("999999999999", "Martin", "Camille")) == Match(None, NONE_LEVEL1, 1)

    def test_empty_usage_name_never_matches_an_empty_claim(self):
        holder(birth_name="Martin", usage_name="", cpf=["42"])
        assert one(CpfClaim("42", "", "Camille")) == Match(None, NONE_LEVEL1, 1)


def test_results_keep_the_order_of_the_claims():
    a = holder(birth_name="Aubert")
    b = holder(birth_name="Bertin", cpf=["777"])
    claims = [
        claim(birth_name="Bertin"),
        CpfClaim("777", "Bertin", "Camille"),
        claim(birth_name="Inconnu"),
        claim(birth_name="Aubert"),
    ]
    assert match_all(claims) == [ok(b, 1), ok(b, 1), Match(None, NONE_LEVEL1, 1), ok(a, 1)]


def test_empty_batch_needs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert match_all([]) == []


def test_a_batch_costs_two_queries_whatever_its_size(django_assert_max_num_queries):
    people = [
        holder(birth_name=f"Nom{i:03d}", birth_day=1 + i % 28, cpf=[f"9{i:010d}"])
        for i in range(60)
    ]
    twins = [holder(birth_name="Jumeau", birth_insee=insee) for insee in ("75056", "69123")]
    claims = []
    for i in range(500):
        h = people[i % 60]
        if i % 5 == 0:
            claims.append(CpfClaim(f"9{i % 60:010d}", h.birth_name, h.first_name1))
        elif i % 5 == 1:
            claims.append(claim(birth_name="Jumeau", birth_insee="69123"))
        elif i % 5 == 2:
            claims.append(claim(birth_name=f"Absent{i}"))
        else:
            claims.append(claim(birth_name=h.birth_name, birth_day=h.birth_day))
    with django_assert_max_num_queries(2):
        results = match_all(claims)
    assert len(results) == 500
    assert results[0] == ok(people[0], 1)
    assert results[1] == ok(twins[1], 3)
    assert results[2] == Match(None, NONE_LEVEL1, 1)
    assert results[3] == ok(people[3], 1)
    assert sum(r.found for r in results) == 400
