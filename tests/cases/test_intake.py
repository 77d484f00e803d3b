"""Intake: a claimant's own filing (case_file), and the committee's moves on it — accept,
route to mediation, refuse, ask for material — and the claimant's material supply."""

from __future__ import annotations

import datetime
import importlib
import re
from collections.abc import Callable
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from portal.cases import secret_hashing
from portal.cases.models import Case, CaseChannel, CaseStatus, Claimant, Employer, Evidence
from portal.cases.secret_hashing import secret_matches
from portal.cases.services import ACCEPTANCE_POLICY, intake
from portal.cases.services.intake import (
    AWARD_POLICY,
    StoredFile,
    case_accept,
    case_file,
    case_material_supply,
    case_refuse,
    case_request_material,
    case_route_to_mediation,
    claimant_case_get,
)
from portal.core.deadlines import deadline_for
from portal.core.errors import ApplicationError
from portal.core.models import (
    AuditEvent,
    Deadline,
    Document,
    DocumentStatus,
    Notification,
    NumberSequence,
)
from portal.core.uploads import CheckedUpload
from tests.helpers import png_bytes, run_at_once

from ..factories import agency, case_data, make_case, valid_resident_id

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def year() -> int:
    return timezone.localdate().year


def file_case(*, channel: str = CaseChannel.KIOSK, mediation: bool = False, **kwargs) -> Case:
    data = case_data(**kwargs)
    data.mediation_consent = mediation
    return case_file(data=data, channel=channel).case


def open_deadlines(case: Case, key: str) -> list[Deadline]:
    return [d for d in Deadline.objects.filter(object_id=case.pk, policy__key=key) if not d.met_at]


def events(case: Case, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_id=str(case.pk), action=action))


# --- case_file ---------------------------------------------------------------------------------


def test_a_claimants_filing_is_filed_with_a_tracking_number_and_no_case_number_yet():
    filed = case_file(data=case_data(claimants=2), channel=CaseChannel.KIOSK)
    case = filed.case
    assert case.status == CaseStatus.FILED
    assert case.channel == CaseChannel.KIOSK
    assert case.agency == agency("arbitration")
    assert re.fullmatch(rf"KL-{year()}-\d{{6}}", case.tracking_number)
    assert case.number == case.tracking_number
    assert not case.has_agency_number
    assert case.created_by is None
    assert case.is_collective and case.claimants.filter(is_representative=True).count() == 1
    assert not NumberSequence.objects.filter(series="case").exists()


def serial(tracking_number: str) -> int:
    return int(tracking_number.rsplit("-", 1)[1])


def test_tracking_numbers_follow_each_other_and_online_filings_are_marked_online():
    first = file_case()
    second = file_case(channel=CaseChannel.ONLINE)
    assert serial(second.tracking_number) == serial(first.tracking_number) + 1
    assert second.channel == CaseChannel.ONLINE


def test_tracking_numbers_are_one_portal_wide_series_that_holds_no_counter_row():
    first = file_case()
    second = file_case()
    assert serial(second.tracking_number) > serial(first.tracking_number)
    assert not NumberSequence.objects.filter(series="filing").exists()


def test_the_series_continues_after_the_numbers_the_old_counter_handed_out():
    from types import SimpleNamespace

    from django.apps import apps

    migration = importlib.import_module("portal.cases.migrations.0004_tracking_ticket")
    NumberSequence.objects.create(agency=agency("arbitration"), series="filing", year=2026, last=41)
    migration.continue_after_the_counter(apps, SimpleNamespace(connection=connection))
    assert serial(file_case().tracking_number) >= 42


def test_only_a_hash_of_the_secret_is_stored_and_it_checks_out():
    filed = case_file(data=case_data(), channel=CaseChannel.ONLINE)
    assert len(filed.secret) == intake.SECRET_LENGTH
    assert set(filed.secret) <= set(intake.SECRET_ALPHABET)
    stored = Case.objects.get(pk=filed.case.pk).claimant_secret_hash
    assert filed.secret not in stored
    assert stored.startswith("hmac-sha256$")
    assert secret_matches(filed.secret, stored)


