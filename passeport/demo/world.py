"""Setting up the demo world through the production code: the CSV imports, the deposit
service and the processing task, exactly as an operator and a certifier would use them.

Idempotent: organisations, contracts and holders are keyed (BCR, contract, NIR), accounts are
looked up by name, and the demo flux is deposited once per set of parameters: a second run
finds its deposit (by file name) and reuses it rather than sending the same passages again,
which would only make them KO as duplicates. So the database does not grow run after run.
"""

import csv
import dataclasses
import hashlib
import random
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from faker import Faker

from passeport.accounts.models import ApiToken
from passeport.accounts.services import (
    StaffAccount,
    create_staff,
    ensure_totp_device,
    issue_token,
)
from passeport.certifiers import services
from passeport.certifiers.directory import (
    CONTRACT_HEADER,
    ORG_HEADER,
    import_contracts,
    import_organisations,
)
from passeport.certifiers.flux_builder import write_flux
from passeport.certifiers.models import Channel, Deposit, Organisation, RegisteredCertifier
from passeport.core import storage
from passeport.demo import synthetic
from passeport.identity.register import HEADER as REGISTER_HEADER
from passeport.identity.register import ImportReport, import_register

STAFF_USERNAME = "agent-demo"
STAFF_PASSWORD = "demo-agent-passeport"
ADMIN_USERNAME = "admin-demo"
ADMIN_PASSWORD = "demo-admin-passeport"
TOKEN_LABEL = "Démo"
SPARE_PASSAGES = 20

# A fixed namespace: the same parameters give the same idFlux, on any machine.
FLUX_NAMESPACE = uuid.UUID("6f1c3a52-8d0e-4b7a-9c55-2f4e1d0a7b31")


class DemoError(Exception):
    """The demo cannot be set up; the message says why, in French."""


@dataclass
class DemoWorld:
    folder: Path
    certifier: Organisation
    depositor: Organisation
    codes: list[str]
    register_size: int
    deposit: Deposit
    deposit_reused: bool
    spare_path: Path
    staff: StaffAccount
    admin: StaffAccount
    token: str
    example: synthetic.Person
    cv_path: Path | None = None


def build(
    folder: Path,
    *,
    people: int,
    passages: int,
    seed: int,
    process_now: bool,
    say: Callable[[str], None] = print,
) -> DemoWorld:
    """Create (or find again) everything the demo shows; see the module docstring."""
    folder.mkdir(parents=True, exist_ok=True)
    certifier, depositor = _organisations(folder, say)
    codes = habilitated_codes(certifier.siret)
    generator = synthetic.PeopleGenerator(seed)
    register = [generator.person() for _ in range(people)]
    stranger = dataclasses.replace(generator.person(), cpf="")
    _register(folder, register, say)
    staff = create_staff(depositor, STAFF_USERNAME, STAFF_PASSWORD, "agent-demo@example.org")
    admin = _superuser()
    token = api_token(folder, depositor)
    tag = hashlib.sha256(f"{seed}/{people}/{passages}/{','.join(codes)}".encode()).hexdigest()
    tag = tag[:6].upper()
    flux = synthetic.demo_flux(register, codes, passages, seed, f"DEMO-{tag}", stranger)
    deposit, reused = _deposit(folder, depositor, certifier, flux, tag, process_now, say)
    spare = _spare_flux(folder, depositor, certifier, register, codes)
    cv_path = _demo_cv(folder, say)
    return DemoWorld(
        folder=folder,
        certifier=certifier,
        depositor=depositor,
        codes=codes,
        register_size=len(register),
        deposit=deposit,
        deposit_reused=reused,
        spare_path=spare,
        staff=staff,
        admin=admin,
        token=token,
        example=flux.example,
        cv_path=cv_path,
    )


