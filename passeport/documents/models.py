"""The transparency log of issued documents (RFC 9162 style, JSON signed tree heads)."""

from django.db import models


class LogEntry(models.Model):
    """One leaf: what was issued and when. Public, so no personal data: the document's
    SHA-256 and its credential id only (who it belongs to stays in the registry)."""

    index = models.PositiveBigIntegerField("rang", unique=True)
    leaf = models.TextField("feuille (JSON canonique)")
    leaf_hash = models.CharField("empreinte de la feuille", max_length=64)
    created_at = models.DateTimeField("inscrite le", auto_now_add=True)

    class Meta:
        verbose_name = "entrée du journal de transparence"
        verbose_name_plural = "journal de transparence"
        ordering = ["index"]

    def __str__(self) -> str:
        return f"entrée {self.index}"


class TreeHead(models.Model):
    """A signed tree head: the log's size and root at a time, signed by the log key."""

    size = models.PositiveBigIntegerField("taille", unique=True)
    root_hash = models.CharField("racine", max_length=64)
    timestamp = models.DateTimeField("horodatage")
    signature = models.CharField("signature", max_length=200)

    class Meta:
        verbose_name = "tête d'arbre signée"
        verbose_name_plural = "têtes d'arbre signées"
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"taille {self.size}"
