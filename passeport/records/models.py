"""The items of a passport. Guaranteed items come from an official source and keep it."""

from django.db import models

from passeport.identity.models import Holder


class TrustLevel(models.TextChoices):
    GUARANTEED = "garanti", "Garanti"
    DECLARED = "declare", "Déclaré"


SOURCE = "accrochage-certificateurs"


class CertificationItem(models.Model):
    """A certification awarded to a holder, as deposited by a certifying body.

    Provenance (deposit, idTechnique, émetteur, certificateur, line) is part of the item;
    (émetteur BCR, idTechnique) is unique, as at the CDC: an award is created once.
    """

    holder = models.ForeignKey(
        Holder, on_delete=models.PROTECT, related_name="certifications", verbose_name="titulaire"
    )
    trust = models.CharField(
        "niveau de confiance",
        max_length=10,
        choices=TrustLevel.choices,
        default=TrustLevel.GUARANTEED,
    )
    # Provenance
    source = models.CharField("source", max_length=30, default=SOURCE)
    deposit = models.ForeignKey(
        "certifiers.Deposit", on_delete=models.PROTECT, related_name="items", verbose_name="dépôt"
    )
    line = models.PositiveIntegerField("ligne dans le fichier")
    id_technique = models.CharField("idTechnique", max_length=255)
    emetteur_bcr = models.CharField("émetteur", max_length=8)
    certifier_bcr = models.CharField("certificateur", max_length=8)
    certifier_name = models.CharField("nom du certificateur", max_length=255, blank=True)
    received_at = models.DateTimeField("reçu le")
    # The award
    cert_type = models.CharField("type", max_length=10)
    code = models.CharField("code", max_length=20)
    label = models.CharField("intitulé", max_length=500, blank=True)
    option = models.CharField("option", max_length=255, blank=True)
    obtention = models.CharField("obtention", max_length=20)
    certified_data = models.BooleanField("donnée certifiée")
    exam_start = models.DateField("début de l'examen", null=True, blank=True)
    exam_end = models.DateField("fin de l'examen", null=True, blank=True)
    exam_mode = models.CharField("modalité de l'examen", max_length=20, blank=True)
    exam_postcode = models.CharField("code postal du centre d'examen", max_length=9, blank=True)
    valid_from = models.DateField("début de validité")
    valid_until = models.DateField("fin de validité", null=True, blank=True)
    cefr_level = models.CharField("niveau de langue (CECRL)", max_length=12, blank=True)
    digcomp = models.JSONField("résultats numériques (DigComp)", null=True, blank=True)
    scoring = models.CharField("score", max_length=255, blank=True)
    mention = models.CharField("mention", max_length=60, blank=True)
    access_mode = models.CharField("modalité d'accès", max_length=60, blank=True)
    vae_route = models.CharField("voie d'accès VAE", max_length=20, blank=True)
    registration_initiative = models.CharField(
        "initiative de l'inscription", max_length=20, blank=True
    )
    registration_date = models.DateField("date d'inscription", null=True, blank=True)
    proof_url = models.CharField("URL de preuve", max_length=255, blank=True)
    verbatim = models.CharField("verbatim", max_length=255, blank=True)

    class Meta:
        verbose_name = "certification du titulaire"
        verbose_name_plural = "certifications des titulaires"
        ordering = ["-valid_from", "pk"]
        constraints = [
            # idTechnique first: the duplicate check of a deposit looks up a batch of
            # idTechnique for one émetteur, and an index led by the émetteur would let the
            # planner scan all of an émetteur's awards (most rows of the table) per batch.
            models.UniqueConstraint(fields=["id_technique", "emetteur_bcr"], name="award_once")
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.holder}"


class DeclaredKind(models.TextChoices):
    DIPLOMA = "diplome", "Diplôme"
    EXPERIENCE = "experience", "Expérience professionnelle"
    TRAINING = "formation", "Formation"
    VOLUNTEERING = "benevolat", "Bénévolat et engagement"


class DeclaredItem(models.Model):
    """What the holder says of themselves: shown as « Déclaré », editable by them only."""

    holder = models.ForeignKey(
        Holder, on_delete=models.CASCADE, related_name="declared_items", verbose_name="titulaire"
    )
    kind = models.CharField("nature", max_length=20, choices=DeclaredKind.choices)
    title = models.CharField("intitulé", max_length=200)
    organisation = models.CharField("organisme ou employeur", max_length=200, blank=True)
    place = models.CharField("lieu", max_length=200, blank=True)
    start = models.DateField("début")
    end = models.DateField("fin", null=True, blank=True)
    description = models.TextField("description", max_length=2000, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "élément déclaré"
        verbose_name_plural = "éléments déclarés"
        ordering = ["-start", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.title}"


class Attestation(models.Model):
    """A file proving a declared item, stored privately (``attestations`` storage) and
    served to its holder only; deleting it deletes the file."""

    item = models.ForeignKey(
        DeclaredItem, on_delete=models.CASCADE, related_name="attestations", verbose_name="élément"
    )
    file_name = models.CharField("nom du fichier", max_length=255)
    stored_name = models.CharField(max_length=255, unique=True, editable=False)
    content_type = models.CharField("type", max_length=50)
    size = models.PositiveIntegerField("taille (octets)")
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField("déposée le", auto_now_add=True)

    class Meta:
        verbose_name = "attestation"
        verbose_name_plural = "attestations"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.file_name


class ItemChange(models.Model):
    """The history of a holder's declared items: every creation, change and deletion."""

    holder = models.ForeignKey(Holder, on_delete=models.CASCADE, related_name="item_changes")
    item_id = models.PositiveIntegerField("élément")
    action = models.CharField("action", max_length=40)
    at = models.DateTimeField("date", auto_now_add=True)
    snapshot = models.JSONField("état après", default=dict, blank=True)

    class Meta:
        verbose_name = "modification d'un élément déclaré"
        verbose_name_plural = "historique des éléments déclarés"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.item_id}"


class HiddenItem(models.Model):
    """An item (of any kind) the holder keeps out of the documents they generate."""

    holder = models.ForeignKey(Holder, on_delete=models.CASCADE, related_name="hidden_items")
    kind = models.CharField(max_length=20)
    item_id = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["holder", "kind", "item_id"], name="hidden_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_id}"
