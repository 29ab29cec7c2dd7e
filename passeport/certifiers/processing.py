"""Processing a deposit, as the CDC does it (accrochage.md §1, §6, §7, §8).

One pass over the stored file validates it against our schema and, batch by batch, checks
the rules, matches holders and creates the guaranteed items. The whole pass runs in one
database transaction: if the schema fails late in the file, or the worker is killed, nothing
of it remains, and running again gives exactly the state of one clean run. Progress goes to
the progress cache, visible while the transaction is open.

Order of checks: security → schema → file rules (contract, idFlux) → per passage:
duplicate → certification → dates → conditional → matching. One message per KO passage.
"""

import logging
import os
import tempfile
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.utils import timezone

from passeport.certifiers import rules
from passeport.certifiers.accuse import FileError, PassagesReportWriter, errors_report
from passeport.certifiers.accuse import report_file_name as accuse_file_name
from passeport.certifiers.flux import CertificationHeader, FluxHeader, Passage
from passeport.certifiers.models import (
    Certification,
    Contract,
    Deposit,
    DepositStatus,
    DepositWarning,
    FluxRegistration,
    Grant,
    Organisation,
    PassageResult,
    RegisteredCertifier,
)
from passeport.certifiers.parsing import precheck
from passeport.certifiers.reader import FluxReader, NeedsContext, SchemaInvalid
from passeport.certifiers.schema import list_errors
from passeport.core import locks, progress, storage
from passeport.identity.matching import match_all
from passeport.records.models import CertificationItem

log = logging.getLogger("passeport.certifiers")


class FileRejected(Exception):
    def __init__(self, errors: list[FileError]):
        super().__init__(errors[0].message if errors else "")
        self.errors = errors


@dataclass
class Outcome:
    """What ``process`` did: for logs, the CLI and tests."""

    deposit_id: int
    status: str
    skipped: bool = False
    ok: int = 0
    ko: int = 0


def progress_key(deposit_id: int) -> str:
    return f"depot:{deposit_id}"


def lock_name(deposit_id: int) -> str:
    return f"depot:{deposit_id}"


def process(deposit_id: int) -> Outcome:
    """Process one deposit unless it is done or another worker holds it."""
    with locks.exclusive(lock_name(deposit_id)) as mine:
        deposit = Deposit.objects.select_related("depositor").get(pk=deposit_id)
        if not mine or deposit.is_final:
            return Outcome(deposit_id, deposit.status, skipped=True)
        Deposit.objects.filter(pk=deposit_id).update(
            status=DepositStatus.PROCESSING, started_at=timezone.now()
        )
        progress.report(progress_key(deposit_id), phase="lecture", percent=0, passages=0)
        with tempfile.TemporaryDirectory(prefix="passeport-depot-") as tmp:
            path = os.path.join(tmp, "flux.xml")
            with storage.open_stored(deposit.raw_name) as src, open(path, "wb") as dst:
                rejection = precheck(src)
                src.seek(0)
                while chunk := src.read(storage.CHUNK):
                    dst.write(chunk)
            if rejection:
                errors = [FileError("XSD", rejection.message, rejection.line, rejection.column)]
                return _reject(deposit, errors)
            try:
                with transaction.atomic():
                    return _run(deposit, path)
            except SchemaInvalid:
                errors = [FileError(e.type, e.message, e.line, e.column) for e in list_errors(path)]
                if not errors:  # streaming said invalid, the detailed pass found nothing
                    errors = [FileError("XSD", "Le fichier n'est pas conforme au schéma.", 1, 1)]
                return _reject(deposit, errors)
            except FileRejected as exc:
                return _reject(deposit, exc.errors)
            finally:
                progress.clear(progress_key(deposit_id))


def _reject(deposit: Deposit, errors: list[FileError]) -> Outcome:
    body = errors_report(deposit.file_name, deposit.pk, errors)
    stored = storage.store_bytes(body, "rapports")
    now = timezone.now()
    Deposit.objects.filter(pk=deposit.pk).update(
        status=DepositStatus.REJECTED,
        processed_at=now,
        file_errors=[e.__dict__ for e in errors],
        report_name=stored.name,
        report_file_name=accuse_file_name(deposit.file_name, timezone.localdate(now)),
    )
    log.info("dépôt %s rejeté : %s", deposit.pk, errors[0].message)
    return Outcome(deposit.pk, DepositStatus.REJECTED)


@dataclass
class _Run:
    deposit: Deposit
    header: FluxHeader
    emetteur: str = ""
    cert_verdicts: dict[int, bool] = field(default_factory=dict)
    seen_ids: set[str] = field(default_factory=set)
    warnings: list[DepositWarning] = field(default_factory=list)
    file_error: FileError | None = None
    certifier: Organisation | None = None
    labels: dict[str, str] = field(default_factory=dict)


def _run(deposit: Deposit, path: str) -> Outcome:
    reader = FluxReader(path)
    try:
        return _pass(deposit, reader)
    except NeedsContext:
        pass
    # The envelope comes after some passages: learn it first, then read again.
    context = FluxReader(path).scan()
    return _pass(deposit, FluxReader(path, known=context))


