"""Import of the platform's and the hotline's exports: columns per source, idempotent by the
source's reference, a row-level report in Chinese, each row on its own."""

from __future__ import annotations

import io

import pytest
import tablib
from django.test import Client
from django.urls import reverse
from django.utils import translation

from portal.clues.models import Clue, ClueSource
from portal.clues.services import Outcome, clue_import
from portal.core.audit import audit_history

from ..factories import valid_credit_code, valid_resident_id

pytestmark = pytest.mark.django_db

HOTLINE_HEADERS = [
    "工单编号", "受理时间", "办结时限", "诉求人", "联系电话", "被反映单位", "统一社会信用代码",
    "项目名称", "所属街道", "行业", "涉及人数", "涉及金额", "诉求内容",
]  # fmt: skip


def hotline_row(reference: str, **changes: str) -> list[str]:
    row = {
        "工单编号": reference,
        "受理时间": "2026-11-30 09:15",
        "办结时限": "2026-12-07",
        "诉求人": "王小明",
        "联系电话": "13800138000",
        "被反映单位": "广州市海珠区示例餐饮管理有限公司",
        "统一社会信用代码": CODE,
        "项目名称": "",
        "所属街道": "南华西街",
        "行业": "餐饮业",
        "涉及人数": "3",
        "涉及金额": "18,000.00",
        "诉求内容": "三名服务员反映十月工资未发。",
        **changes,
    }
    return [row[h] for h in HOTLINE_HEADERS]


CODE = valid_credit_code()


def csv_bytes(rows: list[list[str]], headers: list[str] = HOTLINE_HEADERS) -> bytes:
    return tablib.Dataset(*rows, headers=headers).export("csv").encode("utf-8-sig")


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    return tablib.Dataset(*rows, headers=HOTLINE_HEADERS).export("xlsx")


def imported(actor, content: bytes, name: str = "12345.csv"):
    with translation.override("zh-hans"):
        return clue_import(actor=actor, source=ClueSource.HOTLINE, filename=name, content=content)


def test_a_hotline_export_is_imported_row_by_row_with_its_columns_mapped(
    bureau_inspector, home_squad
):
    report = imported(bureau_inspector, csv_bytes([hotline_row("GZ12345-20261130-0001")]))
    assert [(r.line, r.outcome) for r in report.rows] == [(2, Outcome.IMPORTED)]
    clue = Clue.objects.get()
    assert (clue.source, clue.source_reference, clue.industry, clue.workers) == (
        "hotline",
        "GZ12345-20261130-0001",
        "catering",
        3,
    )
    assert str(clue.amount_owed) == "18000.00"
    assert clue.squad == home_squad
    assert clue.source_deadline.isoformat() == "2026-12-07"


def test_an_excel_export_is_read_as_well(bureau_inspector, home_squad):
    report = imported(
        bureau_inspector, xlsx_bytes([hotline_row("GZ12345-20261130-0002")]), "12345.xlsx"
    )
    assert report.counts[Outcome.IMPORTED] == 1


def test_a_second_import_of_the_same_file_changes_nothing_and_says_so(bureau_inspector, home_squad):
    content = csv_bytes(
        [hotline_row("GZ12345-20261130-0001"), hotline_row("GZ12345-20261130-0002")]
    )
    imported(bureau_inspector, content)
    versions = list(Clue.objects.order_by("pk").values_list("version", flat=True))
    report = imported(bureau_inspector, content)
    assert report.counts == {"imported": 0, "updated": 0, "unchanged": 2, "refused": 0}
    assert report.changed_nothing
    assert list(Clue.objects.order_by("pk").values_list("version", flat=True)) == versions


def test_a_changed_row_updates_its_clue_and_says_what_changed(bureau_inspector, home_squad):
    imported(bureau_inspector, csv_bytes([hotline_row("GZ12345-20261130-0001")]))
    report = imported(
        bureau_inspector, csv_bytes([hotline_row("GZ12345-20261130-0001", 涉及人数="5")])
    )
    (row,) = report.rows
    with translation.override("zh-hans"):
        workers = str(Clue._meta.get_field("workers").verbose_name)
    assert (row.outcome, row.message) == (Outcome.UPDATED, workers)
    clue = Clue.objects.get()
    assert clue.workers == 5
    assert audit_history(clue).first().action == "clue.import_update"


def test_bad_rows_are_refused_with_their_reason_in_chinese_and_the_others_go_in(
    bureau_inspector, home_squad
):
    rows = [
        hotline_row("GZ12345-20261130-0001"),
        hotline_row("GZ12345-20261130-0002", 受理时间="十一月三十日"),
        hotline_row("GZ12345-20261130-0003", 统一社会信用代码="91440105MA00000000"),
        hotline_row("工单第四号"),
        hotline_row("GZ12345-20261130-0005", 联系电话="12345"),
    ]
    report = imported(bureau_inspector, csv_bytes(rows))
    outcomes = [(r.line, r.outcome) for r in report.rows]
    assert outcomes == [
        (2, "imported"),
        (3, "refused"),
        (4, "refused"),
        (5, "refused"),
        (6, "refused"),
    ]
    messages = [r.message for r in report.rows[1:]]
    assert "不是日期" in messages[0]
    assert "统一社会信用代码" in messages[1]
    assert "不是该来源的编号" in messages[2]
    assert "手机号" in messages[3] or "电话" in messages[3]
    assert Clue.objects.count() == 1


def test_a_file_with_the_wrong_columns_is_refused_whole(bureau_inspector, home_squad):
    headers = [h if h != "被反映单位" else "单位" for h in HOTLINE_HEADERS]
    report = imported(bureau_inspector, csv_bytes([hotline_row("GZ12345-1")], headers))
    assert "被反映单位" in report.refused_file
    assert report.rows == []
    assert not Clue.objects.exists()


def test_a_platform_export_maps_its_own_columns(bureau_inspector, home_squad):
    headers = [
        "线索编号", "反映时间", "反映人", "身份证号", "联系电话", "被反映单位名称",
        "统一社会信用代码", "项目名称", "总包单位", "班组长", "涉及人数", "欠薪金额",
        "所属街道", "所属行业", "反映内容",
    ]  # fmt: skip
    row = [
        "XS2026120100001", "2026/12/01", "李四", valid_resident_id(), "13900139000",
        "广东示例劳务有限公司", CODE, "海珠湾安置房二期", "广东示例建设集团有限公司", "张班长",
        "12", "240000", "南华西街", "建筑业", "十二名工人反映工资未结清。",
    ]  # fmt: skip
    content = tablib.Dataset(row, headers=headers).export("csv").encode()
    with translation.override("zh-hans"):
        report = clue_import(
            actor=bureau_inspector, source=ClueSource.PLATFORM, filename="p.csv", content=content
        )
    assert report.counts["imported"] == 1, report.rows
    clue = Clue.objects.get()
    assert (clue.main_contractor, clue.crew_leader, clue.industry) == (
        "广东示例建设集团有限公司",
        "张班长",
        "construction",
    )


def test_the_import_page_shows_the_report_in_chinese(bureau_inspector, home_squad):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(bureau_inspector)
    upload = io.BytesIO(csv_bytes([hotline_row("GZ12345-20261130-0001")]))
    upload.name = "12345.csv"
    page = client.post(reverse("clues:import"), {"source": "hotline", "file": upload})
    assert page.status_code == 200
    assert Clue.objects.count() == 1
    assert 'data-testid="import-report"' in page.content.decode()
