"""API tokens of depositing organisations, from the command line (operators, demo, tests).

The clear token is printed once, on standard output alone, so that a script can capture it
(``JETON=$(passeport jetons creer …)``); only its hash is stored, so it cannot be shown again.
"""

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.timezone import localtime

from passeport.accounts.models import ApiToken
from passeport.accounts.services import issue_token
from passeport.certifiers.models import Organisation
from passeport.core.management.base import PasseportCommand

LABEL_MAX = ApiToken._meta.get_field("label").max_length


class Command(PasseportCommand):
    help = (
        "Jetons d'API des organisations déposantes : « jetons creer --organisation BCR "
        "--libelle TEXTE » émet un jeton et l'affiche une seule fois ; « jetons revoquer "
        "PREFIXE » révoque le jeton qui commence ainsi ; « jetons lister » les énumère."
    )

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser(
            "creer",
            help="émet un jeton et l'affiche une seule fois",
            description="Émet un jeton d'API pour une organisation déposante. Le jeton est "
            "affiché une seule fois sur la sortie standard : conservez-le, il n'est stocké "
            "que sous forme d'empreinte.",
        )
        create.add_argument("--organisation", required=True, metavar="BCR")
        create.add_argument("--libelle", required=True, metavar="TEXTE")
        revoke = actions.add_parser(
            "revoquer",
            help="révoque un jeton d'après son début (préfixe) ou le jeton entier",
            description="Révoque le jeton actif qui commence par PREFIXE (les 8 premiers "
            "caractères, affichés par « jetons lister » et dans l'administration).",
        )
        revoke.add_argument("prefixe", metavar="PREFIXE")
        revoke.add_argument(
            "--organisation", metavar="BCR", help="lève l'ambiguïté si deux jetons se ressemblent"
        )
        listing = actions.add_parser("lister", help="liste les jetons (sans leur valeur)")
        listing.add_argument("--organisation", metavar="BCR")

    def handle(self, *args, **options) -> None:
        action = options["action"]
        if action == "creer":
            self._create(options["organisation"], options["libelle"])
        elif action == "revoquer":
            self._revoke(options["prefixe"], options["organisation"])
        else:
            self._list(options["organisation"])

    def _organisation(self, bcr: str) -> Organisation:
        organisation = Organisation.objects.filter(bcr=bcr).first()
        if organisation is None:
            raise CommandError(f"Organisation inconnue : {bcr}.")
        return organisation

    def _create(self, bcr: str, label: str) -> None:
        organisation = self._organisation(bcr)
        label = label.strip()
        if not label:
            raise CommandError("Le libellé est obligatoire (par exemple le nom du logiciel).")
        if len(label) > LABEL_MAX:
            raise CommandError(f"Le libellé dépasse {LABEL_MAX} caractères.")
        if not organisation.is_depositor:
            raise CommandError(
                f"L'organisation {organisation.bcr} n'est pas déposante : elle ne peut pas "
                "recevoir de jeton d'API."
            )
        token = issue_token(organisation, label)
        self.stdout.write(token)
        self.stderr.write(
            f"Jeton émis pour {organisation} (début : {token[:8]}). Il ne sera plus affiché : "
            "conservez-le dans le coffre-fort du logiciel déposant."
        )

    @transaction.atomic
    def _revoke(self, prefix: str, bcr: str | None) -> None:
        prefix = prefix.strip()
        if len(prefix) > 8:  # the whole token was given: exact, never ambiguous
            token = ApiToken.find(prefix)
            candidates = [token] if token is not None else []
        else:
            tokens = ApiToken.objects.select_related("organisation").filter(
                prefix=prefix, revoked=False
            )
            if bcr:
                tokens = tokens.filter(organisation__bcr=bcr)
            candidates = list(tokens.select_for_update(of=("self",)))
        if not candidates:
            raise CommandError(f"Aucun jeton actif ne commence par « {prefix[:8]} ».")
        if len(candidates) > 1:
            owners = ", ".join(sorted(t.organisation.bcr for t in candidates))
            raise CommandError(
                f"Plusieurs jetons actifs commencent par « {prefix} » ({owners}) : précisez "
                "--organisation BCR ou donnez le jeton entier."
            )
        [token] = candidates
        ApiToken.objects.filter(pk=token.pk).update(revoked=True)
        self.stdout.write(
            f"Jeton {token.prefix}… révoqué ({token.organisation.bcr}, {token.label})."
        )

    def _list(self, bcr: str | None) -> None:
        tokens = ApiToken.objects.select_related("organisation").order_by(
            "organisation__bcr", "created_at"
        )
        if bcr:
            tokens = tokens.filter(organisation=self._organisation(bcr))
        for t in tokens:
            used = f"{localtime(t.last_used_at):%d/%m/%Y %H:%M}" if t.last_used_at else "jamais"
            state = "révoqué" if t.revoked else "actif"
            created = f"{localtime(t.created_at):%d/%m/%Y}"
            self.stdout.write(
                f"{t.prefix}…\t{t.organisation.bcr}\t{state}\tcréé le {created}"
                f"\tutilisé : {used}\t{t.label}"
            )
