"""B1: the referral inbox against Django's hello view on the production HTTP path.

gunicorn gthread 2 workers × 4 threads (docker-compose.yml's `web`), config.settings.production
with a hello view beside the portal's URLs (bench/production_settings.py), pinned to CPU 0; wrk
on CPU 1 with 8 connections. Each repetition starts the server afresh, warms both URLs, then
measures them one after the other (the order alternates between repetitions). The inbox is
signed in as a demo user through the login form; its query count is measured in-process
(django.test.Client + CaptureQueriesContext) on each scale's database.

    .venv/bin/python -m bench.b1_inbox --scale small --reps 5
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from typing import Any

from bench import common

INBOX = "/referrals/inbox/"
HELLO = "/hello/"
DEFAULT_USER = "proc.liaison"
PROFILE_REQUESTS = 200


def bench_env(scale: str) -> dict[str, str]:
    return common.django_env(scale, DJANGO_SETTINGS_MODULE=common.PRODUCTION_BENCH_SETTINGS)


def login(base: str, username: str, password: str) -> str:
    """Sign in through the login form (GET for the CSRF token, POST); the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("the login page has no CSRF token")
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=body, headers={"Referer": f"{base}/accounts/login/"}
    )
    opener.open(request).read()
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"signing in as {username} failed (no session cookie)")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def fetch(url: str, cookie: str = "") -> tuple[int, str, str]:
    """Status, final URL (after redirects) and body of a GET."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request) as response:
        return response.status, response.url, response.read().decode()


def measure(
    process: subprocess.Popen[bytes],
    url: str,
    *,
    connections: int,
    duration: int,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    before = common.server_cpu_seconds(process)
    result = common.wrk(url, connections=connections, duration=duration, headers=headers)
    cpu = common.server_cpu_seconds(process) - before
    result["server_cpu_ms_per_request"] = 1000 * cpu / max(1, result["requests"])
    return result


# --- the query count, in-process ------------------------------------------------------------------


def count_queries(scale: str, username: str) -> dict[str, Any]:
    """Sign in through the login view and count the inbox's queries (run in a child process
    configured for `scale`; printed as JSON)."""
    common.setup_django(scale, DJANGO_SETTINGS_MODULE=common.PRODUCTION_BENCH_SETTINGS)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()  # response.context (the page's rows) for the record
    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post(
        "/accounts/login/", {"username": username, "password": settings.PORTAL_DEMO_PASSWORD}
    )
    if response.status_code != 302:
        raise RuntimeError(f"signing in as {username} failed ({response.status_code})")
    client.get(INBOX)  # the first request fills per-process caches (content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INBOX)
    page = response.context["page"]
    return {
        "scale": scale,
        "queries": len(queries),
        "rows": len(page.object_list),
        "visible": page.paginator.count,
        "sql": [query["sql"][:300] for query in queries.captured_queries],
    }


def query_count(scale: str, username: str) -> dict[str, Any] | None:
    if not database_exists(scale):
        return None
    common.collectstatic(bench_env(scale))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.b1_inbox",
            "--count-queries",
            "--scale",
            scale,
            "--user",
            username,
        ],
        cwd=common.REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- where the inbox's time goes, in-process ----------------------------------------------------

# Where a sample of the profile is counted: the innermost frame of the stack that lies in one of
# these places (so a translation or a URL reversed inside a template counts as templates, and
# the inbox's query, which runs inside the table's template, as ORM and PostgreSQL).
_HANDLING = "request handling and middleware (Django, axes, whitenoise)"
_PROFILE_PLACES = (
    ("/psycopg/", "psycopg: send, wait for and read PostgreSQL's answers"),
    ("/django/db/models/base.py", "ORM: model instances from rows"),
    ("/django/db/", "ORM: building and compiling SQL"),
    ("/django/template/", "templates (tags, filters, variables, translations)"),
    ("/django/templatetags/", "templates (tags, filters, variables, translations)"),
    ("/templatetags/", "templates (tags, filters, variables, translations)"),
    ("/django/forms/", "the filter form (fields, cleaning)"),
    ("/django/contrib/sessions/", "session (signed cookie, decoding)"),
    ("/django/contrib/auth/", "authentication"),
    ("/portal/", "portal code (views, selectors, permissions, context processors)"),
    ("/django/middleware/", _HANDLING),
    ("/django/core/handlers/", _HANDLING),
    ("/django/contrib/messages/", _HANDLING),
    ("/axes/", _HANDLING),
    ("/whitenoise/", _HANDLING),
    ("/django/test/", "django.test.Client (not on the HTTP path)"),
)


def _place(stack: list[str]) -> str:
    for frame in reversed(stack):
        filename = frame.split("\x01", 1)[0].split("\x00")[1] if "\x00" in frame else ""
        for marker, place in _PROFILE_PLACES:
            if marker in filename:
                return place
    return "other"


def _template_times(requests: int, get: Any) -> dict[str, float]:
    """CPU ms per request spent in each template itself (its includes counted apart), and in
    the ORM's queries (compiling, running, reading rows: apart from the template or view that
    asked for them); a block is counted in the template that renders it (the page's own
    blocks in base.html)."""
    import time as clock

    from django.db.models import query as orm_query
    from django.db.models.sql import compiler as orm_compiler
    from django.template import base as template_base

    own: dict[str, float] = {}
    stack: list[list[Any]] = []

    def timed(key: str, call: Any) -> Any:
        now = clock.process_time()
        if stack:
            stack[-1][1] += now - stack[-1][2]
        stack.append([key, 0.0, now])
        try:
            return call()
        finally:
            end = clock.process_time()
            entry = stack.pop()
            own[entry[0]] = own.get(entry[0], 0.0) + entry[1] + end - entry[2]
            if stack:
                stack[-1][2] = end

    queries = "queries (ORM: compile, run, build rows)"
    render = getattr(template_base.Template, "_render")  # noqa: B009
    execute_sql = orm_compiler.SQLCompiler.execute_sql
    fetch_all = orm_query.QuerySet._fetch_all
    template_base.Template._render = lambda self, context: timed(  # type: ignore[attr-defined]
        f"template {self.origin.template_name}", lambda: render(self, context)
    )
    orm_compiler.SQLCompiler.execute_sql = lambda self, *a, **k: timed(  # type: ignore[method-assign]
        queries, lambda: execute_sql(self, *a, **k)
    )
    orm_query.QuerySet._fetch_all = lambda self: timed(  # type: ignore[method-assign]
        queries, lambda: fetch_all(self)
    )
    try:
        started = clock.process_time()
        for _ in range(requests):
            timed("the rest: request handling, middleware, view, building querysets", get)
        total = clock.process_time() - started
    finally:
        template_base.Template._render = render  # type: ignore[attr-defined]
        orm_compiler.SQLCompiler.execute_sql = execute_sql  # type: ignore[method-assign]
        orm_query.QuerySet._fetch_all = fetch_all  # type: ignore[method-assign]
    times = {key: round(1000 * value / requests, 2) for key, value in own.items()}
    times["total"] = round(1000 * total / requests, 2)
    return dict(sorted(times.items(), key=lambda item: -item[1]))


def profile_inbox(scale: str, username: str, requests: int) -> dict[str, Any]:
    """CPU ms per request of the inbox rendered in-process (django.test.Client, signed in), with
    pyinstrument's samples summed by place, and the time each template takes itself."""
    import time as clock

    from pyinstrument import Profiler

    common.setup_django(scale, DJANGO_SETTINGS_MODULE=common.PRODUCTION_BENCH_SETTINGS)
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post(
        "/accounts/login/", {"username": username, "password": settings.PORTAL_DEMO_PASSWORD}
    )
    if response.status_code != 302:
        raise RuntimeError(f"signing in as {username} failed ({response.status_code})")

    def get() -> None:
        if client.get(INBOX).status_code != 200:
            raise RuntimeError("the inbox did not answer 200")

    def hello() -> None:
        client.get(HELLO)

    for _ in range(30):
        get()
        hello()

    def cpu_ms(call: Any) -> float:
        best = float("inf")
        for _ in range(3):
            started = clock.process_time()
            for _ in range(requests):
                call()
            best = min(best, 1000 * (clock.process_time() - started) / requests)
        return round(best, 2)

    inbox_ms, hello_ms = cpu_ms(get), cpu_ms(hello)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(requests):
        get()
    profiler.stop()
    session = profiler.last_session
    assert session is not None
    places: dict[str, float] = {}
    for stack, seconds in session.frame_records:
        place = _place(stack)
        places[place] = places.get(place, 0.0) + seconds
    sampled = sum(places.values())
    return {
        "requests": requests,
        "inbox_cpu_ms": inbox_ms,
        "hello_cpu_ms": hello_ms,
        "by_place_percent": {
            place: round(100 * seconds / sampled, 1)
            for place, seconds in sorted(places.items(), key=lambda item: -item[1])
        },
        "by_template_cpu_ms": _template_times(requests, get),
    }


