from pathlib import Path

from django.core.management.base import CommandError

from passeport.certifiers.flux_builder import COLUMNS, RowError, write_flux
from passeport.core.csvfiles import rows
from passeport.core.management.base import PasseportCommand


class Command(PasseportCommand):
    help = "Construit un flux XML valide à partir d'un CSV (colonnes : docs/generer-flux.md)."

    def add_arguments(self, parser):
        parser.add_argument("fichier")
        parser.add_argument("--emetteur", required=True, metavar="BCR")
        parser.add_argument("--certificateur", required=True, metavar="BCR")
        parser.add_argument("--contrat", required=True, metavar="ID")
        parser.add_argument("-o", "--sortie", required=True, metavar="SORTIE.xml")

    def handle(self, *args, **options):
        for name in ("emetteur", "certificateur"):
            if len(options[name]) != 8:
                raise CommandError(
                    f"--{name} : le BCR « {options[name]} » doit compter exactement 8 caractères."
                )
        if not 1 <= len(options["contrat"]) <= 20:
            raise CommandError("--contrat : l'idContrat doit compter de 1 à 20 caractères.")
        out = Path(options["sortie"])
        tmp = out.with_suffix(out.suffix + ".partiel")
        current = {"line": 1}

        def numbered():
            for line, row in rows(options["fichier"], COLUMNS):
                current["line"] = line
                if "__error__" in row:
                    raise RowError(row["__error__"])
                yield row

        try:
            with open(tmp, "wb") as fh:
                count = write_flux(
                    fh,
                    numbered(),
                    emetteur=options["emetteur"],
                    certificateur=options["certificateur"],
                    contrat=options["contrat"],
                    validate=True,
                )
        except RowError as exc:
            tmp.unlink(missing_ok=True)
            raise CommandError(f"ligne {current['line']} : {exc}") from exc
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise CommandError(f"Impossible d'écrire {out} : {exc.strerror}.") from exc
        except BaseException:
            # a bad header, a non-UTF-8 byte, an interruption: leave nothing half written
            tmp.unlink(missing_ok=True)
            raise
        tmp.replace(out)
        self.stdout.write(f"{count} passage(s) écrits dans {out}.")