def _pass(deposit: Deposit, reader: FluxReader) -> Outcome:
    batch_size = settings.PASSEPORT["BATCH_SIZE"]
    run: _Run | None = None
    writer: PassagesReportWriter | None = None
    batch: list[Passage] = []
    sid = transaction.savepoint()
    try:
        for passage in reader.passages():
            if run is None:
                run = _start(deposit, reader)
                if run.file_error is None:
                    writer = PassagesReportWriter(
                        deposit.file_name, run.header.id_flux or "", deposit.pk
                    )
            if run.file_error is not None:
                continue  # the schema is still checked to the end: it comes first
            batch.append(passage)
            if len(batch) >= batch_size:
                _process_batch(run, reader, batch, writer)
                batch = []
                progress.report(
                    progress_key(deposit.pk),
                    phase="traitement",
                    percent=int(100 * reader.bytes_read / max(reader.size, 1)),
                    passages=writer.ok_count + writer.ko_count,
                )
    except NeedsContext:
        transaction.savepoint_rollback(sid)
        if writer:
            writer.close()
        raise
    except BaseException:
        if writer:
            writer.close()
        raise
    if run is None:  # cannot happen with a schema-valid file: every certification has one
        raise FileRejected([FileError("METIER", "Le fichier ne contient aucun passage.", 1, 1)])
    if run.file_error is not None:
        raise FileRejected([run.file_error])
    assert writer is not None
    if batch:
        _process_batch(run, reader, batch, writer)
    return _finish(run, writer, reader)


def _start(deposit: Deposit, reader: FluxReader) -> _Run:
    """File-level rules, once the envelope is known (at the first passage)."""
    h = reader.header
    run = _Run(deposit=deposit, header=h, emetteur=h.emetteur_bcr or "")
    run.certifier = Organisation.objects.filter(bcr=h.certifier_bcr).first()
    Deposit.objects.filter(pk=deposit.pk).update(
        id_flux=h.id_flux or "",
        emetteur_bcr=h.emetteur_bcr or "",
        certifier_bcr=h.certifier_bcr or "",
        contract_id=h.contract_id or "",
    )
    depositor = deposit.depositor
    if depositor is not None and depositor.bcr != h.emetteur_bcr:
        line = h.lines.get("emetteur_bcr", 1)
        run.file_error = FileError("METIER", rules.not_the_depositor(h, depositor.bcr), line, 1)
        return run
    contract_known = Contract.objects.filter(
        contract_id=h.contract_id,
        certifier__bcr=h.certifier_bcr,
        depositor__bcr=h.emetteur_bcr,
    ).exists()
    if not contract_known:
        line = h.lines.get("idContrat", 1)
        run.file_error = FileError("METIER", rules.unknown_contract(h), line, 1)
        return run
    # One émetteur at a time: the duplicate rule reads what the previous deposit wrote.
    locks.serialize_in_transaction(f"emetteur:{h.emetteur_bcr}")
    try:
        with transaction.atomic():
            FluxRegistration.objects.create(
                emetteur_bcr=h.emetteur_bcr, id_flux=h.id_flux, deposit=deposit
            )
    except IntegrityError:
        line = h.lines.get("idFlux", 1)
        run.file_error = FileError("METIER", rules.flux_already_deposited(h), line, 1)
    return run


def _certification_ok(run: _Run, cert: CertificationHeader) -> bool:
    if cert.index in run.cert_verdicts:
        return run.cert_verdicts[cert.index]
    verdict = rules.certification_format_ok(cert)
    code = (cert.code or "").strip()
    if verdict:
        verdict = Certification.objects.filter(code=code).exists()
    if verdict:
        certifier = run.certifier
        verdict = certifier is not None and (
            Grant.objects.filter(certifier=certifier, code=code).exists()
            or (
                bool(certifier.siret)
                and RegisteredCertifier.objects.filter(code=code, siret=certifier.siret).exists()
            )
        )
    run.cert_verdicts[cert.index] = verdict
    return verdict


