"""Use cases of the certifiers' channel, free of HTTP: receive, process, read back."""

from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from passeport.certifiers import accuse
from passeport.certifiers.models import Deposit, DepositStatus, Organisation
from passeport.core import storage
from passeport.core.errors import InputError


@dataclass(frozen=True)
class Receipt:
    deposit: Deposit
    xml: bytes


def max_bytes() -> int:
    return settings.PASSEPORT["DEPOSIT_MAX_BYTES"]


def size_label(n: int) -> str:
    return f"{n / 1_000_000:.0f} Mo" if n >= 1_000_000 else f"{n} octets"


def receive(
    stream: BinaryIO,
    file_name: str,
    channel: str,
    depositor: Organisation | None,
    uploaded_by=None,
    enqueue: bool = True,
) -> Receipt:
    """Store the raw bytes first, then record the deposit and queue its processing.

    Refused here (nothing stored): a file over the size limit. Everything else is received
    and gets a processing report, even if it is empty or not XML.
    """
    limit = max_bytes()
    try:
        stored = storage.store_stream(stream, "depots", max_bytes=limit)
    except storage.TooLarge as exc:
        raise InputError(
            f"Le fichier dépasse la taille maximale autorisée ({size_label(exc.limit)})."
        ) from exc
    name = (file_name or "depot.xml").replace("/", "_").replace("\\", "_")[:255]
    with transaction.atomic():
        deposit = Deposit.objects.create(
            depositor=depositor,
            uploaded_by=uploaded_by,
            channel=channel,
            file_name=name,
            raw_name=stored.name,
            sha256=stored.sha256,
            size=stored.size,
        )
        if enqueue:
            from passeport.certifiers.tasks import process_deposit

            transaction.on_commit(lambda: process_deposit.enqueue(deposit.pk))
    return Receipt(deposit, reception_xml(deposit))


def reception_xml(deposit: Deposit) -> bytes:
    return accuse.reception_receipt(
        deposit_id=deposit.pk,
        file_name=deposit.file_name,
        sha256=deposit.sha256,
        size=deposit.size,
        received_at=deposit.received_at,
    )


def reception_file_name(deposit: Deposit) -> str:
    day = timezone.localdate(deposit.received_at)
    return f"Accusé de réception_{deposit.file_name}_{day:%Y%m%d}.xml"


def open_report(deposit: Deposit) -> BinaryIO | None:
    """The accusé de traitement (an open file), once the deposit is processed."""
    return storage.open_stored(deposit.report_name) if deposit.report_name else None


def report_bytes(deposit: Deposit) -> bytes | None:
    report = open_report(deposit)
    if report is None:
        return None
    with report:
        return report.read()


def deposits_of(org: Organisation):
    return Deposit.objects.filter(depositor=org)


def requeue_unfinished() -> list[int]:
    """Queue again the deposits whose worker died mid-way (status "en cours", lock free).

    A live worker holds its deposit's lock, so its deposits are left alone.
    """
    from passeport.certifiers.processing import lock_name
    from passeport.certifiers.tasks import process_deposit
    from passeport.core import locks

    requeued = []
    for pk in Deposit.objects.filter(status=DepositStatus.PROCESSING).values_list("pk", flat=True):
        with locks.exclusive(lock_name(pk)) as free:
            if free:
                process_deposit.enqueue(pk)
                requeued.append(pk)
    return requeued
