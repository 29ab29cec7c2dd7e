"""Who acts for an organisation: staff members (portal) and API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.db import models

from passeport.certifiers.models import Organisation


class Membership(models.Model):
    """A staff account acting for an organisation in the certifiers' portal."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="members", verbose_name="organisation"
    )

    class Meta:
        verbose_name = "membre d'une organisation"
        verbose_name_plural = "membres des organisations"

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation.bcr}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token of a depositing organisation. Only its hash is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    label = models.CharField("libellé", max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField("début du jeton", max_length=8, editable=False)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked = models.BooleanField("révoqué", default=False)

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"

    def __str__(self) -> str:
        return f"{self.organisation.bcr} — {self.label} ({self.prefix}…)"

    @classmethod
    def issue(cls, organisation: Organisation, label: str) -> tuple["ApiToken", str]:
        """Create a token; the clear value is returned once and never stored."""
        token = "ppt_" + secrets.token_urlsafe(32)
        obj = cls.objects.create(
            organisation=organisation, label=label, token_hash=hash_token(token), prefix=token[:8]
        )
        return obj, token

    @classmethod
    def find(cls, token: str) -> "ApiToken | None":
        return (
            cls.objects.select_related("organisation")
            .filter(token_hash=hash_token(token), revoked=False)
            .first()
        )


class HolderAccount(models.Model):
    """A holder's personal space: the Django user a FranceConnect+ login opens, and the
    register entry (``identity.Holder``) whose passport it shows."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="holder_account"
    )
    holder = models.OneToOneField(
        "identity.Holder",
        on_delete=models.PROTECT,
        related_name="account",
        verbose_name="titulaire",
    )
    activated_at = models.DateTimeField("activé le", auto_now_add=True)
    terms_version = models.CharField("version des CGU acceptée", max_length=20, blank=True)
    terms_hash = models.CharField("empreinte du texte accepté", max_length=64, blank=True)
    terms_accepted_at = models.DateTimeField("CGU acceptées le", null=True, blank=True)

    class Meta:
        verbose_name = "espace d'un titulaire"
        verbose_name_plural = "espaces des titulaires"

    def __str__(self) -> str:
        return f"espace n° {self.pk}"


class ProviderLink(models.Model):
    """The identity provider's stable subject (``sub``) of a holder: once linked, the only
    key used to recognise them (never their names)."""

    account = models.ForeignKey(HolderAccount, on_delete=models.CASCADE, related_name="links")
    provider = models.CharField("fournisseur d'identité", max_length=40)
    sub = models.CharField("identifiant chez le fournisseur (sub)", max_length=255)
    linked_at = models.DateTimeField("lié le", auto_now_add=True)
    last_login_at = models.DateTimeField("dernière connexion", null=True, blank=True)

    class Meta:
        verbose_name = "lien avec un fournisseur d'identité"
        verbose_name_plural = "liens avec les fournisseurs d'identité"
        constraints = [
            models.UniqueConstraint(fields=["provider", "sub"], name="one_account_per_sub")
        ]

    def __str__(self) -> str:
        return f"{self.provider} — {self.sub[:12]}…"


class DemoGrant(models.Model):
    """The demo identity provider's authorization codes and access tokens (demo, tests):
    a code is good once and for 30 s, an access token for 60 s, as on FranceConnect+."""

    code = models.CharField(max_length=64, unique=True)
    # NULL until the code is exchanged: unique among the issued ones only.
    access_token = models.CharField(max_length=64, unique=True, null=True)  # noqa: DJ001
    client_id = models.CharField(max_length=100)
    redirect_uri = models.CharField(max_length=500)
    nonce = models.CharField(max_length=200)
    acr = models.CharField(max_length=20)
    code_challenge = models.CharField(max_length=128, blank=True)
    person = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    code_used_at = models.DateTimeField(null=True)
    token_issued_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"autorisation de démonstration n° {self.pk}"
