"""Holders (titulaires) as known to the identity register, and their CPF files."""

from django.db import models

from passeport.core.text import normalize_name

# The état civil fields of a register entry: what imports set and staff may correct.
ETAT_CIVIL = (
    "birth_name",
    "usage_name",
    "first_name1",
    "first_name2",
    "first_name3",
    "sex",
    "birth_year",
    "birth_month",
    "birth_day",
    "birth_insee",
    "birth_country",
)


class Sex(models.TextChoices):
    M = "M", "Masculin"
    F = "F", "Féminin"


class Holder(models.Model):
    """A person of the identity register: état civil plus the protected NIR.

    The ``n_*`` columns hold names normalised for matching (``core.text.normalize_name``);
    ``match_key`` is the level-1 key of the matching funnel, indexed so that a batch of
    passages costs one ``IN`` look-up whatever the register size.
    """

    # NULL (not "") for a person who activated a passport without being in the register yet:
    # unique among the known NIRs only.
    nir_hash = models.CharField(  # noqa: DJ001
        "empreinte du NIR", max_length=64, unique=True, null=True, editable=False
    )
    nir_encrypted = models.BinaryField("NIR chiffré", null=True, editable=False)
    birth_name = models.CharField("nom de naissance", max_length=100)
    usage_name = models.CharField("nom d'usage", max_length=100, blank=True)
    first_name1 = models.CharField("prénom 1", max_length=100)
    first_name2 = models.CharField("prénom 2", max_length=100, blank=True)
    first_name3 = models.CharField("prénom 3", max_length=100, blank=True)
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices)
    birth_year = models.PositiveSmallIntegerField("année de naissance")
    birth_month = models.PositiveSmallIntegerField("mois de naissance", null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField("jour de naissance", null=True, blank=True)
    birth_insee = models.CharField("commune de naissance (INSEE)", max_length=5, blank=True)
    birth_country = models.CharField("pays de naissance (INSEE)", max_length=3, blank=True)
    n_birth_name = models.CharField(max_length=100, editable=False)
    n_usage_name = models.CharField(max_length=100, editable=False, blank=True)
    n_first_name1 = models.CharField(max_length=100, editable=False)
    n_first_name2 = models.CharField(max_length=100, editable=False, blank=True)
    n_first_name3 = models.CharField(max_length=100, editable=False, blank=True)
    match_key = models.CharField(max_length=220, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "titulaire"
        verbose_name_plural = "titulaires"

    def __str__(self) -> str:
        return f"{self.birth_name} {self.first_name1} ({self.birth_year})"

    def refresh_normalized(self) -> None:
        self.n_birth_name = normalize_name(self.birth_name)
        self.n_usage_name = normalize_name(self.usage_name)
        self.n_first_name1 = normalize_name(self.first_name1)
        self.n_first_name2 = normalize_name(self.first_name2)
        self.n_first_name3 = normalize_name(self.first_name3)
        self.match_key = match_key(self.birth_name, self.first_name1, self.sex, self.birth_year)


def match_key(birth_name: str, first_name: str, sex: str, year: int) -> str:
    return f"{normalize_name(birth_name)}|{normalize_name(first_name)}|{sex}|{int(year)}"


class CpfFile(models.Model):
    """A CPF training file number (``dossierFormation/idDossier``) and its holder."""

    number = models.CharField("numéro de dossier", max_length=13, unique=True)
    holder = models.ForeignKey(Holder, on_delete=models.CASCADE, related_name="cpf_files")

    class Meta:
        verbose_name = "dossier CPF"
        verbose_name_plural = "dossiers CPF"

    def __str__(self) -> str:
        return self.number