def _demo_cv(folder: Path, say: Callable[[str], None]) -> Path | None:
    """A sealed CV and a sealed attestation of the first holder with certifications, written
    with the demo root certificate to ``folder`` (issued once, then found again)."""
    import shutil

    from passeport.documents import issuance, sealing
    from passeport.documents.models import Cv, IssuedDocument
    from passeport.identity.models import Holder
    from passeport.records import timeline

    holder = Holder.objects.filter(certifications__isnull=False).order_by("pk").first()
    if holder is None:
        return None
    cv, created = Cv.objects.get_or_create(
        holder=holder,
        title="CV de démonstration",
        defaults={"summary": "CV émis et scellé par la démonstration du Passeport."},
    )
    if created:
        cv.items = [{"source": e.source, "pk": e.pk} for e in timeline.timeline(holder)]
        cv.save()
    document = IssuedDocument.objects.filter(cv=cv, superseded_by=None).first()
    if document is None:
        say("CV de démonstration : émission (rendu, cachet, registre, journal)…")
        document = issuance.issue_cv(cv)
    path = folder / "cv-demo.pdf"
    path.write_bytes(issuance.storage().open(document.stored_name).read())
    attestation = IssuedDocument.objects.filter(
        holder=holder, kind=IssuedDocument.Kind.ATTESTATION
    ).first() or issuance.issue_attestation(holder.certifications.order_by("pk").first())
    (folder / "attestation-demo.pdf").write_bytes(
        issuance.storage().open(attestation.stored_name).read()
    )
    root = sealing.setup().root_path
    if root:
        shutil.copyfile(root, folder / "racine-demo.pem")
    return path


def _write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _check(report: ImportReport, what: str, path: Path, say: Callable[[str], None]) -> None:
    if report.errors:
        line, message = report.errors[0]
        raise DemoError(f"{what} : {path}, ligne {line} : {message}")
    say(
        f"{what} : {report.created} créé(s), {report.updated} mis à jour, "
        f"{report.unchanged} inchangé(s) ({path})."
    )


def _organisations(folder: Path, say: Callable[[str], None]) -> tuple[Organisation, Organisation]:
    orgs = folder / "organisations.csv"
    _write_csv(orgs, ORG_HEADER, [synthetic.CERTIFIER, synthetic.DEPOSITOR])
    _check(import_organisations(orgs), "Organisations", orgs, say)
    contracts = folder / "contrats.csv"
    _write_csv(
        contracts,
        CONTRACT_HEADER,
        [
            {
                "id_contrat": synthetic.CONTRACT_ID,
                "certificateur_bcr": synthetic.CERTIFIER["bcr"],
                "deposant_bcr": synthetic.DEPOSITOR["bcr"],
            }
        ],
    )
    _check(import_contracts(contracts), "Contrats", contracts, say)
    return (
        Organisation.objects.get(bcr=synthetic.CERTIFIER["bcr"]),
        Organisation.objects.get(bcr=synthetic.DEPOSITOR["bcr"]),
    )


def habilitated_codes(siret: str) -> list[str]:
    """The demo's codes that the RNCP/RS catalogue lists for ``siret`` (loaded by ``init``)."""
    listed = set(
        RegisteredCertifier.objects.filter(
            siret=siret, code__in=synthetic.PREFERRED_CODES
        ).values_list("code", flat=True)
    )
    codes = [c for c in synthetic.PREFERRED_CODES if c in listed]
    if not codes:
        raise DemoError(
            f"Le catalogue RNCP/RS ne donne aucune habilitation au SIRET {siret} : chargez-le "
            "avec « passeport init » (référentiels attendus dans ../shared/referentiels, "
            "ou PASSEPORT_REFERENTIELS)."
        )
    return codes


def _register(folder: Path, register: list[synthetic.Person], say: Callable[[str], None]) -> None:
    path = folder / "registre.csv"
    _write_csv(path, REGISTER_HEADER, [p.register_row() for p in register])
    _check(import_register(path), "Répertoire d'identité", path, say)


