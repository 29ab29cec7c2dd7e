"""Benchmark of the certifiers' deposit pipeline, against its raw limit, in one run.

What it answers (the issue "accrochage at 200 MB"):

- throughput: receiving and processing a ~200 MB flux of ~50,000 fully-filled passages whose
  holders are among a 1,000,000-entry identity register, compared with lxml ``iterparse``
  validating the same file against the same XSD and doing nothing else (the raw limit).
  Target: end to end ≥ 0.5 × the limit. Ratios, not absolute times: the machine is shared.
- memory: the worker's peak RSS, for a small and a full-size file. Target: < 200 MB and flat.
- matching: ``match_all`` on the same claims with a register of R/10 then R entries, and with
  N/10 then N claims. Target: the cost follows the claims, not the register.

The deposit is processed by the real worker (``passeport worker --une-passe``) in a separate
process, so that its peak RSS is its own (``VmHWM``, see ``bench/worker.py``), with
``PASSEPORT_DEBUG=0`` as in production (Django's debug mode keeps every SQL statement of a
process, which would measure the query log rather than the worker).

Run it on PostgreSQL: ``make bench``, or ``scripts/with-postgres.sh .venv/bin/python
bench/accrochage.py --passages 5000 --registre 100000`` for a quick run. It prints one JSON
object on stdout (progress goes to stderr) and keeps a copy in ``bench/out/accrochage.json``.
"""

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))  # run as a script: make ``bench.generate`` importable

CODE = "RNCP19117"  # a real fiche whose certifier's SIRET is in the real RNCP export
EMETTEUR = "AB123CDE"  # a tiers de confiance…
CERTIFIER = "E564ACB0"  # …depositing for this certifier (SIRET below) under this contract
CERTIFIER_SIRET = "11004301500012"
CONTRACT = "2560080000127J"
RSS_LIMIT_MB = 200
RATIO_TARGET = 0.5
# "Flat": the full file may not cost more than this over the small one (allocator noise).
RSS_FLAT_MARGIN_MB = 20
# "Grows with claims, not with the register": 10× the register may cost at most this much.
MATCHING_REGISTER_RATIO_MAX = 1.5


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=50_000, help="passages du gros flux")
    parser.add_argument(
        "--petit", type=int, default=0, help="passages du petit flux (défaut : passages / 10)"
    )
    parser.add_argument("--registre", type=int, default=1_000_000, help="titulaires du registre")
    parser.add_argument("--graine", type=int, default=20260101, help="graine des tirages")
    parser.add_argument(
        "--repetitions", type=int, default=2, help="mesures de la limite brute (la meilleure)"
    )
    parser.add_argument(
        "--profil", action="store_true", help="profiler le travailleur (cProfile, fausse les temps)"
    )
    parser.add_argument(
        "--garder", action="store_true", help="garder les fichiers générés dans bench/out/"
    )
    return parser.parse_args(argv)