def test_the_filing_starts_the_five_day_acceptance_deadline_and_is_audited():
    case = file_case()
    deadline = Deadline.objects.get(object_id=case.pk, policy__key=ACCEPTANCE_POLICY)
    started = timezone.localtime(case.filed_at).date()
    assert deadline.due_on == deadline_for(ACCEPTANCE_POLICY, started).date
    assert deadline.policy.days == 5
    event = AuditEvent.objects.get(action="case.create", object_id=str(case.pk))
    assert event.actor is None
    assert event.actor_label == "申请人（E法亭）"
    assert event.status_after == CaseStatus.FILED


def test_a_claimant_cannot_file_through_the_staff_channel():
    with pytest.raises(ApplicationError, match="kiosk or online"):
        case_file(data=case_data(), channel=CaseChannel.STAFF)
    assert not Case.objects.exists()


def test_a_saved_drafts_tracking_number_passes_to_the_case():
    data = case_data()
    data.tracking_number = f"KL-{year()}-000042"
    assert (
        case_file(data=data, channel=CaseChannel.ONLINE).case.tracking_number
        == data.tracking_number
    )


def test_a_filing_with_an_invalid_id_number_creates_nothing():
    data = case_data()
    data.claimants[0].id_number = "440105198503122420"
    with pytest.raises(ApplicationError):
        case_file(data=data, channel=CaseChannel.KIOSK)
    assert not Case.objects.exists()
    assert not Employer.objects.exists()
    assert not Claimant.objects.exists()
    assert not NumberSequence.objects.exists()


# --- the duplicate flag ------------------------------------------------------------------------


def test_the_same_id_number_against_the_same_employer_within_30_days_is_flagged_not_merged():
    first = file_case()
    id_number = first.claimants.get().id_number
    data = case_data(credit_code=first.employer.credit_code)
    data.claimants[0].id_number = id_number
    second = case_file(data=data, channel=CaseChannel.ONLINE).case
    assert second.duplicate_of == first
    assert first.duplicate_of is None
    assert Case.objects.count() == 2  # never merged
    assert events(second, "case.duplicate_flag")[0].note == first.number


def test_the_same_worker_against_another_employer_is_no_duplicate():
    first = file_case()
    data = case_data()
    data.claimants[0].id_number = first.claimants.get().id_number
    assert case_file(data=data, channel=CaseChannel.KIOSK).case.duplicate_of is None


def test_a_filing_older_than_30_days_is_no_duplicate():
    first = file_case()
    Case.objects.filter(pk=first.pk).update(filed_at=timezone.now() - datetime.timedelta(days=31))
    data = case_data(credit_code=first.employer.credit_code)
    data.claimants[0].id_number = first.claimants.get().id_number
    assert case_file(data=data, channel=CaseChannel.KIOSK).case.duplicate_of is None


def test_a_co_worker_of_an_earlier_collective_filing_flags_the_duplicate():
    first = file_case(claimants=3)
    co_worker = first.claimants.filter(is_representative=False).first()
    data = case_data(credit_code=first.employer.credit_code)
    data.claimants[0].id_number = co_worker.id_number
    assert case_file(data=data, channel=CaseChannel.KIOSK).case.duplicate_of == first


def test_of_several_earlier_filings_the_latest_is_named_and_one_29_days_old_still_counts():
    oldest = file_case()
    id_number = oldest.claimants.get().id_number
    Case.objects.filter(pk=oldest.pk).update(filed_at=timezone.now() - datetime.timedelta(days=29))
    data = case_data(credit_code=oldest.employer.credit_code)
    data.claimants[0].id_number = id_number
    latest = case_file(data=data, channel=CaseChannel.KIOSK).case
    assert latest.duplicate_of == oldest

    third = case_file(data=data, channel=CaseChannel.KIOSK).case

    assert third.duplicate_of == latest


