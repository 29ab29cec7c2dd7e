import gc

from django.core.management import call_command

from passeport.certifiers.services import requeue_unfinished
from passeport.core.management.base import PasseportCommand


class Command(PasseportCommand):
    help = (
        "Lance un travailleur de tâches. Au démarrage, remet en file les dépôts dont le "
        "traitement a été interrompu."
    )

    def add_arguments(self, parser):
        parser.add_argument("--une-passe", action="store_true", help="traiter la file puis sortir")

    def handle(self, *args, **options):
        # What Django loaded at start-up stays out of the collector's way from now on.
        gc.freeze()
        ids = requeue_unfinished()
        if ids:
            self.stdout.write(f"{len(ids)} dépôt(s) interrompu(s) remis en file.")
        worker_args = ["--no-startup-delay", "--no-reload"]
        if options["une_passe"]:
            worker_args.append("--batch")
        call_command("db_worker", *worker_args)
