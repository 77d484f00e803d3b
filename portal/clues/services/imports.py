"""Import of the clue platform's and the 12345 hotline's exports (CSV or Excel), read by tablib.

Each source's columns are mapped once (COLUMNS). A file whose columns do not match is refused
whole; otherwise each row runs in its own transaction: a new source reference is registered,
a known one is updated if the export changed it (or left alone, and said so), a bad row is
refused with its reason and the rest go on. A second import of the same file changes nothing.
Callable from a page or, later, the REST API: bytes in, a report out."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import tablib
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import ApplicationError
from portal.core.models import User

from ..models import Clue, ClueSource, Industry
from ..permissions import can_register
from .registering import ClueData, clue_data_apply, clue_register

# The export's column → the field of ClueData, per source (the exports' own headings).
COLUMNS: dict[str, dict[str, str]] = {
    ClueSource.HOTLINE: {
        "工单编号": "source_reference",
        "受理时间": "received_at",
        "办结时限": "source_deadline",
        "诉求人": "complainant_name",
        "联系电话": "complainant_phone",
        "被反映单位": "employer_name",
        "统一社会信用代码": "employer_credit_code",
        "项目名称": "project_name",
        "所属街道": "street",
        "行业": "industry",
        "涉及人数": "workers",
        "涉及金额": "amount_owed",
        "诉求内容": "text",
    },
    ClueSource.PLATFORM: {
        "线索编号": "source_reference",
        "反映时间": "received_at",
        "办理期限": "source_deadline",
        "反映人": "complainant_name",
        "身份证号": "complainant_id_number",
        "联系电话": "complainant_phone",
        "被反映单位名称": "employer_name",
        "统一社会信用代码": "employer_credit_code",
        "项目名称": "project_name",
        "总包单位": "main_contractor",
        "班组长": "crew_leader",
        "涉及人数": "workers",
        "欠薪金额": "amount_owed",
        "所属街道": "street",
        "所属行业": "industry",
        "反映内容": "text",
    },
}
# Columns an export may leave out; the others must be there.
OPTIONAL = {"source_deadline", "complainant_id_number", "main_contractor", "crew_leader"}
# The sources' reference formats: 12345 工单 and platform clue numbers.
REFERENCE_FORMATS: dict[str, re.Pattern[str]] = {
    ClueSource.HOTLINE: re.compile(r"^[0-9A-Z][0-9A-Z-]{5,39}$"),
    ClueSource.PLATFORM: re.compile(r"^[0-9A-Z][0-9A-Z-]{5,39}$"),
}
# Fields an update may change (the handling of a clue is the bureau's, not the export's).
UPDATABLE = (
    "source_deadline",
    "employer_name",
    "employer_credit_code",
    "project_name",
    "main_contractor",
    "crew_leader",
    "workers",
    "amount_owed",
    "industry",
    "text",
)


class Outcome:
    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REFUSED = "refused"


@dataclass(frozen=True)
class RowResult:
    line: int  # as the spreadsheet numbers it (the heading is line 1)
    reference: str
    outcome: str
    message: str = ""
    clue_id: int | None = None


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    refused_file: str = ""  # the whole file was refused, with this reason

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        outcomes = (Outcome.IMPORTED, Outcome.UPDATED, Outcome.UNCHANGED, Outcome.REFUSED)
        return {outcome: self.count(outcome) for outcome in outcomes}

    @property
    def changed_nothing(self) -> bool:
        return not self.refused_file and all(
            row.outcome in (Outcome.UNCHANGED, Outcome.REFUSED) for row in self.rows
        )


def read_table(filename: str, content: bytes) -> tablib.Dataset:
    """The file as a table: .xlsx through openpyxl, anything else as UTF-8 CSV (with or
    without its byte-order mark)."""
    if filename.lower().endswith(".xlsx"):
        return tablib.Dataset().load(content, format="xlsx")
    return tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")


def clue_import(*, actor: User, source: str, filename: str, content: bytes) -> ImportReport:
    """Import one export of `source`; every row reported (see the module's docstring)."""
    if not can_register(actor):
        raise ApplicationError(
            _("Only inspectors and administrators of the bureau register clues.")
        )
    if source not in COLUMNS:
        raise ApplicationError(
            _("Only the clue platform's and the 12345 hotline's exports can be imported."),
            field="source",
        )
    try:
        table = read_table(filename, content)
    except Exception:
        return ImportReport(refused_file=_("The file cannot be read as CSV or Excel (.xlsx)."))
    columns = COLUMNS[source]
    headers = [str(h or "").strip() for h in (table.headers or [])]
    missing = [name for name, f in columns.items() if f not in OPTIONAL and name not in headers]
    if missing:
        return ImportReport(
            refused_file=_("Columns missing for this source: %(columns)s. Nothing was imported.")
            % {"columns": "、".join(missing)}
        )
    report = ImportReport()
    for index, values in enumerate(table, start=2):
        row = {columns[h]: v for h, v in zip(headers, values, strict=False) if h in columns}
        report.rows.append(_import_row(actor, source, index, row))
    return report


def _import_row(actor: User, source: str, line: int, row: dict[str, Any]) -> RowResult:
    reference = _text(row.get("source_reference")).upper()
    try:
        data = _data(source, reference, row)
        with transaction.atomic():
            existing = (
                Clue.objects.select_for_update()
                .filter(source=source, source_reference=reference)
                .first()
            )
            if existing is None:
                clue = clue_register(actor=actor, data=data)
                return RowResult(line, reference, Outcome.IMPORTED, clue_id=clue.pk)
            return _update(actor, existing, data, line)
    except ApplicationError as error:
        return RowResult(line, reference, Outcome.REFUSED, error.message)


def _update(actor: User, clue: Clue, data: ClueData, line: int) -> RowResult:
    fresh = Clue(source=clue.source)
    clue_data_apply(fresh, data)
    changed = [f for f in UPDATABLE if getattr(fresh, f) != getattr(clue, f)]
    if not changed:
        return RowResult(line, clue.source_reference, Outcome.UNCHANGED, clue_id=clue.pk)
    for name in changed:
        setattr(clue, name, getattr(fresh, name))
    clue.version += 1
    clue.save(update_fields=[*changed, "version", "updated_at"])
    names = "、".join(str(Clue._meta.get_field(name).verbose_name) for name in changed)  # type: ignore[union-attr]
    audit_record(actor=actor, action="clue.import_update", obj=clue, note=names)
    return RowResult(line, clue.source_reference, Outcome.UPDATED, names, clue_id=clue.pk)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _data(source: str, reference: str, row: dict[str, Any]) -> ClueData:
    if not reference:
        raise ApplicationError(_("The row has no source reference."))
    if not REFERENCE_FORMATS[source].match(reference):
        raise ApplicationError(
            _("“%(reference)s” is not a reference of this source.") % {"reference": reference}
        )
    received = _moment(row.get("received_at"), _("time received"))
    deadline = _moment(row.get("source_deadline"), _("deadline"), required=False)
    return ClueData(
        source=source,
        source_reference=reference,
        received_at=received,
        source_deadline=deadline.date() if deadline else None,
        complainant_name=_text(row.get("complainant_name")),
        complainant_id_number=_text(row.get("complainant_id_number")),
        complainant_phone=_text(row.get("complainant_phone")),
        employer_name=_text(row.get("employer_name")),
        employer_credit_code=_text(row.get("employer_credit_code")),
        project_name=_text(row.get("project_name")),
        main_contractor=_text(row.get("main_contractor")),
        crew_leader=_text(row.get("crew_leader")),
        workers=_whole(row.get("workers")),
        amount_owed=_amount(row.get("amount_owed")),
        industry=_industry(_text(row.get("industry"))),
        street=_text(row.get("street")),
        text=_text(row.get("text")),
    )


_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M", "%Y/%m/%d")


def _moment(value: Any, what: str, *, required: bool = True) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time(9))
    else:
        text = _text(value)
        if not text:
            if required:
                raise ApplicationError(_("The %(what)s is missing.") % {"what": what})
            return None
        for pattern in _FORMATS:
            try:
                moment = datetime.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            raise ApplicationError(
                _("“%(value)s” is not a date (the %(what)s).") % {"value": text, "what": what}
            )
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _whole(value: Any) -> int:
    text = _text(value) or "1"
    if not text.isdigit():
        raise ApplicationError(_("“%(value)s” is not a number of workers.") % {"value": text})
    return int(text)


def _amount(value: Any) -> Decimal | None:
    text = _text(value).replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ApplicationError(_("“%(value)s” is not an amount.") % {"value": text}) from exc


def _industry(label: str) -> str:
    """An industry by its code, or by its name in Chinese or English."""
    names = {code: code for code in Industry.values}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            names.update({str(name): code for code, name in Industry.choices})
    return names.get(label, Industry.OTHER if label else "")
