"""Processing a deposit, as the CDC does it (accrochage.md §1, §6, §7, §8).

One pass over the stored file validates it against our schema and, batch by batch, checks
the rules, matches holders and creates the guaranteed items (large files are validated by a
second process meanwhile: ``schema_check``). The whole pass runs in one database
transaction: if the schema fails late in the file, or the worker is killed, nothing of it
remains, and running again gives exactly the state of one clean run. Progress goes to the
progress cache, visible while the transaction is open.

Order of checks: security → schema → file rules (contract, idFlux) → per passage:
duplicate → certification → dates → conditional → matching. One message per KO passage.
"""

import contextlib
import functools
import gc
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
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
from passeport.certifiers.parsing import precheck, well_formedness
from passeport.certifiers.reader import FluxReader, NeedsContext, SchemaInvalid
from passeport.certifiers.schema import list_errors
from passeport.certifiers.schema_check import SchemaCheck
from passeport.core import locks, progress, storage
from passeport.core.bulk import Copier, Fetched, copy_escape, copy_value
from passeport.identity.matching import Matcher
from passeport.records.models import SOURCE, CertificationItem, TrustLevel

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
        try:
            with _local_copy(deposit.raw_name) as path:
                with open(path, "rb") as fh:
                    rejection = precheck(fh, whole_file=False)
                if rejection:
                    return _reject(deposit, [_file_error(rejection)])
                try:
                    with transaction.atomic():
                        return _run(deposit, path)
                except SchemaInvalid:
                    return _reject(deposit, _schema_errors(path))
                except FileRejected as exc:
                    return _reject(deposit, exc.errors)
        finally:
            progress.clear(progress_key(deposit_id))


@contextlib.contextmanager
def _local_copy(name: str) -> Iterator[str]:
    """A local path to the stored file: the file itself on a local disk, else a copy."""
    store = storage.raw_storage()
    try:
        local = store.path(name)
    except NotImplementedError:  # remote storage (S3…)
        local = None
    if local:
        yield local
        return
    with tempfile.TemporaryDirectory(prefix="passeport-depot-") as tmp:
        path = os.path.join(tmp, "flux.xml")
        with store.open(name, "rb") as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst, storage.CHUNK)
        yield path


def _file_error(rejection) -> FileError:
    return FileError("XSD", rejection.message, rejection.line, rejection.column)


def _schema_errors(path: str) -> list[FileError]:
    """Why the streaming reader refused the file: a well-formedness error (one: parsing
    stops there), or up to 100 schema errors with their positions."""
    with open(path, "rb") as fh:
        rejection = well_formedness(fh)
    if rejection:
        return [_file_error(rejection)]
    errors = [FileError(e.type, e.message, e.line, e.column) for e in list_errors(path)]
    return errors or [FileError("XSD", "Le fichier n'est pas conforme au schéma.", 1, 1)]


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
    prefixes: dict[int, tuple[tuple, str]] = field(default_factory=dict)
    copier: Copier = field(default_factory=Copier)


def _run(deposit: Deposit, path: str) -> Outcome:
    if os.path.getsize(path) >= settings.PASSEPORT["PARALLEL_CHECK_BYTES"]:
        return _run_checked_aside(deposit, path)
    try:
        return _pass(deposit, FluxReader(path))
    except NeedsContext:
        pass
    # The envelope comes after some passages: learn it first (validating), then read again.
    context = FluxReader(path).scan()
    return _pass(deposit, FluxReader(path, known=context, validate=False))


def _run_checked_aside(deposit: Deposit, path: str) -> Outcome:
    """Large files: read without the schema while another process validates (two cores)."""
    check = SchemaCheck(path)
    try:
        try:
            return _pass(deposit, FluxReader(path, validate=False), check)
        except NeedsContext:
            if not check.valid():
                raise SchemaInvalid from None
        context = FluxReader(path, validate=False).scan()
        return _pass(deposit, FluxReader(path, known=context, validate=False))
    finally:
        check.stop()


