"""How should the portal serve HTTP and WebSockets? Measure Django behind each server.

For every repetition, every server is started afresh, warmed up, and measured with wrk on
loopback for these targets:

- ``hello``: a hello view with Django's startproject middleware (the issue's figure);
- ``hello-portal``: the same view behind the portal's own middleware;
- ``login``: the portal's real login page, GET /accounts/login/, full middleware and template;
- ``cases`` (not by default): the case list signed in as the demo arbitrator, meant for
  --database-url (PostgreSQL), where a page waits for its queries.

Servers run in their own process group and are stopped by that group's id. In ``pinned``
mode the server is confined to CPU 0 and wrk to CPU 1, so the load generator does not steal
the server's core; in ``shared`` mode both use every core, as a box running nginx, the web
server and a worker would. Raw runs go to a JSON file; a Markdown summary (median, min–max)
goes to stdout.

The runs behind docs/architecture.md (an empty PostgreSQL database for the last two; nginx
and openssl installed for the last one):

    .venv/bin/python bench/serving/run.py --reps 5 --duration 10 --warmup 3 \
        --out bench/serving/results/http.json
    createdb -h 127.0.0.1 -U postgres bench_serving
    .venv/bin/python bench/serving/run.py --reps 5 --duration 10 --warmup 3 --modes shared \
        --servers gunicorn-sync-2 gunicorn-sync-4 gunicorn-gthread-2x4 uvicorn-2 daphne-1 \
        --targets cases --database-url postgres://postgres@127.0.0.1:5432/bench_serving \
        --out bench/serving/results/http-postgresql.json
    .venv/bin/python bench/serving/run.py --reps 5 --duration 10 --warmup 3 --modes shared \
        --servers gunicorn-sync-2 gunicorn-sync-4 gunicorn-gthread-2x4 --targets login cases \
        --database-url postgres://postgres@127.0.0.1:5432/bench_serving --via-nginx \
        --out bench/serving/results/http-nginx.json
    .venv/bin/python bench/serving/run.py --summarise bench/serving/results/http.json

A smoke run: .venv/bin/python bench/serving/run.py --reps 1 --duration 2 --servers daphne-1
uvicorn comes from the `bench` extra: pip install -e ".[bench]".
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from subprocess import Popen

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent

# name -> argv (with {port}); each is a way production could serve Django.
SERVERS: dict[str, list[str]] = {
    "gunicorn-sync-2": [
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        "127.0.0.1:{port}",
        "--workers",
        "2",
    ],
    "gunicorn-sync-4": [
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        "127.0.0.1:{port}",
        "--workers",
        "4",
    ],
    "gunicorn-gthread-2x4": [
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        "127.0.0.1:{port}",
        "--workers",
        "2",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
    ],
    "uvicorn-1": [
        "uvicorn",
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--workers",
        "1",
        "--no-access-log",
        "--lifespan",
        "off",
    ],
    "uvicorn-2": [
        "uvicorn",
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--workers",
        "2",
        "--no-access-log",
        "--lifespan",
        "off",
    ],
    "daphne-1": ["daphne", "-b", "127.0.0.1", "-p", "{port}", "config.asgi:application"],
}

# target name -> (BENCH_STACK, path)
TARGETS: dict[str, tuple[str, str]] = {
    "hello": ("django", "/hello/"),
    "hello-portal": ("portal", "/hello/"),
    "login": ("portal", "/accounts/login/"),
    # Signed in as the demo arbitrator: session, guardian-scoped list, unread count; the page
    # that shows what database waits do to sync workers (run it with --database-url).
    "cases": ("portal", "/cases/"),
}
DEFAULT_TARGETS = ["hello", "hello-portal", "login"]
SIGNED_IN_TARGETS = {"cases"}
SIGNED_IN_USER = "arb.arbitrator"

MODES = ("pinned", "shared")


@dataclass
class Run:
    mode: str
    server: str
    target: str
    rep: int
    requests_per_second: float
    latency_p50_ms: float
    latency_p99_ms: float
    non_2xx: int
    socket_errors: int
    server_cpu_ms_per_request: float
    proxy_cpu_ms_per_request: float
    server_rss_mib: float
    loadavg_1min: float


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def taskset(cpus: str | None) -> list[str]:
    return ["taskset", "-c", cpus] if cpus is not None else []


def wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 within {timeout}s")


def _group_processes(pgid: int) -> list[tuple[Path, list[str]]]:
    """/proc entries and stat fields (from field 3 on) of the server's process group."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # stat field 5: pgrp
            found.append((entry, fields))
    return found


