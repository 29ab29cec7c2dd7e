"""Importing organisations and contracts (``passeport organisations|contrats importer``)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from passeport.certifiers.directory import import_contracts, import_organisations
from passeport.certifiers.models import Contract, Organisation
from passeport.core.errors import InputError
from tests.factories import fake

pytestmark = pytest.mark.django_db

ORG_HEADER = "bcr,siret,raison_sociale,roles"
CONTRACT_HEADER = "id_contrat,certificateur_bcr,deposant_bcr"


def csv_file(path, header: str, *lines: str):
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def siret() -> str:
    return fake.siret().replace(" ", "")


@pytest.fixture
def orgs_csv(tmp_path):
    return csv_file(
        tmp_path / "organisations.csv",
        ORG_HEADER,
        f"CERT0001,{siret()},Université Synthétique,certificateur",
        "TIERS001,,Tiers de confiance Exemple,deposant",
        f'BOTH0001,{siret()},"Organisme, certificateur et déposant",certificateur|deposant',
    )


class TestOrganisations:
    def test_import_with_roles(self, orgs_csv):
        report = import_organisations(orgs_csv)
        assert (report.created, report.updated, report.unchanged, report.errors) == (3, 0, 0, [])
        roles = {
            o.bcr: (o.is_certifier, o.is_depositor, o.name) for o in Organisation.objects.all()
        }
        assert roles == {
            "CERT0001": (True, False, "Université Synthétique"),
            "TIERS001": (False, True, "Tiers de confiance Exemple"),
            "BOTH0001": (True, True, "Organisme, certificateur et déposant"),
        }
        assert Organisation.objects.get(bcr="TIERS001").siret == ""

    def test_importing_twice_changes_nothing(self, orgs_csv):
        import_organisations(orgs_csv)
        before = list(Organisation.objects.order_by("pk").values())
        report = import_organisations(orgs_csv)
        assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, 3, [])
        assert list(Organisation.objects.order_by("pk").values()) == before

    def test_changed_line_updates_in_place(self, orgs_csv, tmp_path):
        import_organisations(orgs_csv)
        pk = Organisation.objects.get(bcr="TIERS001").pk
        changed = csv_file(
            tmp_path / "v2.csv", ORG_HEADER, "TIERS001,,Nouveau nom,certificateur|deposant"
        )
        report = import_organisations(changed)
        assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
        org = Organisation.objects.get(bcr="TIERS001")
        assert (org.pk, org.name, org.is_certifier, org.is_depositor) == (
            pk,
            "Nouveau nom",
            True,
            True,
        )
        assert Organisation.objects.count() == 3

    def test_bad_lines_are_reported_and_skipped(self, tmp_path):
        path = csv_file(
            tmp_path / "organisations.csv",
            ORG_HEADER,
            "GOOD0001,,Bon organisme,certificateur",  # 2
            "SHORT,,Trop court,certificateur",  # 3
            "BADSIRET,123,Siret faux,deposant",  # 4
            "NONAME01,,,deposant",  # 5
            "ROLES001,,Rôle inconnu,certificateur|auditeur",  # 6
            "ROLES002,,Sans rôle,",  # 7
            "ROLES003,,Majuscules,Certificateur",  # 8
            "COLS0001,Deux colonnes",  # 9
            "GOOD0001,,Doublon,deposant",  # 10
            "GOOD0002,,Autre bon organisme,deposant",  # 11
        )
        report = import_organisations(path)
        assert report.errors == [
            (3, "le BCR « SHORT » doit compter exactement 8 caractères"),
            (4, "le SIRET « 123 » doit compter 14 chiffres"),
            (5, "la raison sociale est obligatoire"),
            (
                6,
                "rôles « certificateur|auditeur » inconnus : certificateur, deposant ou "
                "certificateur|deposant",
            ),
            (7, "rôles «  » inconnus : certificateur, deposant ou certificateur|deposant"),
            (
                8,
                "rôles « Certificateur » inconnus : certificateur, deposant ou "
                "certificateur|deposant",
            ),
            (9, "2 colonnes au lieu de 4"),
            (10, "le BCR GOOD0001 figure déjà plus haut dans le fichier"),
        ]
        assert report.created == 2
        assert sorted(Organisation.objects.values_list("bcr", "name")) == [
            ("GOOD0001", "Bon organisme"),
            ("GOOD0002", "Autre bon organisme"),
        ]

    def test_header_must_be_exact(self, tmp_path):
        path = csv_file(tmp_path / "o.csv", "bcr,siret,nom,roles", "GOOD0001,,X,deposant")
        with pytest.raises(InputError) as caught:
            import_organisations(path)
        assert caught.value.message == (
            "En-tête inattendu. L'en-tête doit être exactement : " + ORG_HEADER
        )
        assert Organisation.objects.count() == 0

    def test_header_in_another_order_is_refused(self, tmp_path):
        path = csv_file(tmp_path / "o.csv", "siret,bcr,raison_sociale,roles")
        with pytest.raises(InputError, match="^En-tête inattendu"):
            import_organisations(path)

    def test_command(self, orgs_csv):
        out, err = io.StringIO(), io.StringIO()
        call_command("organisations", "importer", str(orgs_csv), stdout=out, stderr=err)
        assert out.getvalue() == (
            "Organisations : 3 créé(s), 0 mis à jour, 0 inchangé(s), 0 ligne(s) en erreur.\n"
        )
        assert err.getvalue() == ""


@pytest.fixture
def organisations(orgs_csv):
    import_organisations(orgs_csv)


@pytest.mark.usefixtures("organisations")
class TestContracts:
    def test_import(self, tmp_path):
        path = csv_file(
            tmp_path / "contrats.csv",
            CONTRACT_HEADER,
            "MCFCER000123,CERT0001,TIERS001",
            "2560080000127J,BOTH0001,BOTH0001",
        )
        report = import_contracts(path)
        assert (report.created, report.updated, report.unchanged, report.errors) == (2, 0, 0, [])
        contracts = {
            (c.contract_id, c.certifier.bcr, c.depositor.bcr)
            for c in Contract.objects.select_related("certifier", "depositor")
        }
        assert contracts == {
            ("MCFCER000123", "CERT0001", "TIERS001"),
            ("2560080000127J", "BOTH0001", "BOTH0001"),
        }

    def test_importing_twice_changes_nothing(self, tmp_path):
        path = csv_file(tmp_path / "contrats.csv", CONTRACT_HEADER, "C1,CERT0001,TIERS001")
        import_contracts(path)
        before = list(Contract.objects.values())
        report = import_contracts(path)
        assert (report.created, report.unchanged, report.errors) == (0, 1, [])
        assert list(Contract.objects.values()) == before

    def test_bad_lines_are_reported_and_skipped(self, tmp_path):
        path = csv_file(
            tmp_path / "contrats.csv",
            CONTRACT_HEADER,
            "C1,CERT0001,TIERS001",  # 2
            "C2,INCONNU1,TIERS001",  # 3
            "C3,CERT0001,INCONNU2",  # 4
            ",CERT0001,TIERS001",  # 5
            "C12345678901234567890,CERT0001,TIERS001",  # 6
            "C7,CERT0001",  # 7
            "C8,TIERS001,TIERS001",  # 8: a depositor only cannot be the certifier
            "C9,CERT0001,CERT0001",  # 9: a certifier only cannot deposit
            "C10,BOTH0001,TIERS001",  # 10
        )
        report = import_contracts(path)
        assert report.errors == [
            (3, "l'organisation INCONNU1 est inconnue : importez-la d'abord"),
            (4, "l'organisation INCONNU2 est inconnue : importez-la d'abord"),
            (5, "l'idContrat doit compter de 1 à 20 caractères"),
            (6, "l'idContrat doit compter de 1 à 20 caractères"),
            (7, "2 colonnes au lieu de 3"),
            (8, "l'organisation TIERS001 n'a pas le rôle certificateur"),
            (9, "l'organisation CERT0001 n'a pas le rôle déposant"),
        ]
        assert report.created == 2
        assert sorted(Contract.objects.values_list("contract_id", flat=True)) == ["C1", "C10"]

    def test_header_must_be_exact(self, tmp_path):
        path = csv_file(tmp_path / "c.csv", "id_contrat,certificateur,deposant", "C1,A,B")
        with pytest.raises(InputError) as caught:
            import_contracts(path)
        assert caught.value.message == (
            "En-tête inattendu. L'en-tête doit être exactement : " + CONTRACT_HEADER
        )

    def test_command(self, tmp_path):
        path = csv_file(
            tmp_path / "contrats.csv",
            CONTRACT_HEADER,
            "C1,CERT0001,TIERS001",
            "C2,CERT0001,INCONNU1",
        )
        out, err = io.StringIO(), io.StringIO()
        call_command("contrats", "importer", str(path), stdout=out, stderr=err)
        assert out.getvalue() == (
            "Contrats : 1 créé(s), 0 mis à jour, 0 inchangé(s), 1 ligne(s) en erreur.\n"
        )
        assert err.getvalue() == (
            "ligne 3 : l'organisation INCONNU1 est inconnue : importez-la d'abord\n"
        )

    def test_command_wrong_header(self, tmp_path):
        path = csv_file(tmp_path / "c.csv", "a,b,c")
        with pytest.raises(CommandError) as caught:
            call_command("contrats", "importer", str(path))
        assert str(caught.value) == (
            f"En-tête inattendu. L'en-tête doit être exactement : {CONTRACT_HEADER} (ligne 1)"
        )
