"""Certifying bodies, their contracts and habilitations, and the deposits they send us."""

from django.conf import settings
from django.db import models


class Organisation(models.Model):
    """An organisation known to the operator by its BCR ``idClient`` (8 characters)."""

    bcr = models.CharField("BCR (idClient)", max_length=8, unique=True)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    name = models.CharField("raison sociale", max_length=255)
    is_certifier = models.BooleanField("certificateur", default=False)
    is_depositor = models.BooleanField("déposant", default=False)

    class Meta:
        verbose_name = "organisation"
        verbose_name_plural = "organisations"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.bcr})"

    @property
    def roles_label(self) -> str:
        roles = [
            r
            for r, on in (("certificateur", self.is_certifier), ("déposant", self.is_depositor))
            if on
        ]
        return ", ".join(roles) or "aucun"


class Contract(models.Model):
    """A contract: lets ``depositor`` send awards of ``certifier`` under ``contract_id``."""

    contract_id = models.CharField("idContrat", max_length=20)
    certifier = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="contracts_as_certifier",
        verbose_name="certificateur",
    )
    depositor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="contracts_as_depositor",
        verbose_name="déposant",
    )

    class Meta:
        verbose_name = "contrat"
        verbose_name_plural = "contrats"
        constraints = [
            models.UniqueConstraint(
                fields=["contract_id", "certifier", "depositor"], name="contract_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} ({self.depositor.bcr} → {self.certifier.bcr})"


class Certification(models.Model):
    """A certification of the RNCP / RS registers (France compétences open data)."""

    code = models.CharField("code", max_length=20, unique=True)
    label = models.CharField("intitulé", max_length=500, blank=True)

    class Meta:
        verbose_name = "certification RNCP/RS"
        verbose_name_plural = "certifications RNCP/RS"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}".strip()


class RegisteredCertifier(models.Model):
    """Open data: the SIRET listed as certificateur of a fiche."""

    code = models.CharField("code", max_length=20, db_index=True)
    siret = models.CharField("SIRET", max_length=14, db_index=True)
    name = models.CharField("nom", max_length=255, blank=True)

    class Meta:
        verbose_name = "certificateur enregistré (open data)"
        verbose_name_plural = "certificateurs enregistrés (open data)"
        constraints = [
            models.UniqueConstraint(fields=["code", "siret"], name="registered_certifier_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.siret}"


class Grant(models.Model):
    """A habilitation recorded by staff, on top of the open data."""

    certifier = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="grants", verbose_name="certificateur"
    )
    code = models.CharField("code RNCP/RS", max_length=20)
    reason = models.CharField("motif", max_length=255, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name="accordée par",
    )
    granted_at = models.DateTimeField("accordée le", auto_now_add=True)

    class Meta:
        verbose_name = "habilitation accordée"
        verbose_name_plural = "habilitations accordées"
        constraints = [models.UniqueConstraint(fields=["certifier", "code"], name="grant_unique")]

    def __str__(self) -> str:
        return f"{self.certifier.bcr} → {self.code}"


class DepositStatus(models.TextChoices):
    RECEIVED = "recu", "Reçu, en attente de traitement"
    PROCESSING = "en_cours", "Traitement en cours"
    REJECTED = "rejete", "Traitement avec erreurs (fichier rejeté)"
    DONE_OK = "traite", "Traité avec succès"
    DONE_KO = "traite_ko", "Traité avec erreurs"


FINAL_STATUSES = (DepositStatus.REJECTED, DepositStatus.DONE_OK, DepositStatus.DONE_KO)


class Channel(models.TextChoices):
    PORTAL = "portail", "Portail"
    API = "api", "API"
    CLI = "cli", "Ligne de commande"


class Deposit(models.Model):
    """One received file. Its bytes are immutable; its pk is the ``idTraitement``."""

    depositor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="deposits",
        null=True,
        blank=True,
        verbose_name="déposant",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name="déposé par",
    )
    channel = models.CharField("canal", max_length=10, choices=Channel.choices)
    file_name = models.CharField("nom du fichier", max_length=255)
    raw_name = models.CharField(max_length=200, editable=False)
    sha256 = models.CharField("empreinte SHA-256", max_length=64, db_index=True)
    size = models.BigIntegerField("taille (octets)")
    received_at = models.DateTimeField("reçu le", auto_now_add=True)
    status = models.CharField(
        "statut", max_length=10, choices=DepositStatus.choices, default=DepositStatus.RECEIVED
    )
    started_at = models.DateTimeField("début du traitement", null=True, blank=True)
    processed_at = models.DateTimeField("traité le", null=True, blank=True)
    id_flux = models.CharField("idFlux", max_length=50, blank=True)
    emetteur_bcr = models.CharField("émetteur", max_length=8, blank=True)
    certifier_bcr = models.CharField("certificateur", max_length=8, blank=True)
    contract_id = models.CharField("idContrat", max_length=20, blank=True)
    passages_total = models.PositiveIntegerField("passages", default=0)
    passages_ok = models.PositiveIntegerField("passages OK", default=0)
    passages_ko = models.PositiveIntegerField("passages KO", default=0)
    file_errors = models.JSONField("erreurs du fichier", default=list, blank=True)
    warnings_count = models.PositiveIntegerField("avertissements", default=0)
    report_name = models.CharField(max_length=200, blank=True, editable=False)
    report_file_name = models.CharField("accusé de traitement", max_length=400, blank=True)

    class Meta:
        verbose_name = "dépôt"
        verbose_name_plural = "dépôts"
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"Dépôt {self.pk} — {self.file_name}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class FluxRegistration(models.Model):
    """An ``idFlux`` accepted at file level: the same one from the same émetteur is refused."""

    emetteur_bcr = models.CharField(max_length=8)
    id_flux = models.CharField(max_length=50)
    deposit = models.OneToOneField(Deposit, on_delete=models.CASCADE, related_name="flux")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["emetteur_bcr", "id_flux"], name="flux_once")
        ]

    def __str__(self) -> str:
        return f"{self.emetteur_bcr}/{self.id_flux}"


class PassageResult(models.Model):
    """A passage of a deposit that was refused (a line of the accusé's ``PassagesKO``).

    Accepted passages are the certification items themselves, which keep the same
    provenance (deposit, line, idTechnique): nothing is written twice."""

    deposit = models.ForeignKey(Deposit, on_delete=models.CASCADE, related_name="results")
    index = models.PositiveIntegerField("rang dans le fichier")
    line = models.PositiveIntegerField("ligne")
    id_technique = models.CharField("idTechnique", max_length=255)
    message = models.TextField("message", blank=True)

    class Meta:
        verbose_name = "passage refusé"
        verbose_name_plural = "passages refusés"
        constraints = [models.UniqueConstraint(fields=["deposit", "index"], name="result_once")]

    def __str__(self) -> str:
        return f"{self.id_technique} : {self.message}"


class DepositWarning(models.Model):
    """A non-blocking remark on a deposit (never makes a passage KO)."""

    deposit = models.ForeignKey(Deposit, on_delete=models.CASCADE, related_name="warnings")
    line = models.PositiveIntegerField("ligne", null=True)
    column = models.PositiveIntegerField("colonne", null=True)
    id_technique = models.CharField("idTechnique", max_length=255, blank=True)
    message = models.TextField("message")

    class Meta:
        verbose_name = "avertissement"
        verbose_name_plural = "avertissements"
        ordering = ["line", "pk"]

    def __str__(self) -> str:
        return self.message
