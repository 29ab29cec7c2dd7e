"""One rejecting case per business rule of accrochage.md §6.2–§6.4: exact message, right scope.

Each flux is written with the production writer, deposited and processed by the real
pipeline; the accusé is read back with our reader.
"""

import pytest

from passeport.certifiers import services
from passeport.certifiers.accuse import read_report
from passeport.certifiers.models import DepositStatus, Grant
from passeport.records.models import CertificationItem
from passeport.referentials import rncp
from tests.certifiers.builders import deposit_and_process, flux_bytes, row_for
from tests.conftest import REFERENTIELS
from tests.factories import HolderFactory, official_sample_world

pytestmark = pytest.mark.django_db(transaction=True)

E = "AB123CDE"


@pytest.fixture
def world():
    w = official_sample_world()
    # RS46: certified by the same ministry (SIRET 11004301500012) in the 2024 export;
    # RNCP34000: by other bodies only.
    rncp.load(REFERENTIELS, only={"RS46", "RNCP34000"})
    return w


def outcome(deposit):
    report = read_report(services.report_bytes(deposit))
    return report, {k.id_technique: k.message for k in report.ko}


def cert_ko(id_technique: str, index: int) -> str:
    return (
        f"Le statut de la certification avec le bcr émetteur {E}, l'id technique partenaire "
        f"{id_technique} et l'index {index} est KO"
    )


def suffix(id_technique: str) -> str:
    return (
        f"pour le passage certification avec le bcr émetteur {E} et l'id technique "
        f"partenaire {id_technique}"
    )


# -- file level: the whole file is rejected -------------------------------------------------


def test_unknown_contract_rejects_the_whole_file(world):
    data = flux_bytes([row_for(world["holder"], "p1")], contrat="INCONNU01")
    d = deposit_and_process(data, world["depositor"])
    assert d.status == DepositStatus.REJECTED
    report, _ = outcome(d)
    assert report.ok == [] and report.ko == []
    assert [(e.type, e.message) for e in report.errors] == [
        ("METIER", "Aucun contrat INCONNU01 ne lie l'émetteur AB123CDE au certificateur E564ACB0")
    ]
    line = data[: data.index(b"<cpf:idContrat>")].count(b"\n") + 1
    assert report.errors[0].line == line  # where the idContrat element is
    assert CertificationItem.objects.count() == 0


def test_contract_must_link_this_emetteur(world):
    """A known contract id, but between other organisations, is still unknown here."""
    data = flux_bytes([row_for(world["holder"], "p1")], emetteur="E564ACB0")
    d = deposit_and_process(data, world["certifier"])
    report, _ = outcome(d)
    assert report.errors[0].message == (
        "Aucun contrat 2560080000127J ne lie l'émetteur E564ACB0 au certificateur E564ACB0"
    )


def test_emetteur_must_be_the_depositing_organisation(world):
    """Through the portal or the API, an organisation deposits only its own files."""
    data = flux_bytes([row_for(world["holder"], "p1")])
    d = deposit_and_process(data, world["certifier"])
    report, _ = outcome(d)
    assert [(e.type, e.message) for e in report.errors] == [
        (
            "METIER",
            "L'émetteur AB123CDE désigné par le fichier n'est pas l'organisation qui "
            "l'a déposé (E564ACB0)",
        )
    ]


def test_schema_error_wins_over_file_rules(world):
    """Order of checks: schema first, even when the contract is unknown too."""
    data = flux_bytes([row_for(world["holder"], "p1", sexe="H")], contrat="INCONNU01")
    d = deposit_and_process(data, world["depositor"])
    report, _ = outcome(d)
    assert [e.type for e in report.errors] == ["XSD"]
    assert report.errors[0].message.startswith("cvc-enumeration-valid : La valeur 'H'")


# -- certification level: every passage of that certification ---------------------------


@pytest.mark.parametrize(
    ("cert_type", "code"),
    [
        ("Diplôme Universitaire", "RNCP19117"),  # type outside RNCP/RS
        ("RNCP", "19117"),  # code without its prefix
        ("RS", "RNCP19117"),  # type and prefix disagree
        ("RNCP", "RNCP99999999"),  # unknown to the registers
        ("RNCP", "RNCP34000"),  # exists, but E564ACB0's SIRET is not its certifier
    ],
    ids=["type", "prefixe", "type-prefixe", "code-inconnu", "habilitation"],
)
def test_certification_rules_make_every_passage_of_that_certification_ko(world, cert_type, code):
    h = world["holder"]
    rows = [
        row_for(h, "ok-1"),
        row_for(h, "bad-1", type=cert_type, code=code),
        row_for(h, "bad-2", type=cert_type, code=code),
        row_for(h, "ok-2", code="RS46", type="RS"),
    ]
    d = deposit_and_process(flux_bytes(rows), world["depositor"])
    report, ko = outcome(d)
    assert d.status == DepositStatus.DONE_KO
    assert report.ok == ["ok-1", "ok-2"]
    assert ko == {"bad-1": cert_ko("bad-1", 1), "bad-2": cert_ko("bad-2", 1)}


def test_staff_grant_adds_a_habilitation(world):
    Grant.objects.create(certifier=world["certifier"], code="RNCP34000", reason="convention")
    rows = [row_for(world["holder"], "p1", code="RNCP34000")]
    d = deposit_and_process(flux_bytes(rows), world["depositor"])
    assert read_report(services.report_bytes(d)).ok == ["p1"]