def configure() -> Path:
    """Environment of this process and of the workers it starts: a scratch var dir."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "DATABASE_URL doit désigner une base PostgreSQL : lancez « make bench » ou "
            "« scripts/with-postgres.sh .venv/bin/python bench/accrochage.py »."
        )
    create_database(url)
    var_dir = OUT / "var"
    shutil.rmtree(var_dir, ignore_errors=True)  # the database is new: so is everything else
    var_dir.mkdir(parents=True)
    os.environ["PASSEPORT_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "passeport.settings"
    os.environ["PASSEPORT_DEBUG"] = "0"
    return var_dir


def create_database(url: str) -> None:
    """``with-postgres.sh`` starts an empty cluster: the database named in the URL is ours
    to create (pytest-django creates its own, the benchmark is not a test)."""
    import psycopg
    from psycopg import sql

    name = psycopg.conninfo.conninfo_to_dict(url).get("dbname") or "postgres"
    with psycopg.connect(url, dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    configure()
    import django

    django.setup()
    result = run(args)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    (OUT / "accrochage.json").write_text(text + "\n")
    print(text)
    if not result["targets"]["correct"]:
        sys.exit(1)


# ---------------------------------------------------------------------------------------------
# Set-up: schema, organisations, contract, catalogue, register


def setup_database() -> None:
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if "progress" in settings.DATABASES:
        call_command("createcachetable", database="progress", verbosity=0)


def setup_world():
    """The depositor, the certifier, their contract, and the fiche from the real export."""
    from django.conf import settings

    from passeport.certifiers.models import Contract, Organisation, RegisteredCertifier
    from passeport.referentials import rncp

    rncp.load(settings.PASSEPORT["REFERENTIELS_DIR"], only={CODE})
    if not RegisteredCertifier.objects.filter(code=CODE, siret=CERTIFIER_SIRET).exists():
        raise SystemExit(f"{CODE} / {CERTIFIER_SIRET} absent de l'export RNCP : données changées ?")
    depositor = Organisation.objects.create(
        bcr=EMETTEUR, name="Tiers de confiance (banc d'essai)", is_depositor=True
    )
    certifier = Organisation.objects.create(
        bcr=CERTIFIER, siret=CERTIFIER_SIRET, name="Certificateur (banc d'essai)", is_certifier=True
    )
    Contract.objects.create(contract_id=CONTRACT, certifier=certifier, depositor=depositor)
    return depositor


def vacuum() -> None:
    """The register as production has it, long after its import: statistics, visibility map
    and hint bits set. Without it, matching right after an import pays for them, and
    autovacuum may run during the measurement."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) identity_holder")


def import_part(path: Path, rows: int) -> dict:
    from passeport.identity.register import import_register

    start = time.perf_counter()
    report = import_register(path)
    seconds = time.perf_counter() - start
    if report.errors or report.created != rows:
        raise SystemExit(f"registre : {report.created} créés, erreurs {report.errors[:5]}")
    vacuum()
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds)}


# ---------------------------------------------------------------------------------------------
# Matching


def claim_of(p):
    """The claim the flux reader builds for this person's fully-filled passage."""
    from passeport.identity.claims import PersonClaim

    return PersonClaim(
        birth_name=p.birth_name,
        first_name1=p.first_name1,
        sex=p.sex,
        birth_year=p.year,
        usage_name=p.usage_name or p.birth_name,
        first_name2=p.first_name2 or None,
        first_name3=p.first_name3 or None,
        birth_month=p.month,
        birth_day=p.day,
        birth_insee=p.insee,
        birth_country=p.country or None,
    )


def time_matching(claims: list, repetitions: int = 5, index_only: bool = False) -> tuple:
    """Best time of ``match_all`` over ``claims`` by batches of the processing's size.

    ``index_only`` forbids sequential scans (``enable_seqscan = off``, this transaction
    only): on a small register PostgreSQL may prefer reading the whole table to a thousand
    index probes, which measures the planner rather than the index.
    """
    from django.conf import settings
    from django.db import connection, transaction

    from passeport.identity.matching import match_all

    size = settings.PASSEPORT["BATCH_SIZE"]
    best, matches = float("inf"), []
    for _ in range(repetitions):
        with transaction.atomic():
            if index_only:
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL enable_seqscan = off")
            start = time.perf_counter()
            matches = []
            for i in range(0, len(claims), size):
                matches.extend(match_all(claims[i : i + size]))
            best = min(best, time.perf_counter() - start)
    return best, matches


def matching_plan(claims: list) -> str:
    """The plan PostgreSQL picks for one batch of the level-1 look-up (its top node)."""
    from django.conf import settings

    from passeport.identity.matching import _CANDIDATE_FIELDS
    from passeport.identity.models import Holder, match_key

    keys = {
        match_key(c.birth_name, c.first_name1, c.sex, c.birth_year)
        for c in claims[: settings.PASSEPORT["BATCH_SIZE"]]
    }
    plan = Holder.objects.filter(match_key__in=keys).values(*_CANDIDATE_FIELDS).explain()
    return plan.splitlines()[0].split("  (")[0].strip()