def test_an_id_number_typed_with_a_small_x_matches_the_stored_one():
    with_x = next(number for number in iter(valid_resident_id, None) if number.endswith("X"))
    data = case_data()
    data.claimants[0].id_number = with_x
    first = case_file(data=data, channel=CaseChannel.KIOSK).case
    again = case_data(credit_code=first.employer.credit_code)
    again.claimants[0].id_number = with_x.lower()

    assert case_file(data=again, channel=CaseChannel.KIOSK).case.duplicate_of == first


# --- evidence at filing --------------------------------------------------------------------------


def stored_png(name: str = "kiosk-drafts/t/one.png") -> StoredFile:
    import hashlib

    content = png_bytes()
    path = default_storage.save(name, ContentFile(content))
    checked = CheckedUpload("image/png", "png", len(content), hashlib.sha256(content).hexdigest())
    return StoredFile(path=path, original_name="工资条.png", checked=checked, description="六月")


def test_evidence_uploaded_while_filing_is_stored_with_the_case():
    stored = stored_png()
    filed = case_file(data=case_data(), channel=CaseChannel.KIOSK, evidence=[stored])
    evidence = filed.case.evidence.get()
    assert (evidence.original_name, evidence.description) == ("工资条.png", "六月")
    assert evidence.uploaded_by is None
    assert evidence.file.read() == png_bytes()
    assert filed.evidence_files == [evidence.file.name]


@pytest.mark.django_db(transaction=True)  # the filing's own transaction, as at the kiosk
def test_a_failure_while_storing_evidence_leaves_no_case_and_no_evidence_file():
    from portal.core.bootstrap import seed_reference_data

    seed_reference_data()  # a transactional test may start from a flushed database
    stored = [stored_png("kiosk-drafts/t/a.png"), stored_png("kiosk-drafts/t/b.png")]
    real_save = Evidence.save
    calls = []

    def failing_save(self, *args, **kwargs):
        calls.append(self.file.name)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_save(self, *args, **kwargs)

    with mock.patch.object(Evidence, "save", failing_save), pytest.raises(RuntimeError):
        case_file(data=case_data(), channel=CaseChannel.KIOSK, evidence=stored)
    assert not Case.objects.exists()
    assert not Evidence.objects.exists()
    assert calls and not any(default_storage.exists(name) for name in calls)
    assert default_storage.exists(stored[0].path)  # the draft's own file is the caller's


# --- the claimant's credentials ------------------------------------------------------------------


def test_the_claimant_finds_the_case_with_tracking_number_and_secret_in_any_spelling():
    filed = case_file(data=case_data(), channel=CaseChannel.KIOSK)
    number = filed.case.tracking_number.replace("-", " ").lower()
    secret = f"{filed.secret[:4].lower()}-{filed.secret[4:]}"
    assert claimant_case_get(tracking_number=number, secret=secret) == filed.case


@pytest.mark.parametrize("wrong", ["secret", "number", "malformed"])
def test_a_wrong_secret_and_an_unknown_number_both_find_nothing_at_the_cost_of_one_hmac(wrong):
    filed = case_file(data=case_data(), channel=CaseChannel.KIOSK)
    number = {
        "secret": filed.case.tracking_number,
        "number": f"KL-{year()}-999999",
        "malformed": "nonsense",
    }[wrong]
    secret = "WRONG234" if wrong == "secret" else filed.secret
    with mock.patch.object(secret_hashing, "salted_hmac", wraps=salted_hmac) as checked:
        assert claimant_case_get(tracking_number=number, secret=secret) is None
    assert checked.call_count == 1


def test_a_staff_registered_case_has_no_claimant_access(arbitrator):
    case = make_case(actor=arbitrator)
    assert claimant_case_get(tracking_number=case.number, secret="") is None


# --- the committee's moves: who, from which state ----------------------------------------------


MOVES: dict[str, Callable] = {
    "accept": lambda actor, case: case_accept(actor=actor, case=case),
    "route_to_mediation": lambda actor, case: case_route_to_mediation(
        actor=actor, case=case, claimant_consented=True
    ),
    "refuse": lambda actor, case: case_refuse(actor=actor, case=case, reason="不属于劳动争议"),
    "request_material": lambda actor, case: case_request_material(
        actor=actor, case=case, missing="请补充劳动关系证明"
    ),
}
TARGET = {
    "accept": CaseStatus.ACCEPTED,
    "route_to_mediation": CaseStatus.MEDIATION_PENDING,
    "refuse": CaseStatus.REFUSED,
    "request_material": CaseStatus.MATERIAL_REQUESTED,
}


