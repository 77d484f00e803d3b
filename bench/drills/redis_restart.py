"""Drill: Redis restarted for a few seconds under kiosk submits (issue 17, fault 1).

The portal as production runs it (gunicorn gthread 2×4, a Celery worker with beat, the production
settings) on a Redis and a database of the drill's own (bench/drills/topology.py). A bounded load
of kiosk submits (`--rate` a second for `--seconds`) runs; `--fault-at` seconds in, Redis is shut
down (its append-only file synced, as in a restart) and started again `--outage` seconds later.

Figures (bench/results/drills/redis_restart.json, docs/faults.md): submits failed during the
fault and outside it, the time from Redis's return to the last failed submit (recovery), filings
lost (a receipt with no case: must be 0) and duplicated (a draft filed twice: must be 0), whether
the worker lost the broker, is still running and reconnected by itself, and how long after the
fault every new case's notice was there (none missing, none twice); the visitors whose submit
failed press it again after the fault and must get their receipt.

    .venv/bin/python -m bench.drills.redis_restart            # 40 s at 8 submits/s, 5 s outage
    .venv/bin/python -m bench.drills.redis_restart --seconds 12 --outage 3 --keep-db   # smoke
"""

from __future__ import annotations

import sys
import time

from bench.drills import drill


def fault(portal: drill.Portal) -> None:
    portal.redis.stop()
    time.sleep(portal.args.outage)
    portal.redis.start()


def main(argv: list[str] | None = None) -> int:
    args = drill.arguments(__doc__ or "", outage=5.0).parse_args(argv)
    return drill.main("redis_restart", args, fault)


if __name__ == "__main__":
    sys.exit(main())
