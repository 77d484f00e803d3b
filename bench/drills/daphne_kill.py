"""Drill: a daphne killed under open pages, behind nginx (issue 17, the killed daphne).

nginx (deploy/nginx.conf's /ws/ location: HTTP/1.1, Upgrade) in front of two daphne processes
(an upstream of both, as two `ws` replicas), on the drill's own Redis and database
(bench/drills/topology.py). `--sockets` signed-in pages join one conversation through nginx, the
first sending a message every half second; `--fault-at` seconds in, one daphne's process group
is killed with SIGKILL (it is not started again: the pages must rejoin the other through
nginx). After `--seconds`, the pages stop.

Figures (bench/results/drills/daphne_kill.json, docs/faults.md): the pages that lost their
socket, the seconds each took to rejoin (close to join through nginx), messages lost (a stored
message a page never received: 0) and duplicated (0).

    .venv/bin/python -m bench.drills.daphne_kill --keep-db
    .venv/bin/python -m bench.drills.daphne_kill --seconds 12 --keep-db   # smoke
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import common
from bench.drills import drill, sockets
from bench.drills import topology as t

NGINX = """
worker_processes 1;
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream ws {{ server 127.0.0.1:{a} max_fails=1 fail_timeout=10s;
                  server 127.0.0.1:{b} max_fails=1 fail_timeout=10s; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://ws;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 1h;
        }}
    }}
}}
"""


def main(argv: list[str] | None = None) -> int:
    args = drill.arguments(__doc__ or "", outage=0.0).parse_args(argv)
    started = time.monotonic()
    t.LOGS.mkdir(parents=True, exist_ok=True)
    redis = t.Redis(args.redis_port)
    redis.start()
    env = t.drill_env(args.pg, redis)
    folder = Path(tempfile.mkdtemp(prefix="drill-nginx-"))
    try:
        t.database_make(args.pg, env, keep=args.keep_db)
        os.environ.update(env)
        import django

        django.setup()
        from bench import ws_load

        people = ws_load.make_people(args.sockets)
        (conversation,) = ws_load.make_conversations("drill", 1)
        a, b, port = common.free_port(), common.free_port(), common.free_port()
        (folder / "nginx.conf").write_text(NGINX.format(dir=folder, a=a, b=b, port=port))
        nginx = ["nginx", "-c", str(folder / "nginx.conf"), "-g", "daemon off;"]
        with (
            sockets.daphne(env, a, "daphne-a") as victim,
            sockets.daphne(env, b, "daphne-b"),
            common.server(nginx, env=env, ready_url=f"http://127.0.0.1:{port}/healthz"),
        ):
            pages = sockets.Sockets(
                port, conversation, [sockets.Page(cookie) for cookie in people.cookies]
            )
            thread = threading.Thread(target=pages.run)
            thread.start()
            fault_at = args.fault_at if args.fault_at is not None else args.seconds / 3
            time.sleep(fault_at)
            t.log("killing daphne A", started)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(victim.pid, signal.SIGKILL)
            time.sleep(max(0.0, args.seconds - fault_at))
            pages.quiet.set()
            time.sleep(5)
            pages.stop.set()
            thread.join(timeout=30)
            figures = {"seconds": args.seconds, "through": "nginx", **pages.figures()}
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            t.database_drop(args.pg)
        redis.remove()
        shutil.rmtree(folder, ignore_errors=True)
    name = "daphne_kill" if args.seconds >= 40 else "daphne_kill-short"
    out = t.write(name, figures)
    t.log(f"figures: {figures}; written {out}", started)
    ok = figures["ws_messages_lost"] == 0 and figures["ws_messages_duplicated"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
