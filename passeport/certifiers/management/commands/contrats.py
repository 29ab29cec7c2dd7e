from passeport.certifiers.directory import import_contracts
from passeport.core.management.base import PasseportCommand


class Command(PasseportCommand):
    help = (
        "Contrats : « contrats importer FICHIER.csv » (id_contrat,certificateur_bcr,deposant_bcr)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["importer"])
        parser.add_argument("fichier")

    def handle(self, *args, **options):
        self.print_report(import_contracts(options["fichier"]), "Contrats")
