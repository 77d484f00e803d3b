"""Drill: PostgreSQL restarted under kiosk submits (issue 17, fault 2).

The portal as production runs it (bench/drills/drill.py) on a PostgreSQL cluster of the drill's
own (initdb into a temporary directory, port `--pg-port`, trust on loopback only: the shared
server is never restarted) and a Redis of its own. `--fault-at` seconds into a bounded load of
kiosk submits, the cluster is stopped (fast: every connection ends) and started again after
`--outage` seconds.

Figures (bench/results/drills/pg_restart.json, docs/faults.md): submits failed during the
fault, recovery time, filings lost and duplicated (0), and whether every new case's notice
still arrived (the tasks retry on a lost connection; the outbox sends again what was not done),
none twice.

    .venv/bin/python -m bench.drills.pg_restart
    .venv/bin/python -m bench.drills.pg_restart --seconds 12   # smoke (makes its cluster: ~2 min)
"""

from __future__ import annotations

import sys
import time

from bench.drills import drill
from bench.drills import topology as t

CLUSTER: list[t.Postgres] = []


def fault(portal: drill.Portal) -> None:
    (cluster,) = CLUSTER
    cluster.stop()
    time.sleep(portal.args.outage)
    cluster.start()


def main(argv: list[str] | None = None) -> int:
    parser = drill.arguments(__doc__ or "", outage=2.5)
    parser.add_argument("--pg-port", type=int, default=5440)
    args = parser.parse_args(argv)
    args.keep_db = False  # the cluster goes with the drill
    cluster = t.Postgres(args.pg_port)
    cluster.create()
    CLUSTER.append(cluster)
    try:
        return drill.main("pg_restart", args, fault, pg=cluster.url)
    finally:
        cluster.remove()


if __name__ == "__main__":
    sys.exit(main())
