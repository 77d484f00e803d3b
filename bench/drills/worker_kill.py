"""Drill: the Celery worker killed with tasks in flight (issue 17, fault 4).

The portal as production runs it (bench/drills/drill.py) under a bounded load of kiosk submits;
`--fault-at` seconds in, the worker's whole process group (the main process, its pool and beat)
is killed with SIGKILL, and started again `--outage` seconds later (compose's `restart:
unless-stopped`, `make run`'s loop). The tasks it had taken and not acknowledged (the new-case
notices of the filings just made) come back after the broker's visibility timeout (60 s).

Figures (bench/results/drills/worker_kill.json, docs/faults.md): submits failed (none expected:
the web does not wait for the worker), filings lost and duplicated (0), how long after the kill
every new case's notice was there (within about a minute), notices sent twice (0), and the
tasks that ran twice (the worker's logs: a task id that succeeded twice).

    .venv/bin/python -m bench.drills.worker_kill
    .venv/bin/python -m bench.drills.worker_kill --seconds 12 --keep-db   # smoke
"""

from __future__ import annotations

import signal
import sys
import time

from bench.drills import drill


def fault(portal: drill.Portal) -> None:
    portal.worker_signal(signal.SIGKILL)
    time.sleep(portal.args.outage)
    portal.worker_start()


def main(argv: list[str] | None = None) -> int:
    args = drill.arguments(__doc__ or "", outage=3.0).parse_args(argv)
    return drill.main("worker_kill", args, fault)


if __name__ == "__main__":
    sys.exit(main())
