from pathlib import Path

from django.core.management.base import CommandError

from passeport.certifiers import processing, services
from passeport.certifiers.flux import NS
from passeport.certifiers.models import Channel, Organisation
from passeport.core.management.base import PasseportCommand


def emetteur_of(path: Path) -> str | None:
    """The émetteur's idClient, read cheaply and safely from the start of the file."""
    from lxml import etree

    from passeport.certifiers.parsing import PARSER_OPTIONS

    tag = f"{{{NS}}}idClient"
    try:
        for _, el in etree.iterparse(str(path), events=("end",), tag=tag, **PARSER_OPTIONS):
            parent = el.getparent()
            if parent is not None and parent.tag == f"{{{NS}}}emetteur":
                return (el.text or "").strip()
    except etree.XMLSyntaxError:
        return None
    return None


class Command(PasseportCommand):
    help = (
        "Dépose un flux XML au nom de l'émetteur qu'il désigne et affiche l'identifiant du "
        "dépôt. Avec --attendre, le traite dans ce processus et écrit l'accusé de traitement."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier")
        parser.add_argument("--attendre", action="store_true", help="traiter tout de suite")
        parser.add_argument("--accuse", metavar="SORTIE.xml", help="où écrire l'accusé")

    def handle(self, *args, **options):
        path = Path(options["fichier"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        bcr = emetteur_of(path)
        depositor = Organisation.objects.filter(bcr=bcr).first() if bcr else None
        with open(path, "rb") as fh:
            receipt = services.receive(
                fh, path.name, Channel.CLI, depositor, enqueue=not options["attendre"]
            )
        deposit = receipt.deposit
        self.stdout.write(str(deposit.pk))
        if options["attendre"]:
            processing.process(deposit.pk)
            deposit.refresh_from_db()
            self.stderr.write(
                f"Dépôt {deposit.pk} : {deposit.get_status_display()} — "
                f"{deposit.passages_ok} passage(s) OK, {deposit.passages_ko} KO."
            )
            if options["accuse"]:
                Path(options["accuse"]).write_bytes(services.report_bytes(deposit) or b"")
