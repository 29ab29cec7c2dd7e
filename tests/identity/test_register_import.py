"""Importing the identity register from CSV (``passeport registre importer``)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from passeport.core.errors import InputError
from passeport.identity import nir as nirlib
from passeport.identity.models import CpfFile, Holder
from passeport.identity.register import HEADER, import_register
from tests.factories import HolderFactory, synthetic_nir
from tests.identity.registers import people, write_register

pytestmark = pytest.mark.django_db

HEADER_LINE = ",".join(HEADER)


def holder_of(line: dict) -> Holder:
    return Holder.objects.get(nir_hash=nirlib.lookup_hash(line["nir"][:13]))


def snapshot():
    return list(Holder.objects.order_by("pk").values_list("pk", "updated_at"))


def test_synthetic_register_is_imported(tmp_path):
    lines = people(60)
    report = import_register(write_register(tmp_path / "registre.csv", lines))
    assert (report.created, report.updated, report.unchanged, report.errors) == (60, 0, 0, [])
    assert Holder.objects.count() == 60
    expected_files = sum(len(line["dossiers_cpf"].split()) for line in lines)
    assert expected_files == 40
    assert CpfFile.objects.count() == expected_files

    first = lines[0]
    holder = holder_of(first)
    assert (holder.birth_name, holder.usage_name, holder.first_name1, holder.first_name2) == (
        first["nom_naissance"],
        first["nom_usage"],
        first["prenom1"],
        first["prenom2"],
    )
    assert (holder.sex, holder.birth_year, holder.birth_month, holder.birth_day) == (
        first["sexe"],
        int(first["annee_naissance"]),
        int(first["mois_naissance"]),
        int(first["jour_naissance"]),
    )
    assert (holder.birth_insee, holder.birth_country) == ("99134", "134")
    assert (
        sorted(holder.cpf_files.values_list("number", flat=True)) == first["dossiers_cpf"].split()
    )
    assert nirlib.decrypt(holder.nir_encrypted, holder.nir_hash) == first["nir"][:13]
    assert holder.match_key.endswith(f"|{first['sexe']}|{first['annee_naissance']}")


def test_small_batches_give_the_same_register(tmp_path):
    path = write_register(tmp_path / "registre.csv", people(25))
    report = import_register(path, batch_size=4)
    assert (report.created, report.errors) == (25, [])
    assert CpfFile.objects.count() == 18


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    path = write_register(tmp_path / "registre.csv", people(40))
    import_register(path)
    before, files = snapshot(), sorted(CpfFile.objects.values_list("number", "holder_id"))

    report = import_register(path)

    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, 40, [])
    assert snapshot() == before
    assert sorted(CpfFile.objects.values_list("number", "holder_id")) == files


def test_a_changed_line_updates_that_holder_only(tmp_path):
    lines = people(10)
    import_register(write_register(tmp_path / "v1.csv", lines))
    before = dict(snapshot())
    lines[3] = {**lines[3], "nom_usage": "Martin-Durand", "prenom3": "Élise"}

    report = import_register(write_register(tmp_path / "v2.csv", lines))

    assert (report.created, report.updated, report.unchanged) == (0, 1, 9)
    changed = holder_of(lines[3])
    assert (changed.usage_name, changed.n_usage_name, changed.n_first_name3) == (
        "Martin-Durand",
        "MARTIN-DURAND",
        "ELISE",
    )
    after = dict(snapshot())
    assert after[changed.pk] > before[changed.pk]
    assert {pk: at for pk, at in after.items() if pk != changed.pk} == {
        pk: at for pk, at in before.items() if pk != changed.pk
    }


def test_a_new_cpf_file_for_a_known_holder_is_an_update(tmp_path):
    lines = people(3, with_cpf=False)
    import_register(write_register(tmp_path / "v1.csv", lines))
    lines[1] = {**lines[1], "dossiers_cpf": "55500011122"}

    report = import_register(write_register(tmp_path / "v2.csv", lines))

    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert CpfFile.objects.get(number="55500011122").holder == holder_of(lines[1])


def test_bad_lines_are_reported_with_their_number_and_skipped(tmp_path):
    other = HolderFactory(cpf=["77700000001"])
    good = people(4, seed=7, with_cpf=False)
    bad_key = {**people(1, seed=8)[0]}
    bad_key["nir"] = bad_key["nir"][:13] + f"{(int(bad_key['nir'][13:]) % 97) + 1:02d}"
    no_name = {**people(1, seed=9)[0], "nom_naissance": ""}
    sex_h = {**people(1, seed=10)[0], "sexe": "H"}
    month_13 = {**people(1, seed=11)[0], "mois_naissance": "13"}
    cpf_taken = {**people(1, seed=12)[0], "dossiers_cpf": "77700000001"}
    cpf_twice = [
        {**people(1, seed=13)[0], "dossiers_cpf": "88800000001"},
        {**people(1, seed=14)[0], "dossiers_cpf": "88800000001"},
    ]
    duplicate = {**good[0], "prenom2": "Autre", "dossiers_cpf": "99900000001"}
    too_long = {**people(1, seed=15)[0], "prenom2": "A" * 101}
    lines = [
        good[0],  # 2
        bad_key,  # 3
        no_name,  # 4
        good[1],  # 5
        sex_h,  # 6
        month_13,  # 7
        ["1" * 13, "Durand", "Marie"],  # 8
        cpf_taken,  # 9
        good[2],  # 10
        cpf_twice[0],  # 11
        cpf_twice[1],  # 12
        duplicate,  # 13
        too_long,  # 14
        good[3],  # 15
    ]
    report = import_register(write_register(tmp_path / "registre.csv", lines))

    assert report.errors == [
        (3, "la clé du NIR est incorrecte"),
        (4, "le nom de naissance est obligatoire"),
        (6, "le sexe doit valoir M ou F (reçu « H »)"),
        (7, "le mois de naissance doit être un nombre entre 1 et 12 (reçu « 13 »)"),
        (8, "3 colonnes au lieu de 13"),
        (9, "le dossier CPF 77700000001 est déjà rattaché à un autre titulaire"),
        (
            12,
            "le dossier CPF 88800000001 est déjà attribué à un autre titulaire plus haut "
            "dans le fichier",
        ),
        (13, "ce NIR figure déjà plus haut dans le fichier"),
        (14, "le prénom 2 dépasse 100 caractères"),
    ]
    assert (report.created, report.updated, report.unchanged) == (5, 0, 0)
    assert Holder.objects.count() == 6  # the 5 good lines and the factory's holder
    for line in [*good, cpf_twice[0]]:
        holder_of(line)
    # a skipped line leaves nothing behind: no holder, no CPF file
    for line in (bad_key, sex_h, cpf_taken, cpf_twice[1]):
        assert not Holder.objects.filter(nir_hash=nirlib.lookup_hash(line["nir"][:13])).exists()
    assert CpfFile.objects.get(number="77700000001").holder == other
    assert CpfFile.objects.get(number="88800000001").holder == holder_of(cpf_twice[0])
    assert not CpfFile.objects.filter(number="99900000001").exists()
    assert holder_of(good[0]).first_name2 == good[0]["prenom2"]


def test_duplicate_nir_in_a_later_batch_is_reported_too(tmp_path):
    lines = people(6, with_cpf=False)
    again = {**lines[0], "nom_usage": "Autre"}
    path = write_register(tmp_path / "registre.csv", [*lines, again])
    report = import_register(path, batch_size=2)
    assert report.errors == [(8, "ce NIR figure déjà plus haut dans le fichier")]
    assert (report.created, report.updated) == (6, 0)
    assert holder_of(lines[0]).usage_name == lines[0]["nom_usage"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"nir": "123"}, "le NIR doit compter 13 caractères, ou 15 avec la clé"),
        ({"nir": "5961131555123"}, "le NIR n'a pas la forme attendue"),
        ({"prenom1": ""}, "le prénom 1 est obligatoire"),
        ({"annee_naissance": ""}, "l'année de naissance est obligatoire"),
        (
            {"annee_naissance": "19x0"},
            "l'année de naissance doit être un nombre entre 1850 et 2100 (reçu « 19x0 »)",
        ),
        (
            {"jour_naissance": "0"},
            "le jour de naissance doit être un nombre entre 1 et 31 (reçu « 0 »)",
        ),
        (
            {"mois_naissance": "²"},
            "le mois de naissance doit être un nombre entre 1 et 12 (reçu « ² »)",
        ),
        (
            {"code_insee_naissance": "7505"},
            "le code INSEE de la commune de naissance doit compter 5 caractères",
        ),
        ({"code_pays_naissance": "13A"}, "le code pays de naissance doit compter 3 chiffres"),
        (
            {"dossiers_cpf": "12345678901234"},
            "le numéro de dossier CPF « 12345678901234 » dépasse 13 caractères",
        ),
    ],
)
def test_each_field_check(tmp_path, change, message):
    line = {**people(1)[0], **change}
    report = import_register(write_register(tmp_path / "registre.csv", [line]))
    assert report.errors == [(2, message)]
    assert Holder.objects.count() == 0


def test_unknown_month_and_day_and_repeated_cpf_number_on_one_line(tmp_path):
    line = {
        **people(1, with_cpf=False)[0],
        "mois_naissance": "",
        "jour_naissance": "",
        "code_insee_naissance": "2a004",
        "dossiers_cpf": "111 111 222",
    }
    report = import_register(write_register(tmp_path / "registre.csv", [line]))
    assert (report.created, report.errors) == (1, [])
    holder = holder_of(line)
    assert (holder.birth_month, holder.birth_day, holder.birth_insee) == (None, None, "2A004")
    assert sorted(holder.cpf_files.values_list("number", flat=True)) == ["111", "222"]


def test_wrong_header_is_refused(tmp_path):
    path = tmp_path / "registre.csv"
    path.write_text("nir,nom,prenom\n1961131555123,Durand,Marie\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_register(path)
    assert caught.value.message == (
        "En-tête inattendu. L'en-tête doit être exactement : " + HEADER_LINE
    )
    assert caught.value.location.line == 1
    assert Holder.objects.count() == 0


def test_non_utf8_file_is_refused_with_the_line_of_the_bad_byte(tmp_path):
    lines = people(3, with_cpf=False)
    lines[1] = {**lines[1], "nom_naissance": "Lefèvre"}
    path = tmp_path / "registre.csv"
    write_register(path, lines)
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    with pytest.raises(InputError) as caught:
        import_register(path)
    assert caught.value.message == "Le fichier n'est pas encodé en UTF-8."
    assert caught.value.location.line == 3


def test_bom_is_accepted(tmp_path):
    path = write_register(tmp_path / "registre.csv", people(2))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert import_register(path).created == 2


def test_nir_is_never_stored_in_clear(tmp_path):
    lines = people(5)
    import_register(write_register(tmp_path / "registre.csv", lines))
    secrets = [s for line in lines for s in (line["nir"][:13], line["nir"])]
    dumped = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # every column of every table
            dumped.extend(cursor.fetchall())
    assert len(dumped) >= 5 + 7  # the holders and their CPF files are in the dump
    for row in dumped:
        for value in row:
            raw = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
            for secret in secrets:
                assert secret.encode() not in raw


class TestCommand:
    def test_report_and_errors(self, tmp_path):
        lines = [*people(2, with_cpf=False), {**people(1, seed=3)[0], "sexe": "X"}]
        path = write_register(tmp_path / "registre.csv", lines)
        out, err = io.StringIO(), io.StringIO()
        call_command("registre", "importer", str(path), stdout=out, stderr=err)
        assert out.getvalue() == (
            "Répertoire : 2 créé(s), 0 mis à jour, 0 inchangé(s), 1 ligne(s) en erreur.\n"
        )
        assert err.getvalue() == "ligne 4 : le sexe doit valoir M ou F (reçu « X »)\n"

        out = io.StringIO()
        call_command("registre", "importer", str(path), stdout=out, stderr=io.StringIO())
        assert out.getvalue().startswith("Répertoire : 0 créé(s), 0 mis à jour, 2 inchangé(s)")

    def test_wrong_header_is_a_command_error(self, tmp_path):
        path = tmp_path / "registre.csv"
        path.write_text("a,b\n", encoding="utf-8")
        with pytest.raises(CommandError) as caught:
            call_command("registre", "importer", str(path))
        assert str(caught.value) == (
            f"En-tête inattendu. L'en-tête doit être exactement : {HEADER_LINE} (ligne 1)"
        )

    def test_missing_file(self, tmp_path):
        with pytest.raises(CommandError) as caught:
            call_command("registre", "importer", str(tmp_path / "absent.csv"))
        assert str(caught.value) == (
            f"Impossible de lire le fichier {tmp_path / 'absent.csv'} : No such file or directory"
        )

    def test_empty_file(self, tmp_path):
        path = tmp_path / "vide.csv"
        path.write_bytes(b"")
        with pytest.raises(CommandError, match="^Le fichier est vide.$"):
            call_command("registre", "importer", str(path))


def test_synthetic_nir_helper_matches_the_register_rules():
    """The factories' NIRs pass the import checks (otherwise every test above is moot)."""
    assert nirlib.normalize(synthetic_nir("F", 1985, 7)).startswith("28507")
