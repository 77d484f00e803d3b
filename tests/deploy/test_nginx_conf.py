"""deploy/nginx.conf: what goes where."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONF = (REPO / "deploy" / "nginx.conf").read_text()


def location(prefix: str) -> str:
    """The body of the last `location <prefix> { ... }` (the TLS server's), nested blocks
    included."""
    start = CONF.rindex(f"location {prefix} {{")
    depth, index = 0, start
    for index in range(CONF.index("{", start), len(CONF)):
        depth += {"{": 1, "}": -1}.get(CONF[index], 0)
        if depth == 0:
            break
    return CONF[start:index]


def test_websockets_go_to_the_ws_process_with_the_upgrade_headers():
    body = location("/ws/")
    assert "set $portal_ws http://ws:8001;" in CONF
    assert "proxy_pass $portal_ws;" in body
    assert "proxy_http_version 1.1;" in body
    assert "proxy_set_header Upgrade $http_upgrade;" in body
    assert "proxy_set_header Connection $connection_upgrade;" in body


def test_plain_http_only_redirects_to_https():
    plain = CONF[CONF.index("listen 80 default_server;") : CONF.index("listen 443")]
    assert "return 301 https://${PORTAL_HOSTNAME}$request_uri;" in plain
    assert "proxy_pass" not in plain


def test_everything_else_goes_to_the_http_process():
    body = location("/")
    assert "set $portal_http http://web:8000;" in CONF
    assert "proxy_pass $portal_http;" in body
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in body


def test_static_files_come_from_the_collected_static_volume():
    body = location("/static/")
    assert "alias /srv/static/;" in body
    assert "proxy_pass" not in body


def test_private_files_have_no_route():
    assert "/data/private" not in CONF
    assert "location /media/" not in CONF


def test_django_and_the_proxy_share_one_request_id():
    assert CONF.count("proxy_set_header X-Request-ID $request_id;") == 2
    assert "rid=$request_id" in CONF


def test_only_the_portal_hostname_is_substituted_and_served():
    substituted = set(re.findall(r"\$\{([A-Za-z_]+)\}", CONF))
    assert substituted == {"PORTAL_HOSTNAME"}
    assert "server_name ${PORTAL_HOSTNAME};" in CONF
    assert "ssl_reject_handshake on;" in CONF


def test_request_bodies_fit_the_upload_limit():
    assert "client_max_body_size 12m;" in CONF
