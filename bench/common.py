"""What every benchmark of `make bench` shares: where the data lives, how a server is started
and stopped, how wrk is driven, how runs are summarised and where results are written.

Conventions (docs/performance.md is rendered from the result files):

- a benchmark is a module ``bench/bNN_<what>.py`` with ``main(argv)``; it is run as
  ``python -m bench.b1_inbox --scale small`` and by ``bench/run.py`` (``make bench``);
- it writes ``bench/results/<scale>/<id>.json`` through :func:`write_result`: the figures of
  every repetition, their median and spread, and one row per target with the value and
  whether it was met;
- servers run on CPU 0 and load generators on CPU 1 (``taskset``) where the machine has two
  cores, so the load generator does not steal the server's core;
- the data of a scale lives in its own PostgreSQL database (``portal_bench_<scale>``), made
  by ``bench/data.py`` and kept between runs; Redis database 5 is the benchmarks' own.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
RESULTS = REPO / "bench" / "results"
SCALES = ("small", "province")
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
SERVER_CPUS = os.environ.get("BENCH_SERVER_CPUS", "0")
LOAD_CPUS = os.environ.get("BENCH_LOAD_CPUS", "1")


def database_url(scale: str) -> str:
    return f"{PG_SERVER}/portal_bench_{scale}"


def django_env(scale: str, **extra: str) -> dict[str, str]:
    """The environment of a portal process on the production path of a scale's data."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
            "DATABASE_URL": database_url(scale),
            "REDIS_URL": REDIS_URL,
            "DJANGO_SECURE_COOKIES": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PORTAL_PRIVATE_ROOT": str(REPO / "var" / "bench-private"),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(REPO),
            # The bench database belongs to the role the bench connects as (there is no
            # portal_app role on this server): the start-up owner check must let it through.
            "PORTAL_SCHEMA_OWNER": "1",
        }
    )
    env.update(extra)
    return env


def setup_django(scale: str, **extra: str) -> None:
    """Configure Django in this process for a scale's data (for in-process benchmarks)."""
    os.environ.update(django_env(scale, **extra))
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()


def spread(samples: Sequence[float]) -> dict[str, float | int]:
    """Median and spread of repeated runs."""
    values = sorted(float(v) for v in samples)
    return {
        "median": statistics.median(values),
        "min": values[0],
        "max": values[-1],
        "runs": len(values),
    }


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def target(
    name: str, value: float, limit: float, *, at_most: bool, unit: str = ""
) -> dict[str, Any]:
    """One row of the targets table: `value` against `limit` (≤ when at_most, else ≥)."""
    met = value <= limit if at_most else value >= limit
    return {
        "target": name,
        "value": value,
        "limit": limit,
        "op": "≤" if at_most else "≥",
        "unit": unit,
        "met": bool(met),
    }


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def write_result(bench_id: str, scale: str, what: str, data: dict[str, Any]) -> Path:
    """bench/results/<scale>/<id>.json; `data` holds "figures" and "targets" (rows of target())."""
    out = RESULTS / scale / f"{bench_id.lower()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "id": bench_id,
        "what": what,
        "scale": scale,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        **data,
    }
    out.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return out


def pinned(argv: list[str], cpus: str) -> list[str]:
    """argv confined to `cpus` with taskset, when the machine has more than one core."""
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1 and cpus:
        return ["taskset", "-c", cpus, *argv]
    return argv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                response.read()
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer {url} within {timeout} s") from None
            time.sleep(0.2)


@contextlib.contextmanager
def server(
    argv: list[str],
    *,
    env: dict[str, str],
    ready_url: str,
    cpus: str = SERVER_CPUS,
    log: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server in its own process group (pinned to `cpus`), wait until `ready_url`
    answers, and stop the whole group afterwards."""
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        pinned(argv, cpus),
        env=env,
        cwd=REPO,
        stdout=out,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_http(ready_url)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if log:
            out.close()  # type: ignore[union-attr]


def server_cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """User + system time of the server's processes (the gunicorn master and its workers)."""
    total = 0.0
    import psutil

    parent = psutil.Process(process.pid)
    for proc in [parent, *parent.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


SERVICE_NAMES = ("postgres", "redis-server")


def services_cpu_seconds() -> float:
    """User + system time of PostgreSQL's processes and Redis's. A backend that has exited
    (the servers close a connection after CONN_MAX_AGE) is counted in its postmaster's
    children's times, which the kernel adds when it reaps it."""
    import psutil

    total = 0.0
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] not in SERVICE_NAMES:
            continue
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def cpus_busy() -> list[float]:
    """Each CPU's busy seconds so far (all but idle and iowait), to tell how full a core was."""
    import psutil

    return [
        sum(times) - times.idle - getattr(times, "iowait", 0.0)
        for times in psutil.cpu_times(percpu=True)
    ]


_WRK_LUA = REPO / "bench" / "wrk_report.lua"


def wrk(
    url: str,
    *,
    connections: int,
    duration: int,
    threads: int = 1,
    headers: dict[str, str] | None = None,
    cpus: str = LOAD_CPUS,
) -> dict[str, float]:
    """Drive `url` with wrk (pinned to `cpus`) and return requests/s, latency percentiles in ms
    (p50, p95, p99) and error counts (socket errors and non-2xx/3xx answers)."""
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(_WRK_LUA),
    ]
    for key, value in (headers or {}).items():
        argv += ["-H", f"{key}: {value}"]
    argv.append(url)
    output = subprocess.run(pinned(argv, cpus), capture_output=True, text=True, check=True).stdout
    match = re.search(r"^REPORT (\{.*\})$", output, re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk printed no report:\n{output}")
    return json.loads(match.group(1))


# --- the production HTTP path (B1, B6, B9) ------------------------------------------------------

# The bench settings module: config.settings.production with a hello view beside the portal's
# URLs (bench/serving/urls.py) and its own collectstatic directory.
PRODUCTION_BENCH_SETTINGS = "bench.production_settings"


def gunicorn_argv(port: int, *, max_requests: bool = False) -> list[str]:
    """The `web` service's command of docker-compose.yml (gthread, WEB_CONCURRENCY=2 workers ×
    WEB_THREADS=4 threads) on a loopback port. Worker recycling (--max-requests 2000) is left
    out unless asked for: a recycled worker re-imports Django mid-run and a memory benchmark
    must see one worker's whole life."""
    argv = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        "--worker-class=gthread",
        "--workers=2",
        "--threads=4",
        "--timeout=60",
        "--graceful-timeout=30",
        "--worker-tmp-dir=/dev/shm",
        "--forwarded-allow-ips=*",
    ]
    if max_requests:
        argv += ["--max-requests=2000", "--max-requests-jitter=200"]
    return argv


def collectstatic(env: dict[str, str]) -> None:
    """Production's static storage (whitenoise's manifest) needs collectstatic; run it once."""
    subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        env=env,
        cwd=REPO,
        check=True,
    )