@pytest.mark.parametrize("move", MOVES)
@pytest.mark.parametrize("decider", ["arbitrator", "arbitration_admin"])
def test_arbitrators_and_arbitration_admins_make_every_intake_move(request, move, decider):
    actor = request.getfixturevalue(decider)
    case = file_case()
    moved = MOVES[move](actor, case)
    assert moved.status == TARGET[move]
    assert Case.objects.get(pk=case.pk).status == TARGET[move]
    event = events(case, f"case.{move}")[0]
    assert (event.actor, event.status_before, event.status_after) == (
        actor,
        CaseStatus.FILED,
        TARGET[move],
    )
    # The committee answered within the period: the 5-day clock is met.
    assert open_deadlines(case, ACCEPTANCE_POLICY) == []


@pytest.mark.parametrize("move", MOVES)
@pytest.mark.parametrize(
    "role", ["arbitration_mediator", "bureau_admin", "bureau_inspector", "procuratorate_liaison"]
)
def test_nobody_else_makes_an_intake_move(request, move, role):
    actor = request.getfixturevalue(role)
    case = file_case()
    with pytest.raises(ApplicationError, match="Only arbitrators and administrators"):
        MOVES[move](actor, case)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.FILED
    assert not events(case, f"case.{move}")
    assert open_deadlines(case, ACCEPTANCE_POLICY)


@pytest.mark.parametrize("move", MOVES)
def test_the_bureau_cannot_take_its_own_cases_through_arbitration_intake(
    move, bureau_admin, bureau_inspector
):
    case = make_case(agency_code="bureau", actor=bureau_inspector)
    with pytest.raises(ApplicationError, match="Only arbitrators and administrators"):
        MOVES[move](bureau_admin, case)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.FILED


@pytest.mark.parametrize("move", MOVES)
@pytest.mark.parametrize("done", ["accept", "refuse", "route_to_mediation"])
def test_a_decided_filing_takes_no_further_intake_move(arbitrator, move, done):
    case = file_case()
    MOVES[done](arbitrator, case)
    with pytest.raises(ApplicationError, match="cannot be done while"):
        MOVES[move](arbitrator, case)
    assert Case.objects.get(pk=case.pk).status == TARGET[done]


def test_material_cannot_be_requested_twice_in_a_row(arbitrator):
    case = file_case()
    MOVES["request_material"](arbitrator, case)
    with pytest.raises(ApplicationError, match="cannot be done while"):
        MOVES["request_material"](arbitrator, case)


# --- case_accept --------------------------------------------------------------------------------


def test_accepting_gives_the_filing_its_case_number_and_starts_the_award_clock(arbitrator):
    case = file_case()
    tracking = case.tracking_number
    accepted = case_accept(actor=arbitrator, case=case, note="材料齐全")
    assert accepted.number == f"穗海劳人仲案字〔{year()}〕第1号"
    assert accepted.tracking_number == tracking  # the claimant keeps looking it up by this
    assert accepted.has_agency_number
    assert accepted.decided_at is not None
    award = Deadline.objects.get(object_id=case.pk, policy__key=AWARD_POLICY)
    assert award.due_on == deadline_for(AWARD_POLICY, timezone.localdate()).date
    assert events(case, "case.accept")[0].note == f"{accepted.number} 材料齐全"


def test_case_numbers_are_drawn_on_acceptance_only_and_without_gaps(arbitrator):
    filings = [file_case() for _ in range(3)]
    case_refuse(actor=arbitrator, case=filings[0], reason="超过仲裁时效")
    numbers = [case_accept(actor=arbitrator, case=case).number for case in filings[1:]]
    assert numbers == [f"穗海劳人仲案字〔{year()}〕第{n}号" for n in (1, 2)]