# ---------------------------------------------------------------------------------------------
# The raw limit and the end-to-end run


def raw_limit(path: Path, tagged: bool) -> tuple[float, float, int]:
    """lxml streaming validation with our XSD, nothing else: (seconds, CPU seconds, passages)."""
    from lxml import etree

    from passeport.certifiers.flux import qn
    from passeport.certifiers.schema import flux_schema

    schema = flux_schema()
    passage = qn("passageCertification")
    kwargs = {"tag": passage} if tagged else {}
    count = 0
    start, cpu = time.perf_counter(), time.process_time()
    events = etree.iterparse(str(path), events=("end",), schema=schema, **kwargs)
    for _, el in events:
        if el.tag == passage:
            count += 1
        el.clear()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if events.error_log:
        raise SystemExit(f"{path.name} n'est pas conforme au schéma : {events.error_log}")
    return seconds, cpu, count


def best_raw_limit(path: Path, repetitions: int) -> dict:
    """Both variants, best of ``repetitions`` each; the faster variant is the limit."""
    out = {}
    for tagged, key in ((True, "tag_filter"), (False, "no_tag_filter")):
        runs = [raw_limit(path, tagged) for _ in range(repetitions)]
        seconds, cpu, count = min(runs)
        out[key] = {"seconds": round(seconds, 3), "cpu_s": round(cpu, 3), "passages": count}
    best = min(out, key=lambda k: out[k]["seconds"])
    return {**out, "used": best, "seconds": out[best]["seconds"], "cpu_s": out[best]["cpu_s"]}


def run_worker(name: str, profile: bool) -> dict:
    """``passeport worker --une-passe`` in its own process: wall time and peak RSS.

    The peak is the worker's own ``VmHWM`` (see ``bench/worker.py`` for why not ``wait4``);
    the RSS sampled every 50 ms from here (psutil) is a cross-check.
    """
    import psutil

    peak_file = OUT / f"worker-{name}.rss.json"
    peak_file.unlink(missing_ok=True)
    command = [sys.executable]
    if profile:
        command += ["-m", "cProfile", "-o", str(OUT / f"worker-{name}.prof")]
    command += [str(ROOT / "bench" / "worker.py"), str(peak_file)]
    sampled = 0
    with open(OUT / f"worker-{name}.log", "wb") as logfile:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, stdout=logfile, stderr=subprocess.STDOUT)
        watched = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                sampled = max(sampled, watched.memory_info().rss)
            except psutil.Error:
                pass
            time.sleep(0.05)
        wall = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"le travailleur a échoué ({proc.returncode}) : voir worker-{name}.log")
    report = json.loads(peak_file.read_text())
    (call,) = report["calls"]  # one deposit queued, one processed
    return {
        "wall_s": round(wall, 2),
        "process_wall_s": round(call["wall_s"], 2),
        "process_cpu_s": round(call["cpu_s"], 2),
        "peak_rss_mb": round(report["vmhwm_kib"] / 1024, 1),
        "sampled_rss_mb": round(sampled / 2**20, 1),
    }


