"""B5: the referral letter through the portal's PDF pipeline against bare WeasyPrint on the same
HTML, in one warm process.

Three renders of the same letter, interleaved in every repetition (the order rotates):

- ``bare``: ``HTML(string=html, base_url=static).write_pdf()`` with the same font stylesheet —
  WeasyPrint's default URL fetcher, no PDF/A, no error collection;
- ``renderer``: ``portal.core.documents.render_html_to_pdf(html)`` — the portal's renderer on
  the same HTML (LocalOnlyURLFetcher, error collection, PDF/A-3b);
- ``pipeline``: ``document_render(document_id=…)`` — the whole pipeline of a letter Celery
  renders: row lock, the registered kind's context (queries, masking), the template, the
  renderer, the file written to private storage, the row updated. The row is set back to
  pending between renders (not timed).

Targets: pipeline ≤ 1.15× bare (median of the per-repetition ratios), ≤ 0.4 s per page,
≤ 150 KB per page, the CJK font embedded (``pdffonts``). Pages are counted with ``pdfinfo``.

    python -m bench.b5_pdf --scale small --reps 5 --renders 5 [--profile]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from typing import Any

from bench.common import RESULTS, SERVER_CPUS, setup_django, spread, target, write_result
from bench.misc_db import MISC_DATABASE, ensure_misc_database

VARIANTS = ("bare", "renderer", "pipeline")


def pdf_pages(pdf: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        out = subprocess.run(
            ["pdfinfo", handle.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    match = re.search(r"^Pages:\s+(\d+)", out, re.MULTILINE)
    if not match:
        raise RuntimeError(f"pdfinfo printed no page count:\n{out}")
    return int(match.group(1))


def pdf_fonts(pdf: bytes) -> list[dict[str, str]]:
    """`pdffonts` rows: name, type, embedded, subset."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        out = subprocess.run(
            ["pdffonts", handle.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        if len(parts) < 7:
            continue
        # name, type (1–2 words), encoding, emb, sub, uni, object id, generation
        rows.append(
            {
                "name": parts[0],
                "type": " ".join(parts[1:-6]),
                "embedded": parts[-5],
                "subset": parts[-4],
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="small", help="recorded with the result")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--renders", type=int, default=5, help="renders of each kind per rep")
    parser.add_argument("--database", default=MISC_DATABASE, help="a seeded portal database")
    parser.add_argument("--profile", action="store_true", help="pyinstrument the pipeline")
    args = parser.parse_args(argv)

    url = ensure_misc_database(args.database)
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {int(c) for c in SERVER_CPUS.split(",")})
    setup_django(args.scale, DATABASE_URL=url)

    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.template.loader import render_to_string
    from django.utils import translation
    from weasyprint import CSS, HTML

    from portal.core.documents import (
        document_kind,
        document_render,
        render_html_to_pdf,
        static_root,
    )
    from portal.core.models import Document, DocumentStatus
    from portal.referrals.models import Referral
    from portal.referrals.services import LETTER

    referral = (
        Referral.objects.exclude(status="draft")
        .exclude(case=None)
        .exclude(sent_at=None)
        .order_by("pk")
        .first()
    )
    if referral is None:
        raise SystemExit(f"no sent referral with a case in {args.database}")
    spec = document_kind(LETTER)
    font = settings.PORTAL_PDF_FONT_FAMILY
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(spec.template, {**spec.context(referral), "pdf_font": font})
    base_url = static_root().resolve().as_uri() + "/"
    font_css = f'html {{ font-family: "{font}", sans-serif; }}'

    document = Document.objects.create(
        kind=LETTER,
        title=f"B5 bench {referral.number}",
        content_type=ContentType.objects.get_for_model(Referral),
        object_id=referral.pk,
    )
    outputs: dict[str, bytes] = {}

    def bare() -> bytes:
        return HTML(string=html, base_url=base_url).write_pdf(stylesheets=[CSS(string=font_css)])

    def renderer() -> bytes:
        return render_html_to_pdf(html)

    def pipeline() -> bytes:
        rendered = document_render(document_id=document.pk)
        assert rendered is not None and rendered.status == DocumentStatus.READY
        with rendered.file.open("rb") as handle:
            return handle.read()

    def reset() -> None:
        document.refresh_from_db()
        if document.file:
            document.file.delete(save=False)
        Document.objects.filter(pk=document.pk).update(status=DocumentStatus.PENDING, file="")

    runs: dict[str, Callable[[], bytes]] = {
        "bare": bare,
        "renderer": renderer,
        "pipeline": pipeline,
    }
    # Per repetition: the median wall and CPU seconds of each kind, and the paired ratios.
    wall: dict[str, list[float]] = {v: [] for v in VARIANTS}
    cpu: dict[str, list[float]] = {v: [] for v in VARIANTS}
    ratio_pipeline: list[float] = []
    ratio_renderer: list[float] = []
    ratio_pipeline_cpu: list[float] = []
    load: list[float] = []
    try:
        for variant in VARIANTS:  # warm-up: fonts, templates, imports, connections
            reset()
            outputs[variant] = runs[variant]()
        for rep in range(args.reps):
            samples: dict[str, list[tuple[float, float]]] = {v: [] for v in VARIANTS}
            for i in range(args.renders):
                order = VARIANTS[(rep + i) % 3 :] + VARIANTS[: (rep + i) % 3]
                for variant in order:
                    reset()
                    c0, t0 = time.process_time(), time.perf_counter()
                    outputs[variant] = runs[variant]()
                    t1, c1 = time.perf_counter(), time.process_time()
                    samples[variant].append((t1 - t0, c1 - c0))
            for variant in VARIANTS:
                wall[variant].append(statistics.median(s[0] for s in samples[variant]))
                cpu[variant].append(statistics.median(s[1] for s in samples[variant]))
            ratio_pipeline.append(wall["pipeline"][-1] / wall["bare"][-1])
            ratio_renderer.append(wall["renderer"][-1] / wall["bare"][-1])
            ratio_pipeline_cpu.append(cpu["pipeline"][-1] / cpu["bare"][-1])
            load.append(os.getloadavg()[0])
            print(
                f"rep {rep + 1}: bare {wall['bare'][-1] * 1000:.0f} ms, renderer "
                f"{wall['renderer'][-1] * 1000:.0f} ms, pipeline "
                f"{wall['pipeline'][-1] * 1000:.0f} ms (×{ratio_pipeline[-1]:.2f}, "
                f"CPU ×{ratio_pipeline_cpu[-1]:.2f}), load {load[-1]:.1f}"
            )
        profile_path = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.001)
            with profiler:
                for _ in range(args.renders):
                    reset()
                    pipeline()
            profile_path = RESULTS / args.scale / "b5_profile.txt"
            profile_path.parent.mkdir(parents=True, exist_ok=True)
            profile_path.write_text(profiler.output_text(unicode=True, show_all=False))
    finally:
        reset()
        Document.objects.filter(pk=document.pk).delete()

    pages = {v: pdf_pages(outputs[v]) for v in VARIANTS}
    size = {v: len(outputs[v]) for v in VARIANTS}
    fonts = pdf_fonts(outputs["pipeline"])
    cjk = [f for f in fonts if "WenQuanYi" in f["name"]]
    cjk_embedded = bool(cjk) and all(f["embedded"] == "yes" for f in cjk)
    pipeline_pages = pages["pipeline"]
    seconds_per_page = statistics.median(wall["pipeline"]) / pipeline_pages
    kb_per_page = size["pipeline"] / 1024 / pipeline_pages

    figures: dict[str, Any] = {
        "letter": {"referral": referral.number, "html_chars": len(html)},
        "renders_per_rep": args.renders,
        "wall_s": {v: spread(wall[v]) for v in VARIANTS},
        "cpu_s": {v: spread(cpu[v]) for v in VARIANTS},
        "ratio_pipeline_to_bare": spread(ratio_pipeline),
        "ratio_renderer_to_bare": spread(ratio_renderer),
        "ratio_pipeline_to_bare_cpu": spread(ratio_pipeline_cpu),
        "pages": pages,
        "bytes": size,
        "seconds_per_page": seconds_per_page,
        "kb_per_page": kb_per_page,
        "pdffonts": fonts,
        "load_average_1m": spread(load),
        "profile": str(profile_path.relative_to(RESULTS.parent.parent)) if profile_path else None,
    }
    targets = [
        # CPU time: the renders are single-threaded and CPU-bound, and CPU time is what the
        # other processes on a shared machine move least; the wall-clock ratio is in figures.
        target(
            "pipeline / bare WeasyPrint (CPU time)",
            round(statistics.median(ratio_pipeline_cpu), 3),
            1.15,
            at_most=True,
            unit="×",
        ),
        target("seconds per page", round(seconds_per_page, 3), 0.4, at_most=True, unit="s"),
        target("size per page", round(kb_per_page, 1), 150, at_most=True, unit="KB"),
        target("CJK font embedded (pdffonts)", int(cjk_embedded), 1, at_most=False),
    ]
    out = write_result(
        "B5",
        args.scale,
        "the referral letter: the portal's PDF pipeline vs bare WeasyPrint, warm process",
        {"figures": figures, "targets": targets},
    )
    for row in targets:
        print(f"{row['target']}: {row['value']} {row['op']} {row['limit']} — met {row['met']}")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
