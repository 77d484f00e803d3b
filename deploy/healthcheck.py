"""Container health check: exit 0 when the URL answers 200, 1 otherwise.

The image has no curl; this needs only the standard library. The Host header is one that
DJANGO_ALLOWED_HOSTS lists for in-container checks, so Django does not answer 400.

    python deploy/healthcheck.py http://127.0.0.1:8000/healthz
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

HOST_HEADER = "localhost"
TIMEOUT_SECONDS = 10


def check(url: str, host: str = HOST_HEADER, timeout: float = TIMEOUT_SECONDS) -> int:
    request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310 (our own URL)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:  # 503 from /healthz: a dependency is down
        print(f"{url}: HTTP {exc.code} {exc.read(500).decode('utf-8', 'replace')}")
        return 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"{url}: {exc}")
        return 1
    return 0 if status == 200 else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: healthcheck.py URL")
    sys.exit(check(sys.argv[1]))
