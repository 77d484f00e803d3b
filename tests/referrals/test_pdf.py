"""The referral letter (移送函) and the feedback letter (反馈函): official layout in Chinese with
the number, sender, receiver, summary and legal basis; personal numbers masked."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from portal.core.documents import document_render
from portal.core.pii import mask_id_number, mask_personal_numbers, mask_phone
from portal.referrals import services
from portal.referrals.models import ReferralStatus

from ..factories import make_case, valid_resident_id
from .builders import draft, drive

pytestmark = pytest.mark.django_db


def pdf_text(document, tmp_path: Path, pdftotext: str) -> str:
    with document.file.open("rb") as handle:
        source = tmp_path / "letter.pdf"
        source.write_bytes(handle.read())
    result = subprocess.run(
        [pdftotext, "-layout", str(source), "-"], capture_output=True, check=True, text=True
    )
    return "".join(result.stdout.split())  # CJK text may come out with spaces between glyphs


def test_free_text_personal_numbers_are_masked_and_credit_codes_are_not():
    resident = valid_resident_id()
    text = f"工人（身份证{resident}，手机13812345678）；公司代码91440105MA59XK3T7X。"
    masked = mask_personal_numbers(text)
    assert resident not in masked and mask_id_number(resident) in masked
    assert "13812345678" not in masked and mask_phone("13812345678") in masked
    assert "91440105MA59XK3T7X" in masked


def test_the_referral_letter_carries_number_parties_summary_and_masked_numbers(
    bureau_inspector, procuratorate_liaison, tmp_path, require_tool
):
    pdftotext = require_tool("pdftotext")
    case = make_case(agency_code="bureau", actor=bureau_inspector, claimants=3)
    claimant = case.claimants.first()
    resident = valid_resident_id()
    referral = draft(
        bureau_inspector,
        "procuratorate",
        case=case,
        workers=None,
        amount_owed=None,
        summary=f"申请人陈某（身份证号{resident}）与公司串通虚构欠薪。",
        legal_basis="《劳动争议调解仲裁法》第二十七条",
    )
    referral = drive(referral, ReferralStatus.SENT)
    document = services.referral_letter_request(
        actor=bureau_inspector, referral=referral, kind=services.LETTER
    )
    document = document_render(document_id=document.pk)
    assert document.title == f"移送函 {referral.number}" or referral.number in document.title
    text = pdf_text(document, tmp_path, pdftotext)
    for expected in (
        "广州市海珠区人力资源和社会保障局",
        "广州市海珠区人民检察院",
        referral.number,
        "虚构欠薪",
        "《劳动争议调解仲裁法》第二十七条",
        case.employer.credit_code,
        mask_id_number(resident),
        mask_id_number(claimant.id_number),
        "3",  # workers of the linked case
    ):
        assert expected in text, expected
    assert resident not in text
    assert claimant.id_number not in text


def test_the_feedback_letter_answers_the_referral_by_its_number(
    clue, procuratorate_liaison, procuratorate_admin, tmp_path, require_tool
):
    pdftotext = require_tool("pdftotext")
    referral = drive(
        clue,
        ReferralStatus.FEEDBACK_GIVEN,
        receiver_staff=procuratorate_liaison,
        receiver_admin=procuratorate_admin,
    )
    document = services.referral_letter_request(
        actor=procuratorate_liaison, referral=referral, kind=services.FEEDBACK_LETTER
    )
    text = pdf_text(document_render(document_id=document.pk), tmp_path, pdftotext)
    assert referral.number in text
    assert "已立案审查。" in text
    assert text.index("广州市海珠区人民检察院") < text.index("广州市海珠区人力资源和社会保障局")


def test_a_collective_letter_states_the_workers_and_the_total_owed(
    bureau_inspector, tmp_path, require_tool
):
    pdftotext = require_tool("pdftotext")
    referral = drive(
        draft(bureau_inspector, "procuratorate", workers=23, amount_owed="356000.00"),
        ReferralStatus.SENT,
    )
    document = services.referral_letter_request(
        actor=bureau_inspector, referral=referral, kind=services.LETTER
    )
    text = pdf_text(document_render(document_id=document.pk), tmp_path, pdftotext)
    assert "23" in text
    assert "¥356,000.00" in text


def test_the_referral_letter_names_its_author_as_contact_and_keeps_its_ending_on_one_page(
    bureau_inspector, procuratorate_liaison, tmp_path, require_tool
):
    pdftotext = require_tool("pdftotext")
    bureau_inspector.full_name = "王晓明"
    bureau_inspector.phone = "020-84001234"
    bureau_inspector.save(update_fields=["full_name", "phone"])
    # A summary long enough to push the ending onto page 2.
    referral = draft(
        bureau_inspector, "procuratorate", summary="用人单位拖欠工资，多次催告无果。" * 36
    )
    referral = drive(referral, ReferralStatus.SENT)
    document = services.referral_letter_request(
        actor=bureau_inspector, referral=referral, kind=services.LETTER
    )
    document = document_render(document_id=document.pk)
    text = pdf_text(document, tmp_path, pdftotext)
    assert "联系人：王晓明联系电话：020-84001234" in text
    pages = subprocess.run(
        [pdftotext, "-layout", str(tmp_path / "letter.pdf"), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout.split("\f")
    assert len([page for page in pages if page.strip()]) == 2
    ending = "".join(pages[1].split())
    assert "联系人" in ending
    assert f"广州市海珠区人力资源和社会保障局{referral.sent_at:%Y}年" in ending