def _process_batch(
    run: _Run, reader: FluxReader, batch: list[Passage], writer: PassagesReportWriter
) -> None:
    deposit, emetteur = run.deposit, run.emetteur
    already = set(
        CertificationItem.objects.filter(
            emetteur_bcr=emetteur, id_technique__in={p.id_technique for p in batch}
        ).values_list("id_technique", flat=True)
    )
    verdicts: dict[int, str | None] = {}
    to_match: list[Passage] = []
    for p in batch:
        if p.id_technique in already or p.id_technique in run.seen_ids:
            verdicts[p.index] = rules.duplicate(emetteur, p)
        elif not _certification_ok(run, reader.certification(p.cert_index)):
            verdicts[p.index] = rules.certification_ko(emetteur, p)
        else:
            verdicts[p.index] = rules.passage_ko(emetteur, p)
            if verdicts[p.index] is None:
                to_match.append(p)
        run.seen_ids.add(p.id_technique)
        for message in rules.passage_warnings(p):
            run.warnings.append(
                DepositWarning(
                    deposit=deposit, line=p.line, id_technique=p.id_technique, message=message
                )
            )
    matches = dict(
        zip((p.index for p in to_match), match_all([p.holder for p in to_match]), strict=True)
    )
    items, results = [], []
    for p in batch:
        message = verdicts[p.index]
        if message is None and not matches[p.index].found:
            message = matches[p.index].message
        results.append(
            PassageResult(
                deposit=deposit,
                index=p.index,
                line=p.line,
                id_technique=p.id_technique,
                ok=message is None,
                message=message or "",
            )
        )
        if message is None:
            writer.ok(p.id_technique)
            items.append(_item(run, reader.certification(p.cert_index), p, matches[p.index]))
        else:
            writer.ko(p.id_technique, message)
    _insert(CertificationItem, items)
    _insert(PassageResult, results)
    if len(run.warnings) >= 1000:
        DepositWarning.objects.bulk_create(run.warnings)
        run.warnings.clear()


def _insert(model, objs: list) -> None:
    """``bulk_create`` without reading primary keys back, through COPY on PostgreSQL.

    Why: Django 5.2 inserts a batch as ``INSERT … SELECT * FROM UNNEST(%s::type[], …)`` and,
    with client-side binding, psycopg quotes every element of those arrays in Python; for
    the items (32 columns) that was the largest cost of processing a deposit. COPY sends the
    same values, prepared by the same field methods as ``bulk_create`` (``pre_save``, then
    ``get_db_prep_save``), in a third of the time. Nothing reads the new primary keys.
    """
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the proxy costs a look-up a value
    if db.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    if not objs:
        return
    opts = model._meta
    fields = [f for f in opts.concrete_fields if f is not opts.pk and not f.generated]
    quote = db.ops.quote_name
    sql = f"COPY {quote(opts.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
    with db.cursor() as cursor, db.wrap_database_errors:
        with cursor.cursor.copy(sql) as copy:
            for obj in objs:
                copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields])


def _item(run: _Run, cert: CertificationHeader, p: Passage, match) -> CertificationItem:
    code = (cert.code or "").strip()
    if code not in run.labels:
        run.labels[code] = (
            Certification.objects.filter(code=code).values_list("label", flat=True).first() or ""
        )
    return CertificationItem(
        holder_id=match.holder_id,
        deposit=run.deposit,
        line=p.line,
        id_technique=p.id_technique,
        emetteur_bcr=run.emetteur,
        certifier_bcr=run.header.certifier_bcr or "",
        certifier_name=run.certifier.name if run.certifier else "",
        received_at=run.deposit.received_at,
        cert_type=(cert.cert_type or "").strip(),
        code=code,
        label=run.labels[code],
        option=p.option or "",
        obtention=p.obtention,
        certified_data=p.certified_data,
        exam_start=p.exam_start,
        exam_end=p.exam_end,
        exam_mode=p.exam_mode or "",
        exam_postcode=p.exam_postcode or "",
        valid_from=p.valid_from,
        valid_until=p.valid_until,
        cefr_level=(p.cefr_level or "") if p.language_flag else "",
        digcomp=p.digcomp if p.digital_flag else None,
        scoring=p.scoring or "",
        mention=p.mention or "",
        access_mode=p.access_mode or "",
        vae_route=(p.vae_route or "") if p.access_mode == "VAE" else "",
        registration_initiative=p.registration_initiative or "",
        registration_date=p.registration_date,
        proof_url=p.proof_url or "",
        verbatim=p.verbatim or "",
    )


def _finish(run: _Run, writer: PassagesReportWriter, reader: FluxReader) -> Outcome:
    deposit = run.deposit
    certs = list((reader.known or reader.context).certifications.values())
    for line, message in rules.flux_warnings(run.header, certs):
        run.warnings.append(DepositWarning(deposit=deposit, line=line, message=message))
    DepositWarning.objects.bulk_create(run.warnings)
    with tempfile.TemporaryFile() as out:
        writer.write_to(out)
        writer.close()
        out.seek(0)
        stored = storage.store_stream(out, "rapports")
    now = timezone.now()
    status = DepositStatus.DONE_KO if writer.ko_count else DepositStatus.DONE_OK
    Deposit.objects.filter(pk=deposit.pk).update(
        status=status,
        processed_at=now,
        passages_total=writer.ok_count + writer.ko_count,
        passages_ok=writer.ok_count,
        passages_ko=writer.ko_count,
        warnings_count=DepositWarning.objects.filter(deposit=deposit).count(),
        report_name=stored.name,
        report_file_name=accuse_file_name(deposit.file_name, timezone.localdate(now)),
    )
    log.info("dépôt %s traité : %s OK, %s KO", deposit.pk, writer.ok_count, writer.ko_count)
    return Outcome(deposit.pk, status, ok=writer.ok_count, ko=writer.ko_count)