def _pass(deposit: Deposit, reader: FluxReader, check: SchemaCheck | None = None) -> Outcome:
    """One read of the file, processing passages batch by batch.

    With ``check``, the file is being validated by another process: its verdict is awaited
    before anything is final (a file-level rejection, the report), and any error met while
    reading an unvalidated file is first put down to the file if the verdict is "invalid".
    """
    batch_size = settings.PASSEPORT["BATCH_SIZE"]
    if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
        # Check foreign keys as rows go in (in the database thread, beside the reading),
        # not all at once at commit.
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    run: _Run | None = None
    writer: PassagesReportWriter | None = None
    batch: list[Passage] = []
    pending: _Batch | None = None  # read, its look-ups under way
    sid = transaction.savepoint()
    gc.disable()  # a pass allocates much and frees it by reference counting: no cycles to find
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
                if check is not None and check.failed():
                    raise SchemaInvalid
                pending = _advance(run, reader, writer, pending, batch)
                batch = []
                progress.report(
                    progress_key(deposit.pk),
                    phase="traitement",
                    percent=int(100 * reader.bytes_read / max(reader.size, 1)),
                    passages=writer.ok_count + writer.ko_count,
                )
        if check is not None and not check.valid():
            raise SchemaInvalid
    except NeedsContext:
        _abandon(run, writer)
        transaction.savepoint_rollback(sid)
        raise
    except (SchemaInvalid, KeyboardInterrupt, SystemExit):
        _abandon(run, writer)
        raise
    except Exception as exc:
        _abandon(run, writer)
        if check is not None and not check.valid():
            raise SchemaInvalid from exc
        raise
    finally:
        gc.enable()
    if run is None:  # cannot happen with a schema-valid file: every certification has one
        raise FileRejected([FileError("METIER", "Le fichier ne contient aucun passage.", 1, 1)])
    if run.file_error is not None:
        raise FileRejected([run.file_error])
    assert writer is not None
    pending = _advance(run, reader, writer, pending, batch)
    _advance(run, reader, writer, pending, None)
    return _finish(run, writer, reader)


def _abandon(run: "_Run | None", writer: PassagesReportWriter | None) -> None:
    """Stop what a failed read started, before the transaction is rolled back."""
    if writer is not None:
        writer.close()
    if run is not None:
        try:
            run.copier.wait()
        except Exception:  # noqa: S110 - the error being handled is the one that matters
            pass


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


@dataclass
class _Batch:
    """A batch of passages whose database look-ups are under way (``_Run.copier``)."""

    passages: list[Passage]
    verdicts: dict[int, str | None]
    to_match: list[Passage]
    matcher: Matcher
    candidates: list[Fetched]
    already: Fetched


def _advance(
    run: _Run,
    reader: FluxReader,
    writer: PassagesReportWriter,
    pending: _Batch | None,
    passages: list[Passage] | None,
) -> _Batch | None:
    """Decide the batch read before, whose look-ups are done, then send its rows and the
    look-ups of ``passages`` to the database thread, to be done while the next batch is
    read. Returns the batch now pending."""
    run.copier.wait()  # the thread is done: the connection is ours again
    if pending is not None:
        _decide(run, reader, writer, pending)
    batch = _look_up(run, reader, passages) if passages else None
    if len(run.warnings) >= 1000:
        DepositWarning.objects.bulk_create(run.warnings)
        run.warnings.clear()
    run.copier.start()  # the connection is the thread's until the next wait()
    return batch


def _look_up(run: _Run, reader: FluxReader, passages: list[Passage]) -> _Batch:
    """The rules that need no look-up, then the queries of the others: awards already
    accepted for these idTechnique, and the matching candidates of the passages left.
    A passage found already accepted may have been looked up for nothing: it is rare."""
    deposit, emetteur = run.deposit, run.emetteur
    verdicts: dict[int, str | None] = {}
    to_match: list[Passage] = []
    for p in passages:
        if p.id_technique in run.seen_ids:
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
    matcher = Matcher([p.holder for p in to_match])
    already = CertificationItem.objects.filter(
        emetteur_bcr=emetteur, id_technique__in={p.id_technique for p in passages}
    )
    return _Batch(
        passages=passages,
        verdicts=verdicts,
        to_match=to_match,
        matcher=matcher,
        candidates=[run.copier.fetch(q) for q in matcher.queries()],
        already=run.copier.fetch(already.order_by().values_list("id_technique")),
    )


def _decide(run: _Run, reader: FluxReader, writer: PassagesReportWriter, batch: _Batch) -> None:
    """Each passage's verdict, in file order, and the rows of the accepted and refused."""
    deposit, emetteur = run.deposit, run.emetteur
    already = {row[0] for row in batch.already.rows}
    found = batch.matcher.results([f.rows for f in batch.candidates])
    matches = dict(zip((p.index for p in batch.to_match), found, strict=True))
    items, refused = [], []
    lines = run.copier.takes_lines
    for p in batch.passages:
        if p.id_technique in already:
            message = rules.duplicate(emetteur, p)
        else:
            message = batch.verdicts[p.index]
            if message is None and not matches[p.index].found:
                message = matches[p.index].message
        if message is None:
            writer.ok(p.id_technique)
            prefix = _item_prefix(run, reader.certification(p.cert_index))
            holder_id = matches[p.index].holder_id
            if lines:
                items.append(f"{prefix[1]}\t{holder_id}\t{_passage_text(p)}")
            else:
                items.append(prefix[0] + (holder_id,) + _passage_values(p))
        else:
            writer.ko(p.id_technique, message)
            refused.append((deposit.pk, p.index, p.line, p.id_technique, message))
    if lines:
        run.copier.insert_lines(CertificationItem, ITEM_COLUMNS, items)
    else:
        run.copier.insert(CertificationItem, ITEM_COLUMNS, items)
    run.copier.insert(PassageResult, REFUSED_COLUMNS, refused)