def _superuser() -> StaffAccount:
    """The operator's administrator, for ``/admin/`` (password + TOTP, like every staff
    login); its password is reset at each run, its TOTP secret kept."""
    admin, _ = get_user_model().objects.get_or_create(
        username=ADMIN_USERNAME, defaults={"email": "admin-demo@example.org"}
    )
    admin.is_staff = admin.is_superuser = admin.is_active = True
    admin.set_password(ADMIN_PASSWORD)
    admin.save()
    return StaffAccount(user=admin, device=ensure_totp_device(admin))


def api_token(folder: Path, depositor: Organisation) -> str:
    """The depositor's demo token: the one of the previous run while it is still valid.

    Only its hash is in the database, so the clear value is kept in ``var/demo`` (mode 600):
    the curl commands one has copied keep working from one run to the next.
    """
    path = folder / "jeton-api.txt"
    if path.exists():
        token = path.read_text().strip()
        found = ApiToken.find(token)
        if found is not None and found.organisation_id == depositor.pk:
            return token
    token = issue_token(depositor, TOKEN_LABEL)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(token + "\n")
    tmp.chmod(0o600)
    tmp.replace(path)
    return token


def _deposit(
    folder: Path,
    depositor: Organisation,
    certifier: Organisation,
    flux: synthetic.DemoFlux,
    tag: str,
    process_now: bool,
    say: Callable[[str], None],
) -> tuple[Deposit, bool]:
    """Deposit the demo flux once; process it here, or leave it to the worker's queue."""
    from passeport.certifiers.tasks import process_deposit

    local = folder / "flux-demo.xml"
    file_name = f"flux-demo-{tag}.xml"
    deposit = Deposit.objects.filter(depositor=depositor, file_name=file_name).first()
    reused = deposit is not None
    if deposit is None:
        tmp = local.with_suffix(".partiel")
        with open(tmp, "wb") as fh:
            write_flux(
                fh,
                flux.rows,
                emetteur=depositor.bcr,
                certificateur=certifier.bcr,
                contrat=synthetic.CONTRACT_ID,
                id_flux=str(uuid.uuid5(FLUX_NAMESPACE, tag)),
                nature="TIERS_CONFIANCE",
            )
        tmp.replace(local)
        with open(local, "rb") as fh:
            deposit = services.receive(
                fh, file_name, Channel.CLI, depositor, enqueue=not process_now
            ).deposit
        say(
            f"Flux déposé : dépôt n° {deposit.pk}, {flux.ok} passages valides et "
            f"{flux.ko} KO exprès ({local})."
        )
    else:
        with storage.open_stored(deposit.raw_name) as src, open(local, "wb") as dst:
            shutil.copyfileobj(src, dst)
        say(f"Flux de démonstration déjà déposé : dépôt n° {deposit.pk} réutilisé.")
    if process_now and not deposit.is_final:
        process_deposit.call(deposit.pk)
        deposit.refresh_from_db()
    return deposit, reused


def _spare_flux(
    folder: Path,
    depositor: Organisation,
    certifier: Organisation,
    register: list[synthetic.Person],
    codes: list[str],
) -> Path:
    """A fresh flux to try the portal, the API or the CLI with: new idFlux and idTechnique at
    each run, so that it is accepted once, whichever channel it goes through."""
    id_flux = str(uuid.uuid4())
    rng, fake = random.Random(), Faker("fr_FR")
    good = synthetic.good_passages(
        rng, fake, register, codes, SPARE_PASSAGES, f"ESSAI-{id_flux[:8].upper()}"
    )
    rows = sorted((row for row, _ in good), key=lambda r: codes.index(r["code"]))
    path = folder / "a-deposer.xml"
    tmp = path.with_suffix(".partiel")
    with open(tmp, "wb") as fh:
        write_flux(
            fh,
            rows,
            emetteur=depositor.bcr,
            certificateur=certifier.bcr,
            contrat=synthetic.CONTRACT_ID,
            id_flux=id_flux,
            nature="TIERS_CONFIANCE",
        )
    tmp.replace(path)
    return path
