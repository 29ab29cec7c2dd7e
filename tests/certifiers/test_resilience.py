"""Nothing lost, nothing twice: killed workers, two workers, the same file again."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from passeport.certifiers import processing, services
from passeport.certifiers.accuse import read_report
from passeport.certifiers.models import Deposit, DepositStatus, PassageResult
from passeport.certifiers.tasks import SKIPPED, process_deposit
from passeport.core import progress
from passeport.records.models import CertificationItem
from tests.certifiers.builders import flux_bytes, receive, row_for
from tests.factories import HolderFactory, official_sample_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BIN = Path(sys.executable).parent


def worker_env(batch: int = 100) -> dict:
    """The environment of a worker process reaching this test's database."""
    s = connection.settings_dict
    url = f"postgresql://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "PASSEPORT_VAR_DIR": str(settings.VAR_DIR),  # where this process stored the file
        "PASSEPORT_LOT": str(batch),
    }


@pytest.fixture
def big_deposit():
    """1,500 passages for 300 people (some KO), received and not yet processed."""
    if connection.vendor != "postgresql":
        pytest.skip("worker processes need a server database")
    world = official_sample_world()
    people = [HolderFactory(birth_year=1950 + i % 50, birth_day=1 + i % 28) for i in range(300)]
    stranger = HolderFactory.build(birth_name="Inconnu", first_name1="Personne")
    rows = []
    for i in range(1500):
        holder = stranger if i % 100 == 7 else people[i % 300]
        rows.append(row_for(holder, f"id-{i:05d}", libelle_option="x" * 200))
    return receive(flux_bytes(rows), world["depositor"]), rows


def expected_report(rows) -> tuple[list[str], list[str]]:
    ok = [r["id_technique"] for r in rows if r["nom_naissance"] != "Inconnu"]
    ko = [r["id_technique"] for r in rows if r["nom_naissance"] == "Inconnu"]
    return ok, ko


def run_worker(env, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "passeport"), "worker", "--une-passe", *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_killed_midway_then_resumed_ends_as_one_clean_run(big_deposit):
    deposit, rows = big_deposit
    env = worker_env(batch=50)
    code = f"from passeport.certifiers.processing import process; process({deposit.pk})"
    proc = subprocess.Popen(
        [str(BIN / "python"), "-c", "import django; django.setup(); " + code],
        env={**env, "DJANGO_SETTINGS_MODULE": "passeport.settings"},
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = progress.read(processing.progress_key(deposit.pk)) or {}
            if state.get("passages", 0) >= 300:
                break
            assert proc.poll() is None, "the worker finished before it could be killed"
            time.sleep(0.05)
        else:
            pytest.fail("no progress seen")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    deposit.refresh_from_db()
    # The transaction died with the worker: nothing half-done is visible.
    assert deposit.status == DepositStatus.PROCESSING
    assert CertificationItem.objects.count() == 0
    assert PassageResult.objects.count() == 0

    # "passeport worker" re-queues interrupted deposits, then processes them.
    result = run_worker(env)
    assert result.returncode == 0, result.stderr
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.DONE_KO
    ok, ko = expected_report(rows)
    report = read_report(services.report_bytes(deposit))
    assert report.ok == ok
    assert [k.id_technique for k in report.ko] == ko
    assert CertificationItem.objects.count() == len(ok)
    assert PassageResult.objects.filter(deposit=deposit).count() == len(rows) - len(ok)


def test_two_workers_on_the_same_queue_process_a_deposit_once(big_deposit):
    deposit, rows = big_deposit
    process_deposit.enqueue(deposit.pk)
    process_deposit.enqueue(deposit.pk)
    env = worker_env()
    workers = [
        subprocess.Popen(
            [str(BIN / "passeport"), "worker", "--une-passe"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for w in workers:
        w.wait(timeout=300)
        assert w.returncode == 0, w.stderr.read()
    results = sorted(r.return_value for r in DBTaskResult.objects.all())
    assert results == sorted([DepositStatus.DONE_KO.value, SKIPPED])  # one did the work
    ok, _ = expected_report(rows)
    assert CertificationItem.objects.count() == len(ok)
    assert PassageResult.objects.filter(deposit=deposit).count() == len(rows) - len(ok)


def test_processing_twice_changes_nothing(big_deposit):
    deposit, _ = big_deposit
    first = processing.process(deposit.pk)
    before = (CertificationItem.objects.count(), Deposit.objects.get(pk=deposit.pk).report_name)
    again = processing.process(deposit.pk)
    assert again.skipped and not first.skipped
    after = (CertificationItem.objects.count(), Deposit.objects.get(pk=deposit.pk).report_name)
    assert before == after