REFUSED_COLUMNS = ("deposit_id", "index", "line", "id_technique", "message")
ITEM_COLUMNS = (
    # the same for every passage of a certification: written once (``_item_prefix``)
    "trust", "source", "deposit_id", "emetteur_bcr", "certifier_bcr", "certifier_name",
    "received_at", "cert_type", "code", "label",
    # the passage's own
    "holder_id", "line", "id_technique", "option", "obtention", "certified_data", "exam_start",
    "exam_end", "exam_mode", "exam_postcode", "valid_from", "valid_until", "cefr_level",
    "digcomp", "scoring", "mention", "access_mode", "vae_route", "registration_initiative",
    "registration_date", "proof_url", "verbatim",
)  # fmt: skip


def _item_prefix(run: _Run, cert: CertificationHeader) -> tuple[tuple, str]:
    """The columns every item of a certification shares: as values, and as COPY text."""
    if cert.index not in run.prefixes:
        code = (cert.code or "").strip()
        label = Certification.objects.filter(code=code).values_list("label", flat=True).first()
        values = (
            TrustLevel.GUARANTEED.value,
            SOURCE,
            run.deposit.pk,
            run.emetteur,
            run.header.certifier_bcr or "",
            run.certifier.name if run.certifier else "",
            run.deposit.received_at,
            (cert.cert_type or "").strip(),
            code,
            label or "",
        )
        run.prefixes[cert.index] = (values, "\t".join(map(copy_value, values)))
    return run.prefixes[cert.index]


def _passage_values(p: Passage) -> tuple:
    """A passage's own columns after ``holder_id``, in ``ITEM_COLUMNS`` order."""
    return (
        p.line,
        p.id_technique,
        p.option or "",
        p.obtention,
        p.certified_data,
        p.exam_start,
        p.exam_end,
        p.exam_mode or "",
        p.exam_postcode or "",
        p.valid_from,
        p.valid_until,
        (p.cefr_level or "") if p.language_flag else "",
        p.digcomp if p.digital_flag else None,
        p.scoring or "",
        p.mention or "",
        p.access_mode or "",
        (p.vae_route or "") if p.access_mode == "VAE" else "",
        p.registration_initiative or "",
        p.registration_date,
        p.proof_url or "",
        p.verbatim or "",
    )


def _passage_text(p: Passage) -> str:
    """``_passage_values`` as COPY text, written out: the hot path of an accepted passage
    (the tests check it against the generic ``copy_value``)."""
    e, n = copy_escape, "\\N"
    digcomp = e(_digcomp_json(p.digcomp)) if p.digital_flag and p.digcomp is not None else n
    return (
        f"{p.line}\t{e(p.id_technique)}\t{e(p.option or '')}\t{e(p.obtention)}\t"
        f"{'t' if p.certified_data else 'f'}\t"
        f"{p.exam_start.isoformat() if p.exam_start else n}\t"
        f"{p.exam_end.isoformat() if p.exam_end else n}\t"
        f"{e(p.exam_mode or '')}\t{e(p.exam_postcode or '')}\t{p.valid_from.isoformat()}\t"
        f"{p.valid_until.isoformat() if p.valid_until else n}\t"
        f"{e(p.cefr_level or '') if p.language_flag else ''}\t{digcomp}\t"
        f"{e(p.scoring or '')}\t{e(p.mention or '')}\t{e(p.access_mode or '')}\t"
        f"{e(p.vae_route or '') if p.access_mode == 'VAE' else ''}\t"
        f"{e(p.registration_initiative or '')}\t"
        f"{p.registration_date.isoformat() if p.registration_date else n}\t"
        f"{e(p.proof_url or '')}\t{e(p.verbatim or '')}"
    )


_json_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _json_value(value: str | int | None) -> str:
    if value is None:
        return "null"
    return _json_string(value) if type(value) is str else str(value)


def _digcomp_json(digcomp: dict) -> str:
    """``json.dumps(digcomp, ensure_ascii=False)`` for the DigComp block read by
    ``flux.read_passage``, without the cost of an encoder per call."""
    results = ", ".join(
        _result_json(r["niveau"], r["domaineCompetenceId"], r["competenceId"])
        for r in digcomp["resultats"]
    )
    return f'{{"scoreGeneral": {_json_value(digcomp["scoreGeneral"])}, "resultats": [{results}]}}'


@functools.lru_cache(maxsize=4096)
def _result_json(level: int | None, domain: str | None, skill: str | None) -> str:
    # Levels 1-8, one-character ids: few distinct results, each written once.
    return (
        f'{{"niveau": {_json_value(level)}, "domaineCompetenceId": {_json_value(domain)}, '
        f'"competenceId": {_json_value(skill)}}}'
    )


def _finish(run: _Run, writer: PassagesReportWriter, reader: FluxReader) -> Outcome:
    run.copier.wait()
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
