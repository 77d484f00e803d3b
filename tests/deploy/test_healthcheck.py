"""deploy/healthcheck.py, the containers' health check: healthy only on a 200."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from deploy.healthcheck import check


class Handler(http.server.BaseHTTPRequestHandler):
    status = 200
    seen_hosts: list[str] = []

    def do_GET(self) -> None:
        Handler.seen_hosts.append(self.headers["Host"])
        body = b'{"status": "ok"}' if self.status == 200 else b'{"status": "unavailable"}'
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[http.server.HTTPServer]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Handler.seen_hosts = []
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    Handler.status = 200


def url(httpd: http.server.HTTPServer) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}/healthz"


def test_a_200_is_healthy_and_asks_with_an_allowed_host(server):
    assert check(url(server)) == 0
    assert Handler.seen_hosts == ["localhost"]


def test_a_503_from_healthz_is_unhealthy(server, capsys):
    Handler.status = 503
    assert check(url(server)) == 1
    assert "HTTP 503" in capsys.readouterr().out


def test_a_closed_port_is_unhealthy():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert check(f"http://127.0.0.1:{port}/healthz", timeout=2) == 1