def inbox_profile(scale: str, username: str, requests: int) -> dict[str, Any] | None:
    if not database_exists(scale):
        return None
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.b1_inbox",
            "--profile",
            str(requests),
            "--scale",
            scale,
            "--user",
            username,
        ],
        cwd=common.REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**bench_env(scale), "PYINSTRUMENT_IGNORE_OVERHEAD_WARNING": "1"},
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def database_exists(scale: str) -> bool:
    name = common.database_url(scale).rsplit("/", 1)[1]
    out = subprocess.run(
        [
            "psql",
            f"{common.PG_SERVER}/postgres",
            "-Atc",
            f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip() == "1"


# --- the run ----------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    env = bench_env(args.scale)
    common.collectstatic(env)
    port = common.free_port()
    base = f"http://127.0.0.1:{port}"
    password = env.get("PORTAL_DEMO_PASSWORD", "demo-pass-2026")
    runs: dict[str, list[dict[str, float]]] = {"hello": [], "inbox": []}
    for rep in range(args.reps):
        with common.server(
            common.gunicorn_argv(port), env=env, ready_url=f"{base}{HELLO}"
        ) as process:
            cookie = login(base, args.user, password)
            status, final_url, _page = fetch(f"{base}{INBOX}", cookie)
            if status != 200 or not final_url.endswith(INBOX):
                raise RuntimeError(f"the inbox answered {status} at {final_url}")
            urls = {"hello": (f"{base}{HELLO}", None), "inbox": (f"{base}{INBOX}", cookie)}
            order = ["hello", "inbox"] if rep % 2 == 0 else ["inbox", "hello"]
            for name in order:
                url, cookie_value = urls[name]
                headers = {"Cookie": cookie_value} if cookie_value else None
                common.wrk(url, connections=args.connections, duration=args.warmup, headers=headers)
            for name in order:
                url, cookie_value = urls[name]
                headers = {"Cookie": cookie_value} if cookie_value else None
                result = measure(
                    process,
                    url,
                    connections=args.connections,
                    duration=args.duration,
                    headers=headers,
                )
                runs[name].append(result)
                print(f"rep {rep + 1} {name}: {json.dumps(result)}", file=sys.stderr)
            time.sleep(0.5)
    for name, results in runs.items():
        bad = [r for r in results if r["non2xx"] or r["socket_errors"]]
        if bad:
            raise RuntimeError(f"{name} answered errors: {bad}")

    ratios = [i["rps"] / h["rps"] for i, h in zip(runs["inbox"], runs["hello"], strict=True)]
    counts = {
        scale: query_count(scale, args.user)
        for scale in dict.fromkeys([args.scale, "small", "province"])
    }
    measured = {scale: c for scale, c in counts.items() if c is not None}
    figures: dict[str, Any] = {
        "user": args.user,
        "connections": args.connections,
        "duration_s": args.duration,
        "server": "gunicorn gthread 2×4, config.settings.production (+ hello URL), CPU 0",
        "hello": {
            key: common.spread([r[key] for r in runs["hello"]])
            for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "server_cpu_ms_per_request")
        },
        "inbox": {
            key: common.spread([r[key] for r in runs["inbox"]])
            for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "server_cpu_ms_per_request")
        },
        "inbox_over_hello_rps": common.spread(ratios),
        "query_counts": {
            scale: None if c is None else {k: c[k] for k in ("queries", "rows", "visible")}
            for scale, c in counts.items()
        },
        "inbox_sql": measured[args.scale]["sql"] if args.scale in measured else [],
        "runs": runs,
    }
    targets = [
        common.target(
            "referral inbox req/s ÷ hello req/s",
            round(figures["inbox_over_hello_rps"]["median"], 3),
            0.25,
            at_most=False,
        ),
        common.target(
            f"referral inbox p95 at {args.connections} connections",
            round(figures["inbox"]["p95_ms"]["median"], 1),
            50,
            at_most=True,
            unit="ms",
        ),
    ]
    if "small" in measured and "province" in measured:
        targets.append(
            common.target(
                "inbox queries at province − at small",
                measured["province"]["queries"] - measured["small"]["queries"],
                0,
                at_most=True,
            )
        )
    notes = [
        "Worker recycling (--max-requests 2000) is off: at hello's rate it would restart a "
        "worker every second or so of the run.",
    ]
    if not ("small" in measured and "province" in measured):
        notes.append(
            "query counts measured at: " + ", ".join(measured) + " (the other scale's "
            "database is missing, so the small-vs-province target is not judged)"
        )
    profile = inbox_profile(args.scale, args.user, PROFILE_REQUESTS)
    figures["profile"] = profile
    if profile is not None:
        notes.append(
            f"Where the inbox's CPU goes (in-process, django.test.Client, {PROFILE_REQUESTS} "
            f"requests, best of 3): {profile['inbox_cpu_ms']} ms a request against "
            f"{profile['hello_cpu_ms']} ms for hello. By template and queries (ms a request): "
            + "; ".join(f"{k}: {v}" for k, v in profile["by_template_cpu_ms"].items())
            + ". pyinstrument's samples by place (% of wall time): "
            + "; ".join(f"{k}: {v}" for k, v in profile["by_place_percent"].items() if v >= 0.5)
        )
    figures["notes"] = notes
    return {"figures": figures, "targets": targets}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--user", default=DEFAULT_USER)
    parser.add_argument("--count-queries", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="only profile the inbox in-process over N requests and print the summary",
    )
    args = parser.parse_args(argv)
    if args.count_queries:
        print(json.dumps(count_queries(args.scale, args.user), ensure_ascii=False))
        return 0
    if args.profile:
        print(json.dumps(profile_inbox(args.scale, args.user, args.profile), ensure_ascii=False))
        return 0
    data = run(args)
    path = common.write_result("B1", args.scale, "referral inbox vs hello, production HTTP", data)
    print(json.dumps(data["targets"], ensure_ascii=False, indent=1))
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