def end_to_end(path: Path, name: str, depositor, expected_ok: int, profile: bool) -> dict:
    """Receive the file (queued), let a worker process it, check the outcome."""
    from passeport.certifiers.models import Channel, Deposit, DepositStatus
    from passeport.certifiers.services import receive
    from passeport.records.models import CertificationItem

    start, cpu = time.perf_counter(), time.process_time()
    with open(path, "rb") as fh:
        deposit = receive(fh, path.name, Channel.CLI, depositor, enqueue=True).deposit
    receive_s, receive_cpu = time.perf_counter() - start, time.process_time() - cpu
    worker = run_worker(name, profile)
    deposit = Deposit.objects.get(pk=deposit.pk)
    # The worker's own timing of process(): it includes the commit, which the deposit's
    # timestamps (started_at, processed_at, both inside the transaction) leave out.
    process_s = worker["process_wall_s"]
    stamps_s = (deposit.processed_at - deposit.started_at).total_seconds()
    items = CertificationItem.objects.filter(deposit=deposit).count()
    correct = (
        deposit.status == DepositStatus.DONE_OK
        and deposit.passages_ok == expected_ok
        and deposit.passages_ko == 0
        and items == expected_ok
        and bool(deposit.report_name)
    )
    total = receive_s + process_s
    size_mb = path.stat().st_size / 1e6
    return {
        "status": deposit.status,
        "passages_ok": deposit.passages_ok,
        "passages_ko": deposit.passages_ko,
        "items_created": items,
        "warnings": deposit.warnings_count,
        "correct": correct,
        "receive_s": round(receive_s, 2),
        "process_s": round(process_s, 2),
        "process_timestamps_s": round(stamps_s, 2),
        "cpu_s": round(receive_cpu + worker["process_cpu_s"], 2),
        "seconds": round(total, 2),
        "mb_per_s": round(size_mb / total, 2),
        "passages_per_s": round(expected_ok / total),
        "worker": worker,
    }


