"""B7: the deadline sweep over 10^6 open items.

``python -m bench.b7_sweep --scale province [--reps 5]``

"The deadline sweep" is the statutory one, ``portal.referrals.overdue.referral_overdue_sweep``
(the ``referral_overdue_sweep_task`` of beat): it reads the open ``Deadline`` rows (10^6 at
province scale, bench/data.py: the cases' acceptance and award clocks and the referrals'
steps), marks and announces the late referral steps and escalates those long late. The
generated data has never been swept, so the first run is the worst case: every late step is
new. The other sweeps of beat (action items, instalments, mediation terms, acknowledgement
reminders, appointment expiry) run after it on the same data, each timed and counted, as a
secondary figure (their tables hold the demo's rows only).

Each repetition runs inside a transaction that is rolled back, so every repetition starts from
the same state and nothing after commit (e-mails, pushes) happens: first run (timed, queries
counted), second run (queries counted; it must change nothing: no deadline newly marked or
escalated, no notification created).

The query count of the first run is compared with the one measured at ``small`` (run
``--scale small`` first): "a fixed number of queries" means the same count at both scales.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import common

OTHER_SWEEPS = [
    ("action_items_overdue_sweep", "portal.meetings.tasks", "action_items_overdue_sweep_task"),
    ("instalments_missed_sweep", "portal.mediation.tasks", "instalments_missed_sweep_task"),
    ("mediation_terms_warn", "portal.mediation.tasks", "mediation_terms_warn_task"),
    ("acknowledgements_remind", "portal.messaging.tasks", "acknowledgements_remind_task"),
    ("appointment_expiry_sweep", "portal.core.tasks", "appointment_expiry_sweep_task"),
]


class Rollback(Exception):
    pass


def state() -> dict[str, int]:
    """What a sweep changes: marks and escalations on deadlines, notifications."""
    from portal.core.models import Deadline, Notification

    return {
        "notified": Deadline.objects.filter(overdue_notified_at__isnull=False).count(),
        "escalated": Deadline.objects.filter(escalated_at__isnull=False).count(),
        "notifications": Notification.objects.count(),
    }


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (from /proc)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


CPU: dict[str, float] = {}


def timed(call: Any) -> tuple[Any, float, int, list[str]]:
    """Run `call`, then the foreign-key checks PostgreSQL defers to the commit (SET
    CONSTRAINTS ALL IMMEDIATE), so their cost counts although the transaction rolls back."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    server = backend_cpu()
    client = time.process_time()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = call()
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
        elapsed = time.perf_counter() - start
    CPU["client"] = time.process_time() - client
    CPU["server"] = backend_cpu() - server
    return (
        result,
        elapsed,
        len(queries.captured_queries),
        [f"{q['time']} s: {q['sql'][:300]}" for q in queries.captured_queries],
    )


def one_rep(profile: bool = False) -> dict[str, Any]:
    from django.db import transaction

    from portal.referrals.overdue import referral_overdue_sweep

    out: dict[str, Any] = {}
    try:
        with transaction.atomic():
            before = state()
            if profile:
                from pyinstrument import Profiler

                profiler = Profiler()
                profiler.start()
            first, seconds, queries, sqls = timed(referral_overdue_sweep)
            cpu = dict(CPU)
            if profile:
                profiler.stop()
                out["profile"] = profiler.output_text(unicode=True, color=False)
            after_first = state()
            second, seconds2, queries2, _ = timed(referral_overdue_sweep)
            after_second = state()
            out.update(
                {
                    "seconds": seconds,
                    "cpu_seconds": cpu,
                    # the two SET CONSTRAINTS statements are the benchmark's, not the sweep's
                    "queries": queries - 2,
                    "sql": sqls,
                    "result": first.__dict__,
                    "changed_by_first": {k: after_first[k] - before[k] for k in before},
                    "second_seconds": seconds2,
                    "second_queries": queries2 - 2,
                    "second_result": second.__dict__,
                    "changed_by_second": {k: after_second[k] - after_first[k] for k in before},
                }
            )
            others: dict[str, Any] = {}
            for name, module, task in OTHER_SWEEPS:
                function = getattr(__import__(module, fromlist=[task]), task)
                result, secs, count, _ = timed(function)
                result2, _secs2, count2, _ = timed(function)
                others[name] = {
                    "seconds": secs,
                    "queries": count - 2,
                    "result": str(result),
                    "second_queries": count2 - 2,
                    "second_result": str(result2),
                }
            out["other_sweeps"] = others
            raise Rollback
    except Rollback:
        pass
    return out


