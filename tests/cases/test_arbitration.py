"""The arbitration after acceptance (art. 43): the award period in calendar days, its one
extension by the committee's head, suspension that stops the clock and resumption that runs
it on with the days that remained, and the outcomes that close the case — the award with its
number and its 裁决书 (rendered with Chinese glyphs, or uploaded)."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from portal.cases.models import Arbitration, ArbitrationOutcome, Case, CaseChannel, CaseStatus
from portal.cases.services.arbitration import (
    award_deadline,
    case_arbitrate,
    case_award,
    case_award_period_extend,
    case_resume,
    case_suspend,
)
from portal.cases.services.intake import case_accept, case_file
from portal.core.deadlines import deadlines_of
from portal.core.documents import document_render
from portal.core.errors import ApplicationError
from tests.helpers import refused_unchanged

from ..core.test_documents import ink, rasterise
from ..factories import case_data
from ..mediation.test_pdf import embedded_fonts

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))


def at(day: datetime.date):
    """Services and rows see `day`, 10:00 in Beijing, as now."""
    moment = datetime.datetime.combine(day, datetime.time(10), TZ).astimezone(datetime.UTC)
    return mock.patch("django.utils.timezone.now", return_value=moment)


def arbitrating(arbitrator, accepted_on: datetime.date) -> Case:
    with at(accepted_on):
        case = case_file(data=case_data(), channel=CaseChannel.KIOSK).case
        case_accept(actor=arbitrator, case=case)
        case_arbitrate(actor=arbitrator, case=case, arbitrator=arbitrator)
    return Case.objects.get(pk=case.pk)


def test_the_award_period_is_45_calendar_days_from_acceptance(arbitrator):
    # accepted Monday 2 March 2026: 45 days later is Thursday 16 April
    case = arbitrating(arbitrator, datetime.date(2026, 3, 2))
    assert award_deadline(case).due_on == datetime.date(2026, 4, 16)


def test_the_head_extends_it_once_by_15_days_and_not_twice(arbitrator, arbitration_admin):
    case = arbitrating(arbitrator, datetime.date(2026, 3, 2))
    with at(datetime.date(2026, 4, 1)):
        case_award_period_extend(actor=arbitration_admin, case=case, reason="案情复杂")
        # 16 April + 15 = Friday 1 May, Labour Day: the period ends on the next working day
        assert award_deadline(case).due_on == datetime.date(2026, 5, 6)
        with translation.override("en"):
            refused_unchanged(
                lambda: case_award_period_extend(
                    actor=arbitration_admin, case=case, reason="再次延期"
                ),
                says="already been extended once",
                state=lambda: award_deadline(case).due_on,
            )


def test_suspension_stops_the_clock_and_resumption_runs_it_on_with_the_days_that_remained(
    arbitrator,
):
    case = arbitrating(arbitrator, datetime.date(2026, 3, 2))  # due 16 April
    with at(datetime.date(2026, 3, 12)):
        case_suspend(actor=arbitrator, case=case, reason="等待工伤认定结论")
    case.refresh_from_db()
    assert case.status == CaseStatus.SUSPENDED
    assert award_deadline(case) is None  # no clock runs, nothing falls overdue
    with at(datetime.date(2026, 3, 22)):
        case_resume(actor=arbitrator, case=case)
    case.refresh_from_db()
    record = Arbitration.objects.get(case=case)
    assert (case.status, record.suspended_days, record.suspended_on) == (
        CaseStatus.ARBITRATING,
        10,
        None,
    )
    # the 35 days that remained on 12 March run from 22 March: Sunday 26 April, a rest day,
    # so the period ends on Monday 27 April
    assert award_deadline(case).due_on == datetime.date(2026, 4, 27)
    assert deadlines_of(case).filter(policy__key="arbitration.award").count() == 1  # one clock


def test_an_award_closes_the_case_with_its_number_and_a_rendered_chinese_award(
    arbitrator, tmp_path: Path, require_tool
):
    pdffonts, pdftotext = require_tool("pdffonts"), require_tool("pdftotext")
    pdftoppm = require_tool("pdftoppm")
    case = arbitrating(arbitrator, datetime.date(2026, 3, 2))
    with at(datetime.date(2026, 4, 10)):
        case_award(actor=arbitrator, case=case, decision="被申请人支付申请人工资人民币壹万元。")
    case.refresh_from_db()
    record = Arbitration.objects.get(case=case)
    assert case.status == CaseStatus.CLOSED
    assert record.outcome == ArbitrationOutcome.AWARD
    assert record.award_number == "穗海劳人仲裁字〔2026〕第1号"
    assert not deadlines_of(case).filter(met_at__isnull=True).exists()
    document = document_render(document_id=record.award_document.pk)
    with document.file.open("rb") as handle:
        pdf = handle.read()
    fonts = embedded_fonts(pdf, tmp_path, pdffonts)
    assert any(name.startswith("WenQuanYi") for name in fonts), fonts
    assert set(fonts.values()) == {"yes"}, fonts
    source = tmp_path / "award.pdf"
    source.write_bytes(pdf)
    text = "".join(
        subprocess.run(
            [pdftotext, str(source), "-"], capture_output=True, check=True, text=True
        ).stdout.split()
    )
    assert "裁决书" in text and record.award_number in text and "壹万元" in text
    assert len(ink(rasterise(pdf, tmp_path, pdftoppm, "award"))) > 500


def test_a_signed_award_may_be_uploaded_instead_and_must_be_a_pdf(arbitrator):
    from tests.helpers import pdf_bytes, png_bytes

    case = arbitrating(arbitrator, datetime.date(2026, 3, 2))
    with translation.override("en"):
        refused_unchanged(
            lambda: case_award(
                actor=arbitrator,
                case=case,
                decision="驳回申请人的仲裁请求。",
                award_file=SimpleUploadedFile("award.png", png_bytes()),
            ),
            says="must be a PDF",
            state=lambda: (Case.objects.get(pk=case.pk).status, Arbitration.objects.count()),
        )
    case_award(
        actor=arbitrator,
        case=case,
        decision="驳回申请人的仲裁请求。",
        award_file=SimpleUploadedFile("award.pdf", pdf_bytes()),
    )
    record = Arbitration.objects.get(case=case)
    assert record.award_document.status == "ready"
    assert record.award_document.file.name.endswith(".pdf")


def test_a_refused_extension_keeps_what_was_typed_and_says_why_beside_its_form(client, arbitrator):
    case = arbitrating(arbitrator, datetime.date(2026, 3, 2))
    client.force_login(arbitrator)  # an arbitrator, not the head: the page offers no form
    page = client.get(reverse("cases:detail", kwargs={"pk": case.pk}))
    assert b'data-move="extend_award_period"' not in page.content
    assert b'data-move="suspend"' in page.content
    response = client.post(
        reverse("cases:arbitration-move", kwargs={"pk": case.pk, "move": "suspend"}),
        {"suspend-version": case.version, "suspend-reason": " "},
    )
    assert response.status_code == 200
    assert "这一项为必填".encode() in response.content or b"required" in response.content
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ARBITRATING


def test_an_unknown_move_is_a_404_and_another_agencys_case_too(client, arbitrator, bureau_admin):
    case = arbitrating(arbitrator, datetime.date(2026, 3, 2))
    client.force_login(arbitrator)
    assert (
        client.post(
            reverse("cases:arbitration-move", kwargs={"pk": case.pk, "move": "nope"})
        ).status_code
        == 404
    )
    client.force_login(bureau_admin)
    assert (
        client.post(
            reverse("cases:arbitration-move", kwargs={"pk": case.pk, "move": "suspend"}),
            {"suspend-version": case.version, "suspend-reason": "理由"},
        ).status_code
        == 404
    )


def test_naming_someone_who_is_not_an_arbitrator_of_the_committee_is_refused(
    arbitrator, arbitration_mediator
):
    with at(datetime.date(2026, 3, 2)):
        case = case_file(data=case_data(), channel=CaseChannel.KIOSK).case
        case_accept(actor=arbitrator, case=case)
    with translation.override("en"), pytest.raises(ApplicationError, match="Choose an arbitrator"):
        case_arbitrate(actor=arbitrator, case=case, arbitrator=arbitration_mediator)
