"""The access journal: who read whose data, when and why. Append-only and hash-chained."""

from django.db import models


class JournalQuerySet(models.QuerySet):
    """Bulk writes would bypass ``JournalEntry.save``/``delete``: refuse them too."""

    def update(self, **kwargs):
        raise PermissionError("Le journal des accès ne se modifie pas.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise PermissionError("Le journal des accès ne se modifie pas.")

    def delete(self):
        raise PermissionError("Le journal des accès ne se supprime pas.")


class JournalEntry(models.Model):
    """One read (or other sensitive act). ``hash`` covers the entry and the previous hash,
    so removing or editing any entry breaks every later link."""

    at = models.DateTimeField("date")
    actor = models.CharField("acteur", max_length=255)
    actor_kind = models.CharField("type d'acteur", max_length=30)
    action = models.CharField("action", max_length=60)
    holder = models.ForeignKey(
        "identity.Holder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal",
        verbose_name="titulaire",
    )
    purpose = models.CharField("motif", max_length=500)
    details = models.JSONField("détails", default=dict, blank=True)
    prev_hash = models.CharField("empreinte précédente", max_length=64)
    hash = models.CharField("empreinte", max_length=64, unique=True)

    objects = JournalQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal des accès"
        verbose_name_plural = "journal des accès"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Le journal des accès ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Le journal des accès ne se supprime pas.")


class ChainHead(models.Model):
    """Single row locked while appending, so that concurrent writers chain one after another."""

    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.last_hash