def group_rss_mib(pgid: int) -> float:
    """Resident memory of every process in the server's process group."""
    total_kib = 0
    for entry, _fields in _group_processes(pgid):
        try:
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except OSError:
            continue
    return round(total_kib / 1024, 1)


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU time of the server's processes: a cost per request that, unlike
    req/s, hardly moves when something else on the machine competes for the cores."""
    ticks = sum(int(f[11]) + int(f[12]) for _entry, f in _group_processes(pgid))  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server's own process group (it was started as a new session)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> dict[str, float | int]:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if not (rps and total and p50 and p99):
        raise ValueError(f"could not parse wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests_per_second": float(rps.group(1)),
        "requests": int(total.group(1)),
        "latency_p50_ms": round(_ms(p50.group(1)), 3),
        "latency_p99_ms": round(_ms(p99.group(1)), 3),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in socket.groups()) if socket else 0,
    }


def wrk(
    url: str, args: argparse.Namespace, cpus: str | None, duration: float, cookie: str = ""
) -> str:
    command = [
        *taskset(cpus),
        "wrk",
        *(["-H", f"Cookie: {cookie}"] if cookie else []),
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration:g}s",
        "--latency",
        url,
    ]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def start_nginx(bench_dir: Path, upstream_port: int, cpus: str | None) -> tuple[Popen, int]:
    """deploy/nginx.conf, rendered for loopback: TLS with a throw-away certificate for
    `localhost`, the upstreams pointed at the server under test, logs to files."""
    certs = bench_dir / "certs"
    if not (certs / "fullchain.pem").exists():
        certs.mkdir(exist_ok=True)
        openssl = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
        subprocess.run(
            [*openssl.split(), "-keyout", certs / "privkey.pem", "-out", certs / "fullchain.pem"],
            check=True,
            capture_output=True,
        )
    http_port, https_port = free_port(), free_port()
    upstream = f"http://127.0.0.1:{upstream_port}"
    replacements = {
        "${PORTAL_HOSTNAME}": "localhost",
        "listen 80 default_server;": f"listen 127.0.0.1:{http_port} default_server;",
        "listen 443 ssl default_server;": f"listen 127.0.0.1:{https_port} ssl default_server;",
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "/etc/nginx/certs": str(certs),
        "/var/run/nginx.pid": str(bench_dir / "nginx.pid"),
        "http://web:8000": upstream,
        "http://ws:8001": upstream,
        "access_log /dev/stdout portal;": f"access_log {bench_dir}/nginx-access.log portal;",
        "error_log /dev/stderr warn;": f"error_log {bench_dir}/nginx-error.log warn;",
    }
    conf = (REPO / "deploy" / "nginx.conf").read_text()
    for old, new in replacements.items():
        if old not in conf:
            raise RuntimeError(f"deploy/nginx.conf changed: {old!r} not found")
        conf = conf.replace(old, new)
    path = bench_dir / "nginx.conf"
    path.write_text(conf)
    proc = subprocess.Popen(
        [*taskset(cpus), "nginx", "-p", f"{bench_dir}/", "-c", str(path), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=(bench_dir / "nginx-error.log").open("ab"),
        start_new_session=True,
    )
    wait_until_up(f"http://127.0.0.1:{http_port}/nginx-health", proc)
    return proc, https_port


def measure(
    args: argparse.Namespace, mode: str, server: str, stack: str, rep: int, bench_dir: Path
) -> list[Run]:
    port = free_port()
    server_cpus, client_cpus = ("0", "1") if mode == "pinned" else (None, None)
    argv = [part.format(port=port) for part in SERVERS[server]]
    argv[0] = str(VENV_BIN / argv[0])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.serving.settings",
        "BENCH_STACK": stack,
        "BENCH_DIR": str(bench_dir),
        "BENCH_DATABASE_URL": args.database_url,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    log = (bench_dir / f"{server}-{stack}.log").open("ab")
    proc = subprocess.Popen(
        [*taskset(server_cpus), *argv],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    runs: list[Run] = []
    nginx: Popen | None = None
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/hello/", proc)
        if args.via_nginx:
            nginx, https_port = start_nginx(bench_dir, port, server_cpus)
            base = f"https://localhost:{https_port}"
        for target, (target_stack, path) in TARGETS.items():
            if target_stack != stack or target not in args.targets:
                continue
            cookie = args.cookie if target in SIGNED_IN_TARGETS else ""
            wrk(base + path, args, client_cpus, args.warmup, cookie)
            load = loadavg()
            cpu_before = group_cpu_seconds(proc.pid)
            proxy_before = group_cpu_seconds(nginx.pid) if nginx else 0.0
            result = parse_wrk(wrk(base + path, args, client_cpus, args.duration, cookie))
            cpu_ms = (group_cpu_seconds(proc.pid) - cpu_before) * 1000
            proxy_ms = ((group_cpu_seconds(nginx.pid) if nginx else 0.0) - proxy_before) * 1000
            requests = max(int(result.pop("requests")), 1)
            run = Run(
                mode=mode,
                server=f"nginx+{server}" if nginx else server,
                target=target,
                rep=rep,
                server_cpu_ms_per_request=round(cpu_ms / requests, 3),
                proxy_cpu_ms_per_request=round(proxy_ms / requests, 3),
                server_rss_mib=group_rss_mib(proc.pid),
                loadavg_1min=load,
                **result,
            )
            runs.append(run)
            print(
                f"  {mode:6} {run.server:20} {target:12} rep {rep}: "
                f"{run.requests_per_second:8.1f} req/s  p50 {run.latency_p50_ms:7.2f} ms  "
                f"p99 {run.latency_p99_ms:7.2f} ms  cpu {run.server_cpu_ms_per_request:.2f} "
                f"ms/req  errors {run.non_2xx + run.socket_errors}  load {load}",
                flush=True,
            )
    finally:
        if nginx is not None:
            stop(nginx)
        stop(proc)
        log.close()
    return runs


def summarise(runs: list[Run]) -> str:
    lines = [
        "| mode | server | target | req/s median | req/s min–max | p50 ms | p99 ms "
        "| server CPU ms/req | nginx CPU ms/req | RSS MiB |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    keys = sorted(
        {(r.mode, r.target, r.server) for r in runs},
        key=lambda k: (
            MODES.index(k[0]),
            list(TARGETS).index(k[1]),
            list(SERVERS).index(k[2].removeprefix("nginx+")),
        ),
    )
    for mode, target, server in keys:
        measured = [r for r in runs if (r.mode, r.target, r.server) == (mode, target, server)]
        # A run that got errors measured error pages, not the page: it is left out and counted.
        group = [r for r in measured if not (r.non_2xx or r.socket_errors)]
        dropped = len(measured) - len(group)
        if not group:
            lines.append(f"| {mode} | {server} | {target} | every run had errors |")
            continue
        rps = [r.requests_per_second for r in group]
        flag = f" ({dropped} of {len(measured)} runs had errors, left out)" if dropped else ""
        lines.append(
            f"| {mode} | {server} | {target} | {statistics.median(rps):,.0f}{flag} | "
            f"{min(rps):,.0f}–{max(rps):,.0f} | "
            f"{statistics.median(r.latency_p50_ms for r in group):.1f} | "
            f"{statistics.median(r.latency_p99_ms for r in group):.1f} | "
            f"{statistics.median(r.server_cpu_ms_per_request for r in group):.2f} | "
            f"{statistics.median(r.proxy_cpu_ms_per_request for r in group):.2f} | "
            f"{statistics.median(r.server_rss_mib for r in group):.0f} |"
        )
    return "\n".join(lines)


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )

    def version(module: str) -> str:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as dist_version

        try:
            return dist_version(module)
        except PackageNotFoundError:
            return "absent"

    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": version("django"),
        "gunicorn": version("gunicorn"),
        "uvicorn": version("uvicorn"),
        "uvloop": version("uvloop"),
        "httptools": version("httptools"),
        "daphne": version("daphne"),
        "twisted": version("twisted"),
        "wrk": (wrk_version.stdout + wrk_version.stderr).split("[")[0].strip(),
    }


# A database session for one user, made the way a login makes it (no password needed).
SESSION_FOR_USER = """
import sys, django
django.setup()
from django.test import Client
from portal.core.models import User
client = Client()
client.force_login(User.objects.get(username=sys.argv[1]))
print(client.cookies["sessionid"].value)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--servers", nargs="+", choices=list(SERVERS), default=list(SERVERS))
    parser.add_argument("--targets", nargs="+", choices=list(TARGETS), default=DEFAULT_TARGETS)
    parser.add_argument(
        "--database-url",
        default="",
        help="an empty PostgreSQL database to use instead of SQLite (it is migrated and seeded)",
    )
    parser.add_argument(
        "--via-nginx",
        action="store_true",
        help="put deploy/nginx.conf (TLS, loopback ports) in front of each server",
    )
    parser.add_argument("--out", type=Path, default=None, help="raw results (JSON)")
    parser.add_argument(
        "--summarise", type=Path, default=None, help="print the summary of earlier raw results"
    )
    args = parser.parse_args()
    if args.summarise:
        saved = json.loads(args.summarise.read_text())
        print(f"# {saved['command']}\n# {saved['wrk']}")
        print("# " + ", ".join(f"{k}={v}" for k, v in saved["machine"].items()))
        print(summarise([Run(**{"proxy_cpu_ms_per_request": 0.0, **r}) for r in saved["runs"]]))
        return 0

    for tool in ("wrk", "taskset", *(("nginx", "openssl") if args.via_nginx else ())):
        if shutil.which(tool) is None:
            parser.error(f"{tool} is not installed (apt-get install wrk util-linux)")
    if "pinned" in args.modes and (os.cpu_count() or 1) < 2:
        parser.error("pinned mode needs two CPUs")

    bench_dir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.serving.settings",
        "BENCH_DIR": str(bench_dir),
        "BENCH_DATABASE_URL": args.database_url,
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True)
    args.cookie = ""
    if SIGNED_IN_TARGETS & set(args.targets):
        subprocess.run(
            [*manage, "seed_demo", "--force", "--if-empty"], cwd=REPO, env=env, check=True
        )
        args.cookie = (
            "sessionid="
            + subprocess.run(
                [sys.executable, "-c", SESSION_FOR_USER, SIGNED_IN_USER],
                cwd=REPO,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )

    info = machine()
    command = " ".join(["bench/serving/run.py", *sys.argv[1:]])
    print(f"# {command}\n# " + ", ".join(f"{k}={v}" for k, v in info.items()), flush=True)
    stacks = sorted({TARGETS[t][0] for t in args.targets})
    runs: list[Run] = []
    # Repetitions are the outer loop so slow drift of the machine spreads over every server.
    for rep in range(1, args.reps + 1):
        for mode in args.modes:
            for server in args.servers:
                for stack in stacks:
                    runs.extend(measure(args, mode, server, stack, rep, bench_dir))

    print()
    print(summarise(runs))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps(
                {
                    "command": command,
                    "wrk": f"wrk -t{args.threads} -c{args.connections} "
                    f"-d{args.duration:g}s --latency",
                    "machine": info,
                    "runs": [asdict(r) for r in runs],
                },
                indent=1,
                ensure_ascii=False,
            )
            + "\n"
        )
    shutil.rmtree(bench_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
