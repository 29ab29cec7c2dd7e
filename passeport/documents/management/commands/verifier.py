"""``passeport verifier FICHIER``: verify a PDF or a VC (JSON), print the verdict as JSON;
exit 0 when the verdict is « valide », 1 otherwise (batch checks by recruiters, operators)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from passeport.documents import verification


class Command(BaseCommand):
    help = "Vérifie un document émis (PDF scellé ou attestation VC en JSON)."

    def add_arguments(self, parser):
        parser.add_argument("fichier", type=Path)

    def handle(self, *args, fichier: Path, **options):
        if not fichier.is_file():
            raise CommandError(f"Fichier introuvable : {fichier}")
        if fichier.stat().st_size > verification.MAX_BYTES:
            raise CommandError("Fichier trop volumineux (20 Mo au plus).")
        data = fichier.read_bytes()
        if data.lstrip()[:1] == b"{":
            try:
                result = verification.verify_credential(json.loads(data))
            except ValueError as exc:
                raise CommandError(f"JSON invalide : {exc}") from exc
        else:
            result = verification.verify_pdf(data)
        self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        if result.verdict != verification.VALID:
            raise SystemExit(1)
