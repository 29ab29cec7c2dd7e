from passeport.certifiers.directory import import_organisations
from passeport.core.management.base import PasseportCommand


class Command(PasseportCommand):
    help = (
        "Organisations : « organisations importer FICHIER.csv » (bcr,siret,raison_sociale,roles)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["importer"])
        parser.add_argument("fichier")

    def handle(self, *args, **options):
        self.print_report(import_organisations(options["fichier"]), "Organisations")
