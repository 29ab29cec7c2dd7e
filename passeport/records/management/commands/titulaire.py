import json

from django.core.management.base import CommandError

from passeport.core.management.base import PasseportCommand
from passeport.identity.nir import InvalidNir
from passeport.records.services import HolderNotFound, export_for_staff


class Command(PasseportCommand):
    help = (
        "Titulaires : « titulaire exporter --nir NIR --motif TEXTE » affiche le passeport (JSON)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["exporter"])
        parser.add_argument("--nir", required=True)
        parser.add_argument("--motif", required=True)
        parser.add_argument("--acteur", default="ligne-de-commande")

    def handle(self, *args, **options):
        try:
            document = export_for_staff(options["nir"], options["motif"], options["acteur"])
        except (InvalidNir, HolderNotFound, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
