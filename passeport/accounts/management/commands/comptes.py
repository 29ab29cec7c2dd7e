"""Staff accounts of the certifiers' portal, from the command line (operators, demo, tests)."""

import secrets

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from passeport.accounts.services import create_staff, current_code
from passeport.certifiers.models import Organisation
from passeport.core.management.base import PasseportCommand


class Command(PasseportCommand):
    help = (
        "Comptes du portail des certificateurs : « comptes creer --organisation BCR "
        "--identifiant NOM [--mot-de-passe X] » crée le compte et affiche son secret TOTP ; "
        "« comptes code-totp NOM » affiche le code TOTP du moment (démonstration et tests "
        "uniquement)."
    )

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser(
            "creer",
            help="crée (ou met à jour) un compte et affiche son secret TOTP",
            description="Crée un compte du portail rattaché à une organisation, avec un "
            "second facteur TOTP. Sans --mot-de-passe, un mot de passe est tiré au hasard "
            "et affiché une fois.",
        )
        create.add_argument("--organisation", required=True, metavar="BCR")
        create.add_argument("--identifiant", required=True, metavar="NOM")
        create.add_argument("--mot-de-passe", dest="mot_de_passe", metavar="X")
        code = actions.add_parser(
            "code-totp",
            help="affiche le code TOTP du moment (démonstration et tests uniquement)",
            description="Affiche le code TOTP que l'application du compte montre en ce "
            "moment. Pour la démonstration et les tests uniquement : en production, le code "
            "vient de l'application d'authentification de la personne.",
        )
        code.add_argument("identifiant", metavar="NOM")

    def handle(self, *args, **options) -> None:
        if options["action"] == "creer":
            self._create(options["organisation"], options["identifiant"], options["mot_de_passe"])
        else:
            self._code(options["identifiant"])

    def _create(self, bcr: str, username: str, password: str | None) -> None:
        organisation = Organisation.objects.filter(bcr=bcr).first()
        if organisation is None:
            raise CommandError(f"Organisation inconnue : {bcr}.")
        existed = get_user_model().objects.filter(username=username).exists()
        generated = password is None
        if generated:
            password = secrets.token_urlsafe(12)
        else:
            try:
                password_validation.validate_password(password)
            except ValidationError as exc:
                raise CommandError("Mot de passe refusé : " + " ".join(exc.messages)) from exc
        account = create_staff(organisation, username, password)
        verb = "mis à jour" if existed else "créé"
        self.stdout.write(f"Compte « {username} » {verb} pour {organisation}.")
        if generated:
            self.stdout.write(f"Mot de passe : {password}")
        self.stdout.write(f"Secret TOTP (base32) : {account.secret_base32}")
        self.stdout.write(f"URI otpauth : {account.otpauth_uri}")

    def _code(self, username: str) -> None:
        device = (
            TOTPDevice.objects.filter(user__username=username, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise CommandError(f"Aucun compte « {username} » avec un dispositif TOTP.")
        self.stdout.write(current_code(device))