# ---------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict:
    from django.conf import settings
    from django.db import connection
    from lxml import etree

    from bench.generate import people, write_bench_flux, write_register
    from passeport.identity.register import HEADER

    n_full = args.passages
    n_small = args.petit or max(1, n_full // 10)
    n_register = args.registre
    n_part = max(1, n_register // 10)
    rng = random.Random(args.graine)
    t0 = time.perf_counter()

    log("base : migrations")
    setup_database()
    depositor = setup_world()

    log(f"registre : {n_register} personnes")
    persons = list(people(n_register, args.graine))
    part_a, part_b = OUT / "registre-a.csv", OUT / "registre-b.csv"
    write_register(part_a, persons[:n_part], HEADER)
    write_register(part_b, persons[n_part:], HEADER)

    log(f"registre : import de {n_part} lignes")
    imports = [import_part(part_a, n_part)]
    claims = [claim_of(p) for p in rng.sample(persons[:n_part], min(n_full, n_part))]
    few = claims[: max(1, len(claims) // 10)]
    log(f"appariement : {len(claims)} demandes, registre de {n_part}")
    small_reg_s, small_matches = time_matching(claims)
    small_index_s, _ = time_matching(claims, index_only=True)
    small_plan = matching_plan(claims)
    log(f"registre : import de {n_register - n_part} lignes")
    imports.append(import_part(part_b, n_register - n_part))
    log(f"appariement : {len(claims)} demandes, registre de {n_register}")
    full_reg_s, full_matches = time_matching(claims)
    full_index_s, _ = time_matching(claims, index_only=True)
    full_plan = matching_plan(claims)
    few_s, _ = time_matching(few)
    matching_correct = all(m.found for m in full_matches) and [
        m.holder_id for m in full_matches
    ] == [m.holder_id for m in small_matches]

    log(f"flux : {n_small} et {n_full} passages")
    complete = [p for p in persons if p.complete]
    files = {}
    for name, count in (("small", n_small), ("full", n_full)):
        path = OUT / f"flux-{name}.xml"
        holders = [complete[i] for i in rng.choices(range(len(complete)), k=count)]
        with open(path, "wb") as fh:
            write_bench_flux(
                fh,
                holders,
                prefix=f"BENCH-{name.upper()}",
                code=CODE,
                emetteur=EMETTEUR,
                certificateur=CERTIFIER,
                contrat=CONTRACT,
                id_flux=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                seed=rng.getrandbits(32),
            )
        files[name] = (path, count)
        if path.stat().st_size > settings.PASSEPORT["DEPOSIT_MAX_BYTES"]:
            raise SystemExit(f"{path.name} dépasse la taille maximale d'un dépôt : --passages")
    del persons, complete

    results = {}
    for name, (path, count) in files.items():
        log(f"limite brute : {path.name}")
        limit = best_raw_limit(path, args.repetitions)
        log(f"bout en bout : {path.name}")
        e2e = end_to_end(path, name, depositor, count, args.profil)
        size = path.stat().st_size
        limit["mb_per_s"] = round(size / 1e6 / limit["seconds"], 2)
        limit["passages_per_s"] = round(count / limit["seconds"])
        results[name] = {
            "file_bytes": size,
            "file_mb": round(size / 1e6, 1),
            "passages": count,
            "bytes_per_passage": round(size / count),
            "raw_limit": limit,
            "end_to_end": e2e,
            "ratio": round(limit["seconds"] / e2e["seconds"], 3),
            "ratio_cpu": round(limit["cpu_s"] / e2e["cpu_s"], 3),
        }

    full, small = results["full"], results["small"]
    rss_full = full["end_to_end"]["worker"]["peak_rss_mb"]
    rss_small = small["end_to_end"]["worker"]["peak_rss_mb"]
    register_ratio = full_reg_s / small_reg_s
    register_ratio_index = full_index_s / small_index_s
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg_version = cur.fetchone()[0]
    return {
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) or "accrochage.py",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": pg_version,
            "lxml": ".".join(map(str, etree.LXML_VERSION)),
            "libxml2": ".".join(map(str, etree.LIBXML_VERSION)),
            "batch_size": settings.PASSEPORT["BATCH_SIZE"],
        },
        "file_mb": full["file_mb"],
        "passages": full["passages"],
        "register_size": n_register,
        "raw_limit_mb_per_s": full["raw_limit"]["mb_per_s"],
        "raw_limit_passages_per_s": full["raw_limit"]["passages_per_s"],
        "end_to_end_mb_per_s": full["end_to_end"]["mb_per_s"],
        "end_to_end_passages_per_s": full["end_to_end"]["passages_per_s"],
        "ratio": full["ratio"],
        "ratio_cpu": full["ratio_cpu"],
        "worker_peak_rss_mb": {str(small["passages"]): rss_small, str(full["passages"]): rss_full},
        "register_import": {
            "seconds": round(sum(i["seconds"] for i in imports), 2),
            "parts": imports,
        },
        "matching": {
            "claims": len(claims),
            "register_small": n_part,
            "register_full": n_register,
            "seconds_register_small": round(small_reg_s, 3),
            "seconds_register_full": round(full_reg_s, 3),
            "us_per_claim_register_small": round(1e6 * small_reg_s / len(claims), 1),
            "us_per_claim_register_full": round(1e6 * full_reg_s / len(claims), 1),
            "register_ratio": round(register_ratio, 2),
            "plan_register_small": small_plan,
            "plan_register_full": full_plan,
            "index_only_seconds_register_small": round(small_index_s, 3),
            "index_only_seconds_register_full": round(full_index_s, 3),
            "index_only_register_ratio": round(register_ratio_index, 2),
            "claims_few": len(few),
            "seconds_claims_few": round(few_s, 3),
            "claims_ratio": round(full_reg_s / few_s, 2),
            "all_found_and_identical": matching_correct,
        },
        "runs": results,
        "total_s": round(time.perf_counter() - t0, 1),
        "targets": {
            "ratio_ge_0_5": full["ratio"] >= RATIO_TARGET,
            "rss_lt_200_mb": max(rss_full, rss_small) < RSS_LIMIT_MB,
            "rss_flat": rss_full - rss_small <= RSS_FLAT_MARGIN_MB,
            "matching_independent_of_register": max(register_ratio, register_ratio_index)
            <= MATCHING_REGISTER_RATIO_MAX,
            "correct": full["end_to_end"]["correct"]
            and small["end_to_end"]["correct"]
            and matching_correct,
        },
    }


def cleanup(keep: bool) -> None:
    if keep:
        return
    for pattern in ("flux-*.xml", "registre-*.csv"):
        for path in OUT.glob(pattern):
            path.unlink()
    shutil.rmtree(OUT / "var", ignore_errors=True)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    _keep = "--garder" in sys.argv[1:]
    try:
        main()
    finally:
        cleanup(_keep)