# -- passage level: only that passage ------------------------------------------------------


def test_duplicate_within_the_file(world):
    rows = [row_for(world["holder"], "p1"), row_for(world["holder"], "p1")]
    d = deposit_and_process(flux_bytes(rows), world["depositor"])
    report, _ = outcome(d)
    assert report.ok == ["p1"]
    assert [(k.id_technique, k.message) for k in report.ko] == [
        (
            "p1",
            f"Le passage certification avec le bcr émetteur {E} et l'id technique partenaire "
            "p1 existe déjà en base",
        )
    ]
    assert CertificationItem.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"date_debut_validite": "2024-06-30", "date_fin_validite": "2024-06-29"},
            "La date de fin de validité est inférieure à date de début de validité ",
        ),
        (
            {"modalite_acces": "VAE"},
            "La voie d'accès VAE est obligatoire lorsque modaliteAcces vaut VAE ",
        ),
    ],
    ids=["fin-avant-debut", "vae-sans-voie"],
)
def test_passage_rules(world, overrides, message):
    rows = [row_for(world["holder"], "good"), row_for(world["holder"], "bad", **overrides)]
    d = deposit_and_process(flux_bytes(rows), world["depositor"])
    report, ko = outcome(d)
    assert report.ok == ["good"]
    assert ko == {"bad": message + suffix("bad")}


def _set_flag(data: bytes, element: str) -> bytes:
    """Flip a presence flag to true without giving the data it announces."""
    return data.replace(
        f"<cpf:{element}>false</cpf:{element}>".encode(),
        f"<cpf:{element}>true</cpf:{element}>".encode(),
        1,
    )


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        (
            "presenceNiveauLangueEuro",
            "Le niveau de langue européen est obligatoire lorsque "
            "presenceNiveauLangueEuro vaut true ",
        ),
        (
            "presenceNiveauNumeriqueEuro",
            "Le niveau numérique européen est obligatoire lorsque "
            "presenceNiveauNumeriqueEuro vaut true ",
        ),
    ],
    ids=["langue", "numerique"],
)
def test_presence_flag_without_its_data(world, flag, message):
    rows = [row_for(world["holder"], "bad"), row_for(world["holder"], "good")]
    d = deposit_and_process(_set_flag(flux_bytes(rows), flag), world["depositor"])
    report, ko = outcome(d)
    assert report.ok == ["good"]
    assert ko == {"bad": message + suffix("bad")}


def test_end_of_validity_equal_to_start_is_fine(world):
    rows = [row_for(world["holder"], "p1", date_fin_validite="2024-06-30")]
    d = deposit_and_process(flux_bytes(rows), world["depositor"])
    assert read_report(services.report_bytes(d)).ok == ["p1"]


def test_holder_not_found_is_ko_and_others_go_through(world):
    stranger = HolderFactory.build(birth_name="Inconnu", first_name1="Personne", birth_year=1970)
    rows = [row_for(stranger, "who"), row_for(world["holder"], "me")]
    d = deposit_and_process(flux_bytes(rows), world["depositor"])
    report, ko = outcome(d)
    assert report.ok == ["me"]
    assert ko == {"who": "Aucun titulaire ne correspond aux critères obligatoires"}


def test_first_failing_rule_wins(world):
    """duplicate → certification → dates → conditional → matching: one message per passage."""
    stranger = HolderFactory.build(birth_name="Inconnu", first_name1="Personne", birth_year=1970)
    rows = [
        row_for(world["holder"], "p1"),
        row_for(stranger, "p1", code="RNCP99999999", date_fin_validite="2000-01-01"),
        row_for(stranger, "p2", code="RNCP99999999", date_fin_validite="2000-01-01"),
        row_for(stranger, "p3", date_fin_validite="2000-01-01", modalite_acces="VAE"),
        row_for(stranger, "p4", modalite_acces="VAE"),
    ]
    d = deposit_and_process(flux_bytes(rows), world["depositor"])
    _, ko = outcome(d)
    assert ko["p1"].endswith("existe déjà en base")
    assert ko["p2"] == cert_ko("p2", 1)
    assert ko["p3"].startswith("La date de fin de validité")
    assert ko["p4"].startswith("La voie d'accès VAE")


def test_warnings_never_make_a_passage_ko(world):
    rows = [
        row_for(
            world["holder"],
            "p1",
            voie_acces_vae="CONGES_VAE",
            date_debut_examen="2024-06-10",
            date_fin_examen="2024-06-01",
        )
    ]
    d = deposit_and_process(flux_bytes(rows, id_flux="pas-un-uuid"), world["depositor"])
    assert read_report(services.report_bytes(d)).ok == ["p1"]
    messages = sorted(w.message for w in d.warnings.all())
    assert messages == [
        "L'idFlux « pas-un-uuid » n'est pas un UUID, comme le recommande le dictionnaire des "
        "données.",
        "dateFinExamen (2024-06-01) précède dateDebutExamen (2024-06-10) (passage p1).",
        "voieAccessVAE (CONGES_VAE) est ignorée : modaliteAcces vaut "
        "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION et non VAE (passage p1).",
    ]
