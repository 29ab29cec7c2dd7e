"""CVs composed by holders, the documents the passport issues (registry), and the
transparency log of issued documents (RFC 9162 style, JSON signed tree heads)."""

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


class CvTemplate(models.TextChoices):
    CLASSIQUE = "classique", "Classique"
    COMPACT = "compact", "Compact"


class Cv(models.Model):
    """A CV being composed: a draft, edited freely; issuing freezes a version of it."""

    holder = models.ForeignKey(
        "identity.Holder", on_delete=models.CASCADE, related_name="cvs", verbose_name="titulaire"
    )
    title = models.CharField("titre", max_length=200)
    summary = models.TextField("présentation", max_length=2000, blank=True)
    email = models.EmailField("courriel", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    city = models.CharField("ville", max_length=100, blank=True)
    template = models.CharField(
        "modèle", max_length=20, choices=CvTemplate.choices, default=CvTemplate.CLASSIQUE
    )
    # The chosen items, in order: [{"source": "certification" | "declare", "pk": …}]
    items = models.JSONField("éléments", default=list, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "CV"
        verbose_name_plural = "CV"
        ordering = ["-updated_at", "pk"]

    def __str__(self) -> str:
        return self.title


class IssuedDocument(models.Model):
    """The registry: every sealed document the passport issued, frozen."""

    class Kind(models.TextChoices):
        CV = "cv", "CV"
        ATTESTATION = "attestation", "Attestation de certification"

    holder = models.ForeignKey(
        "identity.Holder", on_delete=models.PROTECT, related_name="issued_documents"
    )
    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    cv = models.ForeignKey(Cv, on_delete=models.SET_NULL, null=True, blank=True)
    version = models.PositiveIntegerField("version", default=1)
    title = models.CharField("titre", max_length=200)
    credential_id = models.CharField("identifiant de l'attestation", max_length=100, unique=True)
    credential = models.JSONField("attestation vérifiable (VC)")
    sha256 = models.CharField("empreinte du PDF", max_length=64, unique=True)
    stored_name = models.CharField(max_length=255, editable=False)
    status_index = models.PositiveIntegerField("index de statut", unique=True)
    log_index = models.PositiveBigIntegerField("rang au journal de transparence")
    issued_at = models.DateTimeField("émis le")
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    suspended_at = models.DateTimeField("suspendu le", null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "document émis"
        verbose_name_plural = "registre des documents émis"
        ordering = ["-issued_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.title} v{self.version}"


class ShareLink(models.Model):
    """A link to an issued document, given by its holder: an unguessable token (only its
    hash is stored), an expiry, an optional access code, revocable at any moment."""

    document = models.ForeignKey(IssuedDocument, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    label = models.CharField("destinataire ou usage", max_length=100, blank=True)
    expires_at = models.DateTimeField("expire le")
    access_code = models.CharField("code d'accès (haché)", max_length=200, blank=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    views = models.PositiveIntegerField("consultations", default=0)
    failed_codes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "lien de partage"
        verbose_name_plural = "liens de partage"
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return f"lien {self.pk} — {self.document}"
