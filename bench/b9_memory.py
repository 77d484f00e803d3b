"""B9: memory of the web processes over 10,000 mixed requests.

gunicorn gthread 2×4 on the production settings (bench/production_settings.py), pinned to CPU 0,
without worker recycling (--max-requests would hide a leak by restarting the worker). A load
generator in this process (pinned to CPU 1; 4 threads with keep-alive connections) cycles
through a mix of pages: the login page (anonymous), the case list, the referral inbox, a case
page, the dashboard (signed in as a demo user), a hashed static file and the kiosk's start
page. After a warm-up (1,000 requests) the RSS of each worker is read with psutil; again after
10,000 more. Growth is judged on the workers' summed RSS.

    .venv/bin/python -m bench.b9_memory --scale small --reps 5
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import re
import subprocess
import sys
import threading
from typing import Any

import psutil

from bench import common
from bench.b1_inbox import bench_env, fetch, login

DEFAULT_USER = "arb.arbitrator"


def workers_rss(process: subprocess.Popen[bytes]) -> dict[int, int]:
    """RSS in bytes of each gunicorn worker (the children of the master, under taskset)."""
    rss: dict[int, int] = {}
    for proc in psutil.Process(process.pid).children(recursive=True):
        try:
            if "gunicorn" in " ".join(proc.cmdline()) and proc.children() == []:
                rss[proc.pid] = proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return rss


def mix(base: str, cookie: str) -> list[tuple[str, str]]:
    """(path, cookie) of each page of the mix, found from the pages themselves."""
    _status, _url, login_page = fetch(f"{base}/accounts/login/")
    static = re.search(r'href="(/static/[^"]+\.css)"', login_page)
    _status, _url, cases = fetch(f"{base}/cases/", cookie)
    case = re.search(r'href="(/cases/\d+/)"', cases)
    if static is None or case is None:
        raise RuntimeError("no static file on the login page or no case on the case list")
    return [
        ("/accounts/login/", ""),
        ("/cases/", cookie),
        ("/referrals/inbox/", cookie),
        (case.group(1), cookie),
        ("/", cookie),
        (static.group(1), ""),
        ("/kiosk/", ""),
    ]


def drive(port: int, pages: list[tuple[str, str]], count: int, threads: int = 4) -> dict[str, int]:
    """`count` requests over `threads` keep-alive connections, cycling through `pages`."""
    counter = itertools.count()
    statuses: dict[str, int] = {}
    lock = threading.Lock()

    def loop() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while (n := next(counter)) < count:
            path, cookie = pages[n % len(pages)]
            conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = conn.getresponse()
            response.read()
            key = str(response.status)
            with lock:
                statuses[key] = statuses.get(key, 0) + 1
        conn.close()

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return statuses


def run(args: argparse.Namespace) -> dict[str, Any]:
    env = bench_env(args.scale)
    common.collectstatic(env)
    if (os.cpu_count() or 1) > 1 and common.LOAD_CPUS:
        os.sched_setaffinity(0, {int(c) for c in common.LOAD_CPUS.split(",")})
    password = env.get("PORTAL_DEMO_PASSWORD", "demo-pass-2026")
    runs = []
    for rep in range(args.reps):
        port = common.free_port()
        base = f"http://127.0.0.1:{port}"
        with common.server(
            common.gunicorn_argv(port), env=env, ready_url=f"{base}/accounts/login/"
        ) as process:
            pages = mix(base, login(base, args.user, password))
            warm = drive(port, pages, args.warmup)
            before = workers_rss(process)
            measured = drive(port, pages, args.requests)
            after = workers_rss(process)
        if set(before) != set(after):
            raise RuntimeError("a worker was replaced during the run")
        growth = (sum(after.values()) - sum(before.values())) / sum(before.values())
        result = {
            "rss_before_mib": {str(p): round(v / 2**20, 1) for p, v in before.items()},
            "rss_after_mib": {str(p): round(v / 2**20, 1) for p, v in after.items()},
            "growth_percent": round(100 * growth, 2),
            "worker_growth_percent": {
                str(p): round(100 * (after[p] - before[p]) / before[p], 2) for p in before
            },
            "statuses_warmup": warm,
            "statuses": measured,
        }
        bad = {k: v for k, v in measured.items() if k not in ("200", "304")}
        if bad:
            raise RuntimeError(f"the mix answered errors: {bad}")
        runs.append(result)
        print(f"rep {rep + 1}: {json.dumps(result)}", file=sys.stderr)
    growth = common.spread([r["growth_percent"] for r in runs])
    figures = {
        "user": args.user,
        "warmup_requests": args.warmup,
        "requests": args.requests,
        "pages": [path for path, _cookie in pages],
        "server": "gunicorn gthread 2×4 (no --max-requests), config.settings.production, CPU 0",
        "growth_percent": growth,
        "rss_after_warmup_mib": common.spread([sum(r["rss_before_mib"].values()) for r in runs]),
        "runs": runs,
    }
    targets = [
        common.target(
            f"web workers' RSS growth over {args.requests:,} mixed requests after warm-up",
            growth["median"],
            5,
            at_most=True,
            unit="%",
        )
    ]
    return {"figures": figures, "targets": targets}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--user", default=DEFAULT_USER)
    args = parser.parse_args(argv)
    data = run(args)
    path = common.write_result("B9", args.scale, "web process memory, mixed requests", data)
    print(json.dumps(data["targets"], ensure_ascii=False, indent=1))
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