def test_a_failed_acceptance_returns_its_number(arbitrator):
    case = file_case()
    with (
        mock.patch.object(intake, "document_request", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        case_accept(actor=arbitrator, case=case)
    assert Case.objects.get(pk=case.pk).number == case.tracking_number
    assert case_accept(actor=arbitrator, case=case).number.endswith("第1号")


def test_a_staff_registered_case_keeps_its_number_when_accepted(arbitrator):
    case = make_case(actor=arbitrator)
    assert case_accept(actor=arbitrator, case=case).number == case.number
    assert NumberSequence.objects.get(series="case", agency=agency("arbitration")).last == 1


def test_the_acceptance_notice_is_rendered_after_commit(
    arbitrator, django_capture_on_commit_callbacks
):
    case = file_case()
    with django_capture_on_commit_callbacks(execute=True):
        case_accept(actor=arbitrator, case=case)
        document = Document.objects.get(object_id=case.pk, kind=intake.ACCEPTANCE_NOTICE_KIND)
        assert document.status == DocumentStatus.PENDING
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    assert document.file.read().startswith(b"%PDF")
    assert case.number != Case.objects.get(pk=case.pk).number  # numbered
    assert Case.objects.get(pk=case.pk).number in document.title


# --- case_route_to_mediation ----------------------------------------------------------------


def test_a_filing_whose_claimant_chose_mediation_goes_there_without_more(arbitrator):
    case = file_case(mediation=True)
    moved = case_route_to_mediation(actor=arbitrator, case=case)
    assert moved.status == CaseStatus.MEDIATION_PENDING
    assert moved.number == case.tracking_number  # no arbitration number for mediation


def test_mediation_without_the_claimants_consent_is_refused(arbitrator):
    case = file_case(mediation=False)
    with pytest.raises(ApplicationError, match="consent") as error:
        case_route_to_mediation(actor=arbitrator, case=case)
    assert error.value.field == "claimant_consented"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.FILED


def test_consent_given_to_staff_is_recorded_with_the_move(arbitrator):
    case = file_case(mediation=False)
    moved = case_route_to_mediation(
        actor=arbitrator, case=case, claimant_consented=True, note="电话确认同意调解"
    )
    assert moved.mediation_consent
    assert events(case, "case.route_to_mediation")[0].note == "电话确认同意调解"


def test_the_mediators_hear_of_a_routed_case_after_commit(
    arbitrator, arbitration_mediator, bureau_mediator, django_capture_on_commit_callbacks
):
    case = file_case(mediation=True)
    with django_capture_on_commit_callbacks(execute=True):
        case_route_to_mediation(actor=arbitrator, case=case)
        assert not Notification.objects.exists()
    notification = Notification.objects.get()
    assert notification.recipient == arbitration_mediator
    assert case.number in notification.title


# --- case_refuse --------------------------------------------------------------------------------


def test_a_refusal_needs_a_written_reason(arbitrator):
    case = file_case()
    with pytest.raises(ApplicationError, match="reason") as error:
        case_refuse(actor=arbitrator, case=case, reason="  ")
    assert error.value.field == "reason"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.FILED


def test_a_refusal_keeps_the_reason_and_issues_the_written_notice_after_commit(
    arbitrator, django_capture_on_commit_callbacks
):
    case = file_case()
    with django_capture_on_commit_callbacks(execute=True):
        refused = case_refuse(actor=arbitrator, case=case, reason="申请人与被申请人不存在劳动关系")
    assert refused.refusal_reason == "申请人与被申请人不存在劳动关系"
    assert refused.number == case.tracking_number
    document = Document.objects.get(object_id=case.pk, kind=intake.REFUSAL_NOTICE_KIND)
    assert document.status == DocumentStatus.READY
    assert events(case, "case.refuse")[0].note == refused.refusal_reason


# --- material requested and supplied ---------------------------------------------------------


def test_asking_for_material_needs_to_say_what_is_missing(arbitrator):
    case = file_case()
    with pytest.raises(ApplicationError, match="must still provide") as error:
        case_request_material(actor=arbitrator, case=case, missing="")
    assert error.value.field == "missing"


def test_supplied_material_sends_the_case_back_to_the_queue_with_a_new_five_day_clock(
    arbitrator, arbitration_admin, django_capture_on_commit_callbacks
):
    case = file_case()
    case_request_material(actor=arbitrator, case=case, missing="请补充工资条")
    upload = SimpleUploadedFile("工资条.png", png_bytes(), "image/png")
    with django_capture_on_commit_callbacks(execute=True):
        added = case_material_supply(case=case, uploads=[upload], note="六月工资条")
        assert not Notification.objects.exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.FILED
    assert [e.original_name for e in added] == ["工资条.png"]
    assert case.evidence.get().description == "六月工资条"
    (deadline,) = open_deadlines(case, ACCEPTANCE_POLICY)
    assert deadline.started_on == timezone.localdate()
    event = events(case, "case.material_supply")[0]
    assert (event.actor, event.status_before, event.status_after) == (
        None,
        CaseStatus.MATERIAL_REQUESTED,
        CaseStatus.FILED,
    )
    assert event.actor_label == "申请人"  # the history names the claimant
    assert {n.recipient for n in Notification.objects.all()} == {arbitrator, arbitration_admin}


def test_material_is_only_taken_when_it_was_requested():
    case = file_case()
    upload = SimpleUploadedFile("a.png", png_bytes(), "image/png")
    with pytest.raises(ApplicationError, match="No material is requested"):
        case_material_supply(case=case, uploads=[upload])
    assert not case.evidence.exists()


def test_material_is_checked_on_content_and_a_bad_file_changes_nothing(arbitrator):
    case = file_case()
    case_request_material(actor=arbitrator, case=case, missing="请补充工资条")
    good = SimpleUploadedFile("a.png", png_bytes(), "image/png")
    disguised = SimpleUploadedFile("b.png", b"<html><script>alert(1)</script></html>", "image/png")
    with pytest.raises(ApplicationError, match=r"b\.png") as error:
        case_material_supply(case=case, uploads=[good, disguised])
    assert error.value.field == "material"
    case.refresh_from_db()
    assert case.status == CaseStatus.MATERIAL_REQUESTED
    assert not case.evidence.exists()


def test_staff_may_decide_while_material_is_awaited(arbitrator):
    case = file_case()
    case_request_material(actor=arbitrator, case=case, missing="请补充工资条")
    accepted = case_accept(actor=arbitrator, case=case)
    assert accepted.status == CaseStatus.ACCEPTED
    assert accepted.material_requested == ""


def test_the_transitions_table_allows_exactly_the_intake_moves():
    from portal.cases.models import TRANSITIONS

    assert TRANSITIONS[CaseStatus.FILED] == set(TARGET.values())
    assert CaseStatus.FILED in TRANSITIONS[CaseStatus.MATERIAL_REQUESTED]
    assert CaseStatus.MATERIAL_REQUESTED not in TRANSITIONS[CaseStatus.MATERIAL_REQUESTED]
    assert TRANSITIONS[CaseStatus.REFUSED] == set()


# --- races ------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deciders_accepting_one_filing_at_once_number_it_once():
    from portal.core.bootstrap import seed_reference_data
    from portal.core.models import Role, User

    from ..factories import member

    seed_reference_data()
    deciders = [member(f"arb.judge{i}", "arbitration", Role.ARBITRATOR).pk for i in range(2)]
    case = file_case()

    def accept(user_id: int) -> str:
        actor = User.objects.select_related("membership__agency").get(pk=user_id)
        try:
            return case_accept(actor=actor, case=Case.objects.get(pk=case.pk)).number
        except ApplicationError as error:
            return f"refused: {error.message}"

    outcomes, errors = run_at_once([lambda pk=pk: accept(pk) for pk in deciders])
    assert not errors, errors
    numbered = [outcome for outcome in outcomes if not outcome.startswith("refused: ")]
    assert numbered == [f"穗海劳人仲案字〔{year()}〕第1号"]
    assert len(outcomes) == 2  # the other was refused: the case was accepted by then
    assert NumberSequence.objects.get(series="case").last == 1
    assert len(events(case, "case.accept")) == 1
