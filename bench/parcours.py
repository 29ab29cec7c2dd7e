"""Benchmark of « Mon parcours » on PostgreSQL: server time of the page for a holder with
200 items (100 guaranteed certifications, 100 declared items with an attestation each).

What it answers (the issue "holder space", performance): p95 server time < 100 ms, and a
number of SQL queries that does not depend on the number of items. In the same run, the raw
limit: the same queries alone, straight on the database cursor (what no page can beat), and
the page of a holder with 2 items.

Server time = the whole Django request in process (middlewares, session, view, queries,
template), measured around the test client's call, as a WSGI worker spends it; the network
and the browser are not part of it.

Run: ``scripts/with-postgres.sh .venv/bin/python bench/parcours.py`` (``make bench``). Prints
JSON and keeps a copy in ``bench/out/parcours.json``.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

TARGET_P95_MS = 100


def configure() -> None:
    var_dir = OUT / "var-parcours"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    os.environ["PASSEPORT_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "passeport.settings"
    os.environ["PASSEPORT_DEBUG"] = "0"
    os.environ.setdefault("PASSEPORT_ALLOWED_HOSTS", "testserver")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Ce banc d'essai tourne sur PostgreSQL : scripts/with-postgres.sh …")
    from bench.accrochage import create_database

    create_database(os.environ["DATABASE_URL"])


def holder_with_items(certifications: int, declared_items: int):
    from django.utils import timezone

    from passeport.accounts import terms
    from passeport.accounts.holder_login import _new_account
    from passeport.certifiers.models import Channel, Deposit, Organisation
    from passeport.identity.models import Holder
    from passeport.records.models import Attestation, CertificationItem, DeclaredItem

    n = Holder.objects.count()
    holder = Holder(birth_name=f"Banc{n}", first_name1="Parcours", sex="F", birth_year=1985)
    holder.refresh_normalized()
    holder.save()
    org, _ = Organisation.objects.get_or_create(
        bcr="BANC0001", defaults={"siret": "", "name": "Certificateur du banc"}
    )
    deposit = Deposit.objects.create(
        depositor=org, channel=Channel.CLI, file_name="banc.xml", raw_name="banc", size=1
    )
    CertificationItem.objects.bulk_create(
        CertificationItem(
            holder=holder,
            deposit=deposit,
            line=i,
            id_technique=f"banc-{n}-{i}",
            emetteur_bcr=org.bcr,
            certifier_bcr=org.bcr,
            certifier_name=org.name,
            received_at=timezone.now(),
            cert_type="RNCP",
            code=f"RNCP{10000 + i}",
            label=f"Certification professionnelle de démonstration n° {i}",
            option="Option générale",
            obtention="PAR_ADMISSION",
            certified_data=True,
            valid_from=date(2000, 1, 1) + timedelta(days=40 * i),
        )
        for i in range(certifications)
    )
    items = DeclaredItem.objects.bulk_create(
        DeclaredItem(
            holder=holder,
            kind=("experience", "formation", "benevolat", "diplome")[i % 4],
            title=f"Élément déclaré n° {i}",
            organisation="Association du banc",
            place="Lyon",
            start=date(2001, 1, 1) + timedelta(days=35 * i),
            end=date(2001, 6, 1) + timedelta(days=35 * i),
        )
        for i in range(declared_items)
    )
    Attestation.objects.bulk_create(
        Attestation(
            item=item,
            file_name="attestation.pdf",
            stored_name=f"banc-{item.pk}.pdf",
            content_type="application/pdf",
            size=1000,
            sha256="0" * 64,
        )
        for item in items
    )
    account = _new_account(holder)
    terms.accept(account)
    return holder, account


def client_for(account):
    from django.test import Client

    client = Client()
    client.force_login(account.user)
    session = client.session
    session["holder_login"] = {"provider": "demo", "id_token": "banc"}
    session["_vu"] = int(time.time()) + 3600  # no session write during the run
    session.save()
    return client


def timed_page(client, url: str, runs: int) -> tuple[list[float], int]:
    from django.db import connection

    for _ in range(10):  # warm: templates compiled
        assert client.get(url).status_code == 200
    executed: list[str] = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):  # (each request reconnects: no queries_log)
        client.get(url)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return times, len(executed)


def timed_queries(holder, runs: int) -> list[float]:
    """The page's own data queries, straight on the cursor: the raw limit."""
    from django.db import connection

    from passeport.records.models import (
        Attestation,
        CertificationItem,
        DeclaredItem,
        HiddenItem,
    )

    statements = [
        q.query.sql_with_params()
        for q in (
            HiddenItem.objects.filter(holder=holder).values_list("kind", "item_id"),
            CertificationItem.objects.filter(holder=holder).order_by(),
            DeclaredItem.objects.filter(holder=holder).order_by(),
            Attestation.objects.filter(item__holder=holder).only("pk", "item"),
        )
    ]
    times = []
    with connection.cursor() as cursor:
        for _ in range(runs):
            start = time.perf_counter()
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()
            times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "max_ms": round(ordered[-1], 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requetes", type=int, default=300, help="mesures par cas")
    args = parser.parse_args(argv)
    configure()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", database="progress", verbosity=0)
    big, big_account = holder_with_items(100, 100)
    small, small_account = holder_with_items(1, 1)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    page = "/mon-passeport/"
    big_times, big_queries = timed_page(client_for(big_account), page, args.requetes)
    small_times, small_queries = timed_page(client_for(small_account), page, args.requetes)
    raw = summary(timed_queries(big, args.requetes))
    full = summary(big_times)
    result = {
        "command": "parcours.py",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": connection.cursor().connection.info.server_version,
        },
        "items": 200,
        "requests": args.requetes,
        "page_200_items": {**full, "queries": big_queries},
        "page_2_items": {**summary(small_times), "queries": small_queries},
        "raw_limit_queries_only": raw,
        "ratio_p95_raw_over_page": round(raw["p95_ms"] / full["p95_ms"], 3),
        "targets": {
            "p95_lt_100_ms": full["p95_ms"] < TARGET_P95_MS,
            "queries_constant": big_queries == small_queries,
        },
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "parcours.json").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
