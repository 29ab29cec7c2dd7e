from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from passeport.core.management.base import PasseportCommand


class Command(PasseportCommand):
    help = "Crée ou met à jour la base de données et charge les référentiels (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--referentiels", help="dossier des référentiels open data")

    def handle(self, *args, **options):
        from passeport.referentials import rncp

        call_command("migrate", interactive=False, verbosity=0)
        if "progress" in settings.DATABASES:
            call_command("createcachetable", database="progress", verbosity=0)
        self.stdout.write("Base de données à jour.")
        folder = Path(options["referentiels"] or settings.PASSEPORT["REFERENTIELS_DIR"])
        if not folder.is_dir():
            self.stderr.write(f"Référentiels introuvables ({folder}) : catalogue non chargé.")
            return
        report = rncp.load(folder)
        self.stdout.write(
            f"Catalogue RNCP/RS : {report.certifications} certifications, "
            f"{report.certifiers} habilitations (SIRET) depuis {folder}."
        )
