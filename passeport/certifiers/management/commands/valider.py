import sys

from passeport.certifiers.validation import validate_file
from passeport.core.management.base import PasseportCommand


class Command(PasseportCommand):
    help = (
        "Vérifie un flux XML localement (schéma et règles sans base de données). "
        "Une ligne par problème : « ligne:colonne: message ». Code de sortie 0 si valide, 1 sinon."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier")

    def handle(self, *args, **options):
        result = validate_file(options["fichier"])
        for problem in result.problems:
            self.stdout.write(f"{problem.line}:{problem.column}: {problem.message}")
        if result.valid:
            self.stderr.write(
                f"Fichier valide : {result.passages} passage(s), "
                f"{len(result.problems)} avertissement(s)."
            )
        else:
            self.stderr.write("Fichier invalide.")
            sys.exit(1)
