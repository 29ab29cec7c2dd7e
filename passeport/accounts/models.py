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
