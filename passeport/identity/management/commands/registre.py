from passeport.core.management.base import PasseportCommand
from passeport.identity.register import HEADER, import_register


class Command(PasseportCommand):
    help = (
        "Répertoire d'identité : « registre importer FICHIER.csv » (en-tête : "
        + ",".join(HEADER)
        + ")."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["importer"])
        parser.add_argument("fichier")

    def handle(self, *args, **options):
        self.print_report(import_register(options["fichier"]), "Répertoire")
