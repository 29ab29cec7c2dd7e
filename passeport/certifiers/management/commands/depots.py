from passeport.certifiers.services import requeue_unfinished
from passeport.core.management.base import PasseportCommand


class Command(PasseportCommand):
    help = (
        "Dépôts : « depots reprendre » remet en file les dépôts dont le traitement n'a pas abouti."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["reprendre"])

    def handle(self, *args, **options):
        ids = requeue_unfinished()
        self.stdout.write(f"{len(ids)} dépôt(s) remis en file.")