def open_items() -> dict[str, int]:
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from portal.core.models import Deadline
    from portal.referrals.models import Referral

    referral = ContentType.objects.get_for_model(Referral)
    open_ = Deadline.objects.filter(met_at__isnull=True)
    return {
        "open_deadlines": open_.count(),
        "open_referral_steps": open_.filter(content_type=referral).count(),
        "late_referral_steps": open_.filter(
            content_type=referral, due_on__lt=timezone.localdate()
        ).count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="B7: the deadline sweep")
    parser.add_argument("--scale", choices=common.SCALES, default="province")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="pyinstrument the first rep")
    parser.add_argument("--label", default="", help="suffix of the result id (before/after)")
    args = parser.parse_args(argv)
    # Nothing reaches a broker: every repetition is rolled back before commit anyway.
    common.setup_django(args.scale, CELERY_BROKER_URL="memory://")
    items = open_items()
    print(items, flush=True)
    reps = []
    for rep in range(args.reps):
        result = one_rep(profile=args.profile and rep == 0)
        reps.append(result)
        print(
            f"rep {rep + 1}: {result['seconds']:.2f} s (cpu {result['cpu_seconds']}), "
            f"{result['queries']} queries, "
            f"{result['result']}; second run {result['second_queries']} queries, "
            f"changed {result['changed_by_second']}",
            flush=True,
        )
    if args.profile and "profile" in reps[0]:
        print(reps[0]["profile"])
    seconds = [r["seconds"] for r in reps]
    queries = sorted({r["queries"] for r in reps})
    second_changes = max(sum(abs(v) for v in r["changed_by_second"].values()) for r in reps)
    figures: dict[str, Any] = {
        "sweep": "portal.referrals.overdue.referral_overdue_sweep",
        "items": items,
        "seconds": common.spread(seconds),
        "cpu_seconds_client": common.spread([r["cpu_seconds"]["client"] for r in reps]),
        "cpu_seconds_server": common.spread([r["cpu_seconds"]["server"] for r in reps]),
        "load_average": os.getloadavg(),
        "queries_first_run": queries,
        "queries_second_run": sorted({r["second_queries"] for r in reps}),
        "first_run": {k: reps[0][k] for k in ("result", "changed_by_first")},
        "second_run_changed": second_changes,
        "sql_first_run": reps[0]["sql"],
        "other_sweeps": reps[0]["other_sweeps"],
        "runs": [{k: v for k, v in r.items() if k not in ("sql", "profile")} for r in reps],
    }
    if args.profile and "profile" in reps[0]:
        figures["profile"] = reps[0]["profile"]
    targets = [
        common.target(
            "first run, seconds", round(statistics.median(seconds), 3), 10, at_most=True, unit="s"
        ),
        common.target(
            "first run, CPU seconds (sweep process + its PostgreSQL backend)",
            round(
                statistics.median(
                    [r["cpu_seconds"]["client"] + r["cpu_seconds"]["server"] for r in reps]
                ),
                3,
            ),
            10,
            at_most=True,
            unit="s",
        ),
        common.target(
            "rows or notifications changed by a second run", second_changes, 0, at_most=True
        ),
        common.target("distinct query counts over the repetitions", len(queries), 1, at_most=True),
    ]
    small = common.RESULTS / "small" / "b7.json"
    if args.scale != "small" and small.exists():
        small_queries = json.loads(small.read_text())["figures"]["queries_first_run"]
        figures["queries_first_run_small"] = small_queries
        targets.append(
            common.target(
                "query count minus small's",
                abs(queries[0] - small_queries[0]),
                0,
                at_most=True,
            )
        )
    out = common.write_result(
        "B7" + (f"-{args.label}" if args.label else ""),
        args.scale,
        "the deadline sweep over 10^6 open items",
        {
            "figures": figures,
            "targets": targets,
            "notes": "In-process, each repetition in a rolled-back transaction (the foreign-key "
            "checks deferred to the commit are forced inside the timing); the data has never "
            "been swept, so every late step is new to the first run (the worst case). Wall time "
            "depends on the machine's load (load_average): on a shared 2-core machine the "
            "sweep waits for a core; the CPU seconds of the sweep process and of its "
            "PostgreSQL backend are what it costs.",
        },
    )
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
