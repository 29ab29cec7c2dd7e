"""Benchmark of issuing and verifying sealed CVs, against pyHanko's bare signing.

What it answers (the issue "Mes CV", performance):

- render+seal: ``issuance.issue_cv`` for a two-page CV (VC signed, PDF rendered by
  WeasyPrint, sealed PAdES-B-LT with timestamp and embedded CRL, registered, logged),
  p50/p95, beside the limit in the same run: pyHanko signing the same pre-rendered PDF with
  the same key, nothing else (no timestamp, no validation data). Target: ≤ 3 × the limit.
- WeasyPrint's floor: the CV's HTML rendered unstyled, which alone is most of 3 × the limit.
- verification of the issued PDF (``verification.verify_pdf``: seal, chain, timestamp,
  registry, attached VC, transparency log, revocation), p50/p95. Target: p95 < 150 ms.
- W3C VC issue + verify (``vc_model``, eddsa-rdfc-2022) per second.

Run: ``scripts/with-postgres.sh .venv/bin/python bench/documents.py`` (``make bench``).
Prints JSON and keeps a copy in ``bench/out/documents.json``.
"""

import argparse
import io
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


def configure() -> None:
    var_dir = OUT / "var-documents"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    os.environ["PASSEPORT_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "passeport.settings"
    os.environ["PASSEPORT_DEBUG"] = "0"
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Ce banc d'essai tourne sur PostgreSQL : scripts/with-postgres.sh …")
    from bench.accrochage import create_database

    create_database(os.environ["DATABASE_URL"])


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
    }


def two_page_cv():
    from passeport.documents.models import Cv
    from passeport.identity.models import Holder
    from passeport.records import declared

    holder = Holder(birth_name="Banc", first_name1="Documents", sex="F", birth_year=1980)
    holder.refresh_normalized()
    holder.save()
    items = []
    for i in range(24):
        item = declared.create(
            holder,
            {
                "kind": ("experience", "formation", "benevolat", "diplome")[i % 4],
                "title": f"Élément de parcours n° {i} : intitulé assez long pour une ligne",
                "organisation": "Organisme du banc d'essai",
                "place": "Lyon",
                "start": date(2000, 1, 1) + timedelta(days=200 * i),
                "end": date(2000, 6, 1) + timedelta(days=200 * i),
            },
        )
        items.append({"source": "declare", "pk": item.pk})
    return Cv.objects.create(
        holder=holder,
        title="CV du banc d'essai",
        summary="Présentation. " * 20,
        email="banc@example.org",
        items=items,
    )


def pages(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mesures", type=int, default=40)
    args = parser.parse_args(argv)
    configure()
    import django

    django.setup()
    import weasyprint
    from django.core.management import call_command
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    from passeport.documents import issuance, sealing, vc_model, verification

    call_command("migrate", interactive=False, verbosity=0)
    cv = two_page_cv()
    setup = sealing.setup()
    issuance.issue_cv(cv)  # warm: fonts, templates, keys

    issue_times, documents = [], []
    for _ in range(args.mesures):
        start = time.perf_counter()
        documents.append(issuance.issue_cv(cv))
        issue_times.append((time.perf_counter() - start) * 1000)
    issued_pdf = issuance.storage().open(documents[-1].stored_name).read()

    entries = issuance.selected_entries(cv)
    credential = documents[-1].credential
    rendered = issuance.render_pdf(cv, entries, credential)
    bare_times = []
    for _ in range(args.mesures):
        start = time.perf_counter()
        out = io.BytesIO()
        signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(rendered)),
            signers.PdfSignatureMetadata(field_name="Limite"),
            signer=setup.signer,
            output=out,
        )
        bare_times.append((time.perf_counter() - start) * 1000)

    seal_times = []
    for _ in range(args.mesures):
        start = time.perf_counter()
        sealing.seal(rendered)
        seal_times.append((time.perf_counter() - start) * 1000)
    render_times = []
    for _ in range(args.mesures):
        start = time.perf_counter()
        issuance.render_pdf(cv, entries, credential)
        render_times.append((time.perf_counter() - start) * 1000)

    # WeasyPrint's own floor for this content: the same HTML, WeasyPrint's defaults (no
    # stylesheet, fonts or attachment to handle).
    html = issuance.cv_html(cv, entries, credential)
    floor_times = []
    for _ in range(args.mesures):
        start = time.perf_counter()
        weasyprint.HTML(string=html).write_pdf()
        floor_times.append((time.perf_counter() - start) * 1000)

    verify_times = []
    for _ in range(args.mesures):
        start = time.perf_counter()
        verdict = verification.verify_pdf(issued_pdf).verdict
        verify_times.append((time.perf_counter() - start) * 1000)
    assert verdict == verification.VALID, verdict

    key = issuance._key()
    document = {
        "@context": [vc_model.V2],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:banc", "name": "Banc"},
    }
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < 5:
        assert vc_model.verify(vc_model.issue(document, key, "https://banc.example"))[0]
        count += 1
    vc_rate = count / (time.perf_counter() - start)

    issue, bare, verify = summary(issue_times), summary(bare_times), summary(verify_times)
    seal, render, floor = summary(seal_times), summary(render_times), summary(floor_times)
    result = {
        "command": "documents.py",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "measures": args.mesures,
        "cv_pages": pages(issued_pdf),
        "render_seal_issue": issue,
        "bare_signing_limit": bare,
        "ratio_p50_issue_over_limit": round(issue["p50_ms"] / bare["p50_ms"], 2),
        "render_only": render,
        "weasyprint_unstyled_same_html": floor,
        "ratio_p50_unstyled_render_over_limit": round(floor["p50_ms"] / bare["p50_ms"], 2),
        "seal_pades_b_lt_only": seal,
        "ratio_p50_seal_over_limit": round(seal["p50_ms"] / bare["p50_ms"], 2),
        "verification": verify,
        "vc_issue_verify_per_s": round(vc_rate, 1),
        "targets": {
            "render_seal_le_3x_bare": issue["p50_ms"] <= 3 * bare["p50_ms"],
            "seal_le_3x_bare": seal["p50_ms"] <= 3 * bare["p50_ms"],
            "verification_p95_lt_150_ms": verify["p95_ms"] < 150,
        },
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "documents.json").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
