"""Factories of synthetic data (Faker fr_FR): never real people."""

import random

import factory
from faker import Faker

from passeport.certifiers.models import Contract, Organisation
from passeport.identity import nir as nirlib
from passeport.identity.models import CpfFile, Holder

fake = Faker("fr_FR")


def synthetic_nir(sex: str = "M", year: int = 1990, month: int = 1, rng=random) -> str:
    """A well-formed 15-character NIR (with its key) for a synthetic person."""
    body = (
        f"{1 if sex == 'M' else 2}{year % 100:02d}{month:02d}"
        f"{rng.randint(1, 95):02d}{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    )
    return body + f"{nirlib.control_key(body):02d}"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("bcr",)

    bcr = factory.Sequence(lambda n: f"{n:02d}ORG{n:03d}"[:8].ljust(8, "X"))
    siret = factory.LazyFunction(lambda: fake.siret().replace(" ", ""))
    name = factory.LazyFunction(fake.company)
    is_certifier = True
    is_depositor = True


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    contract_id = factory.Sequence(lambda n: f"CTR{n:06d}")
    certifier = factory.SubFactory(OrganisationFactory)
    depositor = factory.SelfAttribute("certifier")


class HolderFactory(factory.django.DjangoModelFactory):
    """A register entry. Pass ``nir=`` to choose the NIR; ``cpf=[...]`` to add CPF files."""

    class Meta:
        model = Holder

    birth_name = factory.LazyFunction(fake.last_name)
    usage_name = ""
    first_name1 = factory.LazyFunction(fake.first_name_male)
    first_name2 = ""
    first_name3 = ""
    sex = "M"
    birth_year = 1990
    birth_month = 1
    birth_day = 1
    birth_insee = "75056"
    birth_country = ""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        nir = kwargs.pop("nir", None) or synthetic_nir(
            kwargs.get("sex", "M"), kwargs.get("birth_year", 1990), kwargs.get("birth_month") or 1
        )
        cpf = kwargs.pop("cpf", [])
        nir13 = nirlib.normalize(nir)
        digest = nirlib.lookup_hash(nir13)
        holder = model_class(nir_hash=digest, nir_encrypted=nirlib.encrypt(nir13, digest), **kwargs)
        holder.refresh_normalized()
        holder.save()
        for number in cpf:
            CpfFile.objects.create(number=number, holder=holder)
        return holder


def official_sample_world() -> dict:
    """What accrochage.md §12 registers before the official sample: organisations,
    contract and holder; RNCP19117 and its certifiers come from the real RNCP export."""
    from passeport.referentials import rncp
    from tests.conftest import REFERENTIELS

    rncp.load(REFERENTIELS, only={"RNCP19117"})
    depositor = OrganisationFactory(
        bcr="AB123CDE", siret="", name="Tiers de confiance", is_certifier=False
    )
    certifier = OrganisationFactory(
        bcr="E564ACB0",
        siret="11004301500012",
        name="Ministère de l'Éducation nationale",
        is_depositor=False,
    )
    contract = ContractFactory(
        contract_id="2560080000127J", certifier=certifier, depositor=depositor
    )
    holder = HolderFactory(
        birth_name="Dupont",
        usage_name="Dupont",
        first_name1="Antoine",
        first_name2="Julien",
        first_name3="Philippe",
        sex="M",
        birth_year=1996,
        birth_month=11,
        birth_day=15,
        birth_insee="31555",
        cpf=["1234567891011"],
    )
    return {"depositor": depositor, "certifier": certifier, "contract": contract, "holder": holder}
