"""B2: the guardian-filtered case list against the same list unfiltered.

``python -m bench.b2_case_list --scale province [--reps 5]``

The list is the case list page's queryset (``portal.cases.selectors.case_list`` for a demo
user, first page of 50, as ``portal.cases.views.case_list`` slices it). "Unfiltered" is the
same selector with the visibility step (``cases_visible_to``) swapped for ``Case.objects.all()``:
same select_related, same annotation, same ordering, same page. A third variant filters by the
owning-agency column instead (what the list would cost with no object permissions at all,
for the same rows as the agency's group sees): the strict comparison for what guardian adds.

Each repetition times every variant in turn (interleaved), each as the mean of ``--inner``
evaluations of the whole page query (the guardian lookups included), in this process on the
scale's PostgreSQL database. EXPLAIN (ANALYZE, BUFFERS) of each variant is kept in the result,
and the guardian plan is checked for index scans on the permission tables.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from bench import common

PAGE = 50  # portal.cases.views.case_list


@contextlib.contextmanager
def visibility(replacement: Callable[..., Any] | None) -> Iterator[None]:
    """Run the selector with its visibility step replaced (None: the portal's own)."""
    from portal.cases import selectors

    original = selectors.cases_visible_to
    if replacement is not None:
        selectors.cases_visible_to = replacement  # type: ignore[assignment]
    try:
        yield
    finally:
        selectors.cases_visible_to = original  # type: ignore[assignment]


def variants(user: Any) -> dict[str, Callable[..., Any] | None]:
    from guardian.shortcuts import get_objects_for_user

    from portal.cases.models import Case

    return {
        "guardian": None,
        # What scoped_queryset was before this benchmark: guardian's own query.
        "guardian_before": lambda user_, perm="cases.view_case": get_objects_for_user(
            user_, perm, klass=Case.objects.all(), with_superuser=False, accept_global_perms=False
        ),
        "unfiltered": lambda _user, _perm=None: Case.objects.all(),
        "agency_column": lambda _user, _perm=None: Case.objects.filter(agency=user.agency),
    }


def page(user: Any) -> Any:
    from portal.cases.selectors import case_list

    return case_list(user=user)[:PAGE]


def run_once(user: Any, replacement: Callable[..., Any] | None) -> tuple[float, int, int]:
    """Seconds for one page (build + evaluate), its row count and its query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with visibility(replacement), CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        rows = list(page(user))
        elapsed = time.perf_counter() - start
    return elapsed, len(rows), len(queries.captured_queries)


def explain(user: Any, replacement: Callable[..., Any] | None) -> str:
    with visibility(replacement):
        return str(page(user).explain(analyze=True, buffers=True))


def permission_indexes() -> dict[str, list[str]]:
    from django.db import connection

    tables = ["cases_casegroupobjectpermission", "cases_caseuserobjectpermission"]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT tablename, indexname FROM pg_indexes WHERE tablename = ANY(%s)", [tables]
        )
        out: dict[str, list[str]] = {t: [] for t in tables}
        for table, index in cur.fetchall():
            out[table].append(index)
    return out


def index_scans(plan: str, indexes: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per permission table, the scan lines of the plan that use one of its indexes."""
    found: dict[str, list[str]] = {}
    for table, names in indexes.items():
        lines = [
            line.strip()
            for line in plan.splitlines()
            if re.search(r"Index (Only )?Scan", line) and any(name in line for name in names)
        ]
        seq = [line.strip() for line in plan.splitlines() if f"Seq Scan on {table}" in line]
        found[table] = lines + [f"(sequential) {s}" for s in seq]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="B2: guardian-filtered case list")
    parser.add_argument("--scale", choices=common.SCALES, default="province")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--inner", type=int, default=10, help="page evaluations per timing")
    parser.add_argument("--users", default="arb.mediator,proc.liaison")
    parser.add_argument("--label", default="", help="suffix of the result id (before/after)")
    args = parser.parse_args(argv)
    common.setup_django(args.scale)
    from portal.cases.models import Case
    from portal.core.models import User

    figures: dict[str, Any] = {"page_size": PAGE, "cases": Case.objects.count()}
    targets = []
    indexes = permission_indexes()
    for username in args.users.split(","):
        user = User.objects.select_related("membership__agency").get(username=username)
        kinds = variants(user)
        inner: dict[str, int] = {}
        for name, replacement in kinds.items():  # warm the caches; fewer runs of slow ones
            run_once(user, replacement)
            seconds = run_once(user, replacement)[0]
            inner[name] = max(1, min(args.inner, int(0.5 / max(seconds, 1e-6))))
        samples: dict[str, list[float]] = {name: [] for name in kinds}
        meta: dict[str, dict[str, int]] = {}
        for _rep in range(args.reps):
            for name, replacement in kinds.items():
                times = []
                for _ in range(inner[name]):
                    seconds, rows, queries = run_once(user, replacement)
                    times.append(seconds)
                samples[name].append(statistics.mean(times) * 1000)
                meta[name] = {"rows": rows, "queries": queries}
        plans = {name: explain(user, replacement) for name, replacement in kinds.items()}
        scans = index_scans(plans["guardian"], indexes)
        scans_before = index_scans(plans["guardian_before"], indexes)
        ratio = statistics.median(samples["guardian"]) / statistics.median(samples["unfiltered"])
        strict = statistics.median(samples["guardian"]) / statistics.median(
            samples["agency_column"]
        )
        # The group grants are the big table; the personal grants (a few rows of appointed
        # people) are sequentially scanned when that is cheaper, which is as it should be.
        group_scans = scans["cases_casegroupobjectpermission"]
        uses_index = bool(group_scans) and not any(
            s.startswith("(sequential)") for s in group_scans
        )
        from portal.cases.permissions import cases_visible_to

        visible = cases_visible_to(user).count()
        figures[username] = {
            "agency": user.agency.code if user.agency else None,
            "visible_cases": visible,
            "ms": {name: common.spread(values) for name, values in samples.items()},
            "runs_ms": samples,
            "page": meta,
            "inner": inner,
            "ratio_before_to_unfiltered": statistics.median(samples["guardian_before"])
            / statistics.median(samples["unfiltered"]),
            "ratio_before_to_agency_column": statistics.median(samples["guardian_before"])
            / statistics.median(samples["agency_column"]),
            "ratio_guardian_to_unfiltered": ratio,
            "ratio_guardian_to_agency_column": strict,
            "permission_table_scans": scans,
            "permission_table_scans_before": scans_before,
            "plans": plans,
        }
        targets.append(
            common.target(
                f"{username}: guardian / unfiltered time",
                round(ratio, 3),
                1.5,
                at_most=True,
                unit="×",
            )
        )
        targets.append(
            common.target(
                f"{username}: guardian / agency-column time (strict)",
                round(strict, 3),
                1.5,
                at_most=True,
                unit="×",
            )
        )
        targets.append(
            common.target(
                f"{username}: EXPLAIN shows index scans on the permission tables",
                int(uses_index),
                1,
                at_most=False,
            )
        )
        print(
            f"{username}: guardian {statistics.median(samples['guardian']):.2f} ms, "
            f"unfiltered {statistics.median(samples['unfiltered']):.2f} ms, "
            f"agency column {statistics.median(samples['agency_column']):.2f} ms, "
            f"guardian before {statistics.median(samples['guardian_before']):.2f} ms; "
            f"ratio {ratio:.2f} (strict {strict:.2f}); index scans {uses_index}"
        )
    out = common.write_result(
        "B2" + (f"-{args.label}" if args.label else ""),
        args.scale,
        "guardian-filtered case list vs the same list unfiltered (first page of 50)",
        {
            "figures": figures,
            "targets": targets,
            "notes": "Times are in-process (Django ORM + PostgreSQL, no HTTP), the mean of "
            "--inner evaluations per repetition; median and spread over repetitions.",
        },
    )
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
