"""``passeport worker --une-passe``, writing its own peak RSS when it exits.

Why not ``wait4``/``RUSAGE_CHILDREN`` in the parent: Python starts children with ``vfork``,
and Linux carries the parent's RSS high-water mark into the child's ``ru_maxrss`` at
``exec`` — the benchmark, which holds the register in memory, would be measured instead of
the worker. ``VmHWM`` in ``/proc/self/status`` is the high-water mark of the worker's own
address space, from its ``exec`` on.

It also times each ``processing.process`` call, in wall-clock and in CPU seconds of this
process: on a shared machine the CPU figure is the steadier one (PostgreSQL's own work, in
its server process, is not in it).

Usage: ``python bench/worker.py OUT.json`` (the project's environment variables apply).
"""

import atexit
import functools
import json
import os
import sys
import time
from pathlib import Path

CALLS: list[dict] = []


def peak_rss_kib() -> int:
    """High-water mark of this process's resident memory, in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("VmHWM absent de /proc/self/status")


def _write(out: Path) -> None:
    out.write_text(json.dumps({"pid": os.getpid(), "vmhwm_kib": peak_rss_kib(), "calls": CALLS}))


def _timed(process):
    """Wrap ``processing.process`` (the task looks it up on the module at each call)."""

    @functools.wraps(process)
    def wrapper(deposit_id: int):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return process(deposit_id)
        finally:
            CALLS.append(
                {
                    "deposit": deposit_id,
                    "wall_s": time.perf_counter() - wall,
                    "cpu_s": time.process_time() - cpu,
                }
            )

    return wrapper


def main() -> None:
    out = Path(sys.argv[1])
    atexit.register(_write, out)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passeport.settings")
    import django

    django.setup()
    from passeport.certifiers import processing
    from passeport.cli import main as passeport

    processing.process = _timed(processing.process)
    passeport(["worker", "--une-passe"])


if __name__ == "__main__":
    main()
