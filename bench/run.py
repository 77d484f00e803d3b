"""`make bench`: build a scale's data if it is missing, run every benchmark, and write the
table of figures into docs/performance.md.

    .venv/bin/python -m bench.run --scale small            # a quick run
    .venv/bin/python -m bench.run --scale province         # the issue's scale
    .venv/bin/python -m bench.run --scale small --only b1 b5 --reps 3
    .venv/bin/python -m bench.run --scale province --report-only   # re-render the table

Each benchmark runs in its own process, one after the other (they would steal each other's
cores otherwise); one that fails is reported as failed and the rest still run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from bench.common import REPO, RESULTS, SCALES, database_url, django_env

BENCHMARKS = [
    ("b1", "bench.b1_inbox"),
    ("b2", "bench.b2_case_list"),
    ("b3", "bench.b3_ws"),
    ("b4", "bench.b4_idle"),
    ("b5", "bench.b5_pdf"),
    ("b6", "bench.b6_kiosk"),
    ("b7", "bench.b7_sweep"),
    ("b8", "bench.b8_celery"),
    ("b9", "bench.b9_memory"),
]
DOC = REPO / "docs" / "performance.md"


def database_exists(scale: str) -> bool:
    name = database_url(scale).rsplit("/", 1)[1]
    server = database_url(scale).rsplit("/", 1)[0]
    out = subprocess.run(
        [
            "psql",
            f"{server}/postgres",
            "-Atc",
            f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip() == "1"


def fmt(value: object) -> str:
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        if value >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(scale: str) -> str:
    """The Markdown table of every target of a scale's results."""
    rows = [
        "| # | what | target | measured (median) | met |",
        "|---|---|---|---|---|",
    ]
    for bench_id, _module in BENCHMARKS:
        path = RESULTS / scale / f"{bench_id}.json"
        if not path.exists():
            rows.append(f"| {bench_id.upper()} | not run | | | |")
            continue
        record = json.loads(path.read_text())
        for row in record.get("targets", []):
            unit = f" {row['unit']}" if row.get("unit") else ""
            rows.append(
                f"| {record['id']} | {row['target']} | {row['op']} {fmt(row['limit'])}{unit} "
                f"| {fmt(row['value'])}{unit} | {'yes' if row['met'] else '**no**'} |"
            )
    paths = [RESULTS / scale / f"{bench_id}.json" for bench_id, _module in BENCHMARKS]
    dates = sorted(json.loads(path.read_text())["date"] for path in paths if path.exists())
    when = f"{dates[0]} – {dates[-1]}" if dates else "no run yet"
    return f"Scale `{scale}`, runs {when}.\n\n" + "\n".join(rows) + "\n"


def render(scale: str) -> None:
    """Replace the table between this scale's markers in docs/performance.md."""
    start, end = f"<!-- bench:{scale}:start -->", f"<!-- bench:{scale}:end -->"
    text = DOC.read_text() if DOC.exists() else ""
    block = f"{start}\n{table(scale)}{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + f"\n\n{block}\n"
    DOC.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--only", nargs="*", help="benchmark ids, e.g. b1 b3")
    parser.add_argument("--reps", type=int, help="repetitions (each benchmark's default if unset)")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args(argv)

    failed: list[str] = []
    if not args.report_only:
        if not database_exists(args.scale):
            print(f"== data: building portal_bench_{args.scale}", flush=True)
            subprocess.run([sys.executable, "-m", "bench.data", "--scale", args.scale], check=True)
        # A database kept from an earlier run is brought to the code's schema first.
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=REPO,
            env=django_env(args.scale),
            check=True,
        )
        for bench_id, module in BENCHMARKS:
            if args.only and bench_id not in args.only:
                continue
            command = [sys.executable, "-m", module, "--scale", args.scale]
            if args.reps:
                command += ["--reps", str(args.reps)]
            print(f"== {bench_id}: {' '.join(command[1:])}", flush=True)
            started = time.monotonic()
            code = subprocess.run(command, cwd=REPO).returncode
            print(f"== {bench_id}: exit {code} in {time.monotonic() - started:.0f} s", flush=True)
            if code:
                failed.append(bench_id)
    render(args.scale)
    print(table(args.scale))
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
