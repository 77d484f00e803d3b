"""Referral services: drafting, every move (happy path, wrong source state, wrong agency, wrong
role, stale page, audit row, after-commit effects) and what each move does besides."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from portal.core.audit import audit_history
from portal.core.deadlines import deadline_for, deadlines_of
from portal.core.errors import ApplicationError
from portal.core.models import Notification, NumberSequence, User
from portal.referrals import services
from portal.referrals.models import (
    FeedbackOutcome,
    Referral,
    ReferralAttachment,
    ReferralFeedback,
    ReferralKind,
    ReferralStatus,
)
from portal.referrals.permissions import MOVES, Move
from portal.referrals.services import (
    ACKNOWLEDGE_POLICY,
    FEEDBACK_POLICY,
    SUPPLEMENT_POLICY,
    referral_create,
    referral_update,
)
from tests.helpers import png_bytes

from ..factories import agency, make_case
from .builders import draft, drive, move, referral_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def year() -> int:
    return timezone.localdate().year


def png(name: str = "scan.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), "image/png")


def fake_pdf() -> SimpleUploadedFile:
    """A text file named .pdf: the upload rules look at the bytes."""
    return SimpleUploadedFile("evidence.pdf", b"<html>not a pdf</html>", "application/pdf")


def snapshot(referral: Referral) -> tuple:
    """What a refused move must leave as it was."""
    fresh = Referral.objects.get(pk=referral.pk)
    return (
        fresh.status,
        fresh.version,
        fresh.number,
        audit_history(fresh).count(),
        Notification.objects.count(),
        deadlines_of(fresh).count(),
        ReferralFeedback.objects.filter(referral=fresh).count(),
    )


# --- the move table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoveCase:
    """A move tried on a referral driven to `source` (in `direction`) by `actor`; `wrong_role`
    is someone of the right agency who may not make it, `wrong_state` a status it does not
    start from, `notified` who is told after commit."""

    move: Move
    direction: str  # "clue" (bureau → procuratorate) or "arrears" (arbitration → bureau)
    source: str
    actor: str
    wrong_role: str
    wrong_agency: tuple[str, ...]
    wrong_state: str
    notified: tuple[str, ...]
    kwargs: dict = field(default_factory=dict)


S = ReferralStatus
FEEDBACK = {"outcome": FeedbackOutcome.CASE_OPENED, "text": "已立案审查。"}
REASON = {"reason": "请补充工资表。"}
THIRD_PARTIES_OF_CLUE = ("arbitration_admin", "arbitrator")
THIRD_PARTIES_OF_ARREARS = ("procuratorate_admin", "procuratorate_liaison")

MOVE_CASES = [
    MoveCase(
        Move.SEND,
        "clue",
        S.DRAFT,
        "bureau_inspector",
        "bureau_mediator",
        (*THIRD_PARTIES_OF_CLUE, "procuratorate_admin"),
        S.SENT,
        ("procuratorate_admin",),
    ),
    MoveCase(
        Move.RESEND,
        "clue",
        S.SUPPLEMENT_REQUESTED,
        "bureau_inspector",
        "bureau_leader",
        (*THIRD_PARTIES_OF_CLUE, "procuratorate_admin"),
        S.ACKNOWLEDGED,
        ("procuratorate_admin",),
    ),
    MoveCase(
        Move.WITHDRAW,
        "clue",
        S.SENT,
        "bureau_admin",
        "bureau_mediator",
        (*THIRD_PARTIES_OF_CLUE, "procuratorate_admin"),
        S.ACKNOWLEDGED,
        ("procuratorate_admin",),
    ),
    MoveCase(
        Move.ACKNOWLEDGE,
        "arrears",
        S.SENT,
        "bureau_mediator",
        "bureau_leader",
        (*THIRD_PARTIES_OF_ARREARS, "arbitration_admin"),
        S.ACKNOWLEDGED,
        ("arbitrator",),
    ),
    MoveCase(
        Move.ACCEPT,
        "arrears",
        S.ACKNOWLEDGED,
        "bureau_admin",
        "bureau_inspector",
        (*THIRD_PARTIES_OF_ARREARS, "arbitration_admin"),
        S.SENT,
        ("arbitrator",),
    ),
    MoveCase(
        Move.RETURN,
        "arrears",
        S.ACKNOWLEDGED,
        "bureau_admin",
        "bureau_inspector",
        (*THIRD_PARTIES_OF_ARREARS, "arbitration_admin"),
        S.ACCEPTED,
        ("arbitrator", "arbitration_admin"),
        REASON,
    ),
    MoveCase(
        Move.REQUEST_SUPPLEMENT,
        "arrears",
        S.ACKNOWLEDGED,
        "bureau_inspector",
        "bureau_leader",
        (*THIRD_PARTIES_OF_ARREARS, "arbitration_admin"),
        S.ACCEPTED,
        ("arbitrator",),
        REASON,
    ),
    MoveCase(
        Move.GIVE_FEEDBACK,
        "arrears",
        S.ACCEPTED,
        "bureau_mediator",
        "bureau_leader",
        (*THIRD_PARTIES_OF_ARREARS, "arbitration_admin"),
        S.FEEDBACK_GIVEN,
        ("arbitrator",),
        FEEDBACK,
    ),
    MoveCase(
        Move.REQUEST_MORE,
        "clue",
        S.FEEDBACK_GIVEN,
        "bureau_admin",
        "bureau_mediator",
        (*THIRD_PARTIES_OF_CLUE, "procuratorate_admin"),
        S.ACCEPTED,
        ("procuratorate_admin", "procuratorate_liaison"),
        REASON,
    ),
    MoveCase(
        Move.CLOSE,
        "clue",
        S.FEEDBACK_GIVEN,
        "bureau_inspector",
        "bureau_leader",
        (*THIRD_PARTIES_OF_CLUE, "procuratorate_admin"),
        S.ACCEPTED,
        ("procuratorate_admin", "procuratorate_liaison"),
    ),
    MoveCase(
        Move.REOPEN,
        "clue",
        S.CLOSED,
        "bureau_admin",
        "bureau_inspector",
        (*THIRD_PARTIES_OF_CLUE, "procuratorate_admin"),
        S.FEEDBACK_GIVEN,
        ("procuratorate_admin", "procuratorate_liaison"),
        REASON,
    ),
    MoveCase(
        Move.RECORD,
        "police",
        S.DRAFT,
        "bureau_inspector",
        "bureau_mediator",
        THIRD_PARTIES_OF_CLUE,
        S.RECORDED,
        (),
    ),
    MoveCase(
        Move.RECORD_OUTCOME,
        "police",
        S.RECORDED,
        "bureau_mediator",
        "bureau_leader",
        THIRD_PARTIES_OF_CLUE,
        S.DRAFT,
        (),
        FEEDBACK,
    ),
]
ACTORS = (
    "bureau_inspector",
    "bureau_admin",
    "bureau_mediator",
    "bureau_leader",
    "arbitrator",
    "arbitration_admin",
    "arbitration_mediator",
    "procuratorate_liaison",
    "procuratorate_admin",
)


@pytest.fixture
def people(request) -> dict[str, User]:
    return {name: request.getfixturevalue(name) for name in ACTORS}


def referral_at(people: dict[str, User], direction: str, status: str) -> Referral:
    if direction == "clue":
        referral = draft(people["bureau_inspector"], "procuratorate")
        staff, admin = people["procuratorate_liaison"], people["procuratorate_admin"]
    elif direction == "arrears":
        referral = draft(people["arbitrator"], "bureau")
        staff, admin = people["bureau_inspector"], people["bureau_admin"]
    else:
        referral = draft(people["bureau_inspector"], "police")
        staff = admin = None
    return drive(referral, status, receiver_staff=staff, receiver_admin=admin)


def make(case: MoveCase, people: dict[str, User], referral: Referral, actor: User) -> object:
    service = getattr(services, f"referral_{case.move.value}")
    return service(actor=actor, referral=referral, expected_version=referral.version, **case.kwargs)


def case_id(case: MoveCase) -> str:
    return case.move.value


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_each_move_goes_to_its_target_status_and_writes_its_audit_row(people, case):
    referral = referral_at(people, case.direction, case.source)
    version = referral.version
    make(case, people, referral, people[case.actor])
    referral.refresh_from_db()
    assert referral.status == MOVES[case.move].target
    assert referral.version == version + 1
    event = audit_history(referral).first()
    assert event.action == f"referral.{case.move.value}"
    assert (event.status_before, event.status_after) == (case.source, referral.status)
    assert event.actor == people[case.actor]


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_each_move_is_refused_from_a_wrong_source_state(people, case):
    referral = referral_at(people, case.direction, case.wrong_state)
    before = snapshot(referral)
    with pytest.raises(ApplicationError, match="cannot be done while the referral is"):
        make(case, people, referral, people[case.actor])
    assert snapshot(referral) == before


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_each_move_is_refused_to_staff_of_the_wrong_agency(people, case):
    referral = referral_at(people, case.direction, case.source)
    before = snapshot(referral)
    for name in case.wrong_agency:
        with pytest.raises(ApplicationError, match="Only"):
            make(case, people, referral, people[name])
    assert snapshot(referral) == before


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_each_move_is_refused_to_the_wrong_role_of_the_right_agency(people, case):
    referral = referral_at(people, case.direction, case.source)
    before = snapshot(referral)
    with pytest.raises(ApplicationError, match="Only"):
        make(case, people, referral, people[case.wrong_role])
    assert snapshot(referral) == before


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_each_move_from_a_stale_page_is_refused(people, case):
    referral = referral_at(people, case.direction, case.source)
    before = snapshot(referral)
    service = getattr(services, f"referral_{case.move.value}")
    with pytest.raises(ApplicationError, match="changed meanwhile; reload the page"):
        service(
            actor=people[case.actor],
            referral=referral,
            expected_version=referral.version - 1,
            **case.kwargs,
        )
    assert snapshot(referral) == before


@pytest.mark.parametrize("case", MOVE_CASES, ids=case_id)
def test_each_move_notifies_its_people_only_after_commit(
    people, case, django_capture_on_commit_callbacks, mailoutbox
):
    referral = referral_at(people, case.direction, case.source)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        make(case, people, referral, people[case.actor])
        assert not Notification.objects.exists()  # not before the commit
        assert mailoutbox == []
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {people[name].username for name in case.notified}
    assert len(mailoutbox) == len(case.notified)
    if case.notified:
        assert all(n.url == f"/referrals/{referral.pk}/" for n in Notification.objects.all())


def test_every_move_is_one_edge_of_the_transitions():
    from portal.referrals.models import EXTERNAL_TRANSITIONS, TRANSITIONS

    edges = set()
    for rule in MOVES.moves.values():
        external = rule.when(SimpleNamespace(is_external=True))
        table = EXTERNAL_TRANSITIONS if external else TRANSITIONS
        for source in rule.sources:
            assert rule.target in table[source]
            edges.add((external, source, rule.target))
    every = {(False, s, t) for s, ts in TRANSITIONS.items() for t in ts}
    every |= {(True, s, t) for s, ts in EXTERNAL_TRANSITIONS.items() for t in ts}
    assert edges == every
    assert {c.move for c in MOVE_CASES} == set(Move)


# --- drafting ------------------------------------------------------------------------------------


def test_staff_draft_a_referral_without_a_number_visible_to_their_agency_only(
    bureau_inspector, procuratorate_admin
):
    referral = draft(bureau_inspector, "procuratorate", workers=12, amount_owed="186000.00")
    assert referral.status == ReferralStatus.DRAFT
    assert referral.number == ""
    assert referral.sender_agency == agency("bureau")
    assert referral.receiver_agency == agency("procuratorate")
    assert referral.is_collective
    assert (referral.workers, referral.amount_owed) == (12, Decimal("186000.00"))
    assert referral.author == bureau_inspector
    assert audit_history(referral).get().action == "referral.create"
    from portal.referrals.permissions import referrals_visible_to

    assert referrals_visible_to(bureau_inspector).filter(pk=referral.pk).exists()
    assert not referrals_visible_to(procuratorate_admin).filter(pk=referral.pk).exists()


def test_a_referral_to_ones_own_agency_is_refused(bureau_inspector):
    with pytest.raises(ApplicationError, match="cannot go to one's own agency") as error:
        referral_create(actor=bureau_inspector, data=referral_data("bureau"))
    assert error.value.field == "receiver"
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("kind", "receiver"),
    [
        (ReferralKind.FALSE_ARBITRATION_CLUE, "arbitration"),
        (ReferralKind.WAGE_ARREARS_CLUE, "procuratorate"),
        (ReferralKind.DISPUTE, "procuratorate"),
        (ReferralKind.PROSECUTION_SUPPORT, "arbitration"),
        (ReferralKind.PROCURATORIAL_SUGGESTION, "police"),
        (ReferralKind.WAGE_REFUSAL_CRIME, "court"),
    ],
)
def test_a_type_that_does_not_go_to_the_receiver_is_refused(bureau_inspector, kind, receiver):
    with pytest.raises(ApplicationError, match="cannot go to") as error:
        referral_create(actor=bureau_inspector, data=referral_data(receiver, kind=kind))
    assert error.value.field == "kind"
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("kind", "receiver"),
    [
        (ReferralKind.WAGE_REFUSAL_CRIME, "procuratorate"),
        (ReferralKind.WAGE_REFUSAL_CRIME, "police"),
        (ReferralKind.PROCURATORIAL_SUGGESTION, "arbitration"),
        (ReferralKind.DISPUTE, "arbitration"),
        (ReferralKind.OTHER, "court"),
        (ReferralKind.OTHER, "procuratorate"),
    ],
)
def test_each_type_goes_to_its_receivers(bureau_inspector, kind, receiver):
    referral = referral_create(actor=bureau_inspector, data=referral_data(receiver, kind=kind))
    assert referral.is_external == (receiver in ("police", "court"))


def test_a_bad_credit_code_is_refused_with_a_clear_message(bureau_inspector):
    data = referral_data("procuratorate", credit_code="91440105MA59XK3T70")
    with pytest.raises(ApplicationError, match="not a valid unified social credit code") as error:
        referral_create(actor=bureau_inspector, data=data)
    assert error.value.field == "employer_credit_code"
    assert not Referral.objects.exists()


def test_a_standalone_referral_needs_the_employers_name(bureau_inspector):
    with pytest.raises(ApplicationError, match="Name the employer"):
        referral_create(actor=bureau_inspector, data=referral_data(employer_name=" "))


def test_an_empty_summary_is_refused(bureau_inspector):
    with pytest.raises(ApplicationError, match="summary"):
        referral_create(actor=bureau_inspector, data=referral_data(summary="  "))


def test_a_linked_case_gives_the_employer_the_workers_and_the_amount(bureau_inspector):
    case = make_case(agency_code="bureau", actor=bureau_inspector, claimants=3, amount="9000.00")
    referral = draft(bureau_inspector, case=case, workers=None, amount_owed=None)
    assert referral.case == case
    assert referral.employer_name == case.employer.name
    assert referral.employer_credit_code == case.employer.credit_code
    assert (referral.workers, referral.amount_owed) == (3, Decimal("9000.00"))


def test_a_case_the_author_cannot_see_cannot_be_linked(bureau_inspector, arbitration_case):
    with pytest.raises(ApplicationError, match="cannot see this case"):
        draft(bureau_inspector, case=arbitration_case)
    assert not Referral.objects.exists()


@pytest.mark.parametrize("who", ["bureau_leader", "outsider"])
def test_people_without_a_working_role_cannot_draft(request, who):
    with pytest.raises(ApplicationError, match="working role"):
        referral_create(actor=request.getfixturevalue(who), data=referral_data())
    assert not Referral.objects.exists()


def test_any_working_colleague_of_the_sender_edits_a_draft(clue, bureau_mediator):
    data = referral_data("procuratorate", summary="补充后的案情。")
    referral_update(actor=bureau_mediator, referral=clue, expected_version=1, data=data)
    clue.refresh_from_db()
    assert (clue.summary, clue.version) == ("补充后的案情。", 2)
    assert audit_history(clue).first().action == "referral.update"


def test_editing_from_a_stale_page_is_refused(clue, bureau_inspector):
    referral_update(actor=bureau_inspector, referral=clue, expected_version=1, data=referral_data())
    with pytest.raises(ApplicationError, match="changed meanwhile"):
        referral_update(
            actor=bureau_inspector,
            referral=clue,
            expected_version=1,
            data=referral_data(summary="另一页面上的修改"),
        )
    clue.refresh_from_db()
    assert clue.summary != "另一页面上的修改"


def test_the_receiver_cannot_edit_a_referral(clue, procuratorate_liaison, procuratorate_admin):
    clue = drive(clue, S.SUPPLEMENT_REQUESTED, receiver_staff=procuratorate_liaison)
    with pytest.raises(ApplicationError, match="Only staff of the sending agency"):
        referral_update(
            actor=procuratorate_admin,
            referral=clue,
            expected_version=clue.version,
            data=referral_data(),
        )


def test_a_referral_sent_back_for_material_keeps_its_receiver_and_type(
    clue, bureau_inspector, procuratorate_liaison
):
    clue = drive(clue, S.SUPPLEMENT_REQUESTED, receiver_staff=procuratorate_liaison)
    referral_update(
        actor=bureau_inspector,
        referral=clue,
        expected_version=clue.version,
        data=referral_data("procuratorate", summary="已补充工资表。"),
    )
    clue.refresh_from_db()
    with pytest.raises(ApplicationError, match="cannot change once the referral was sent"):
        referral_update(
            actor=bureau_inspector,
            referral=clue,
            expected_version=clue.version,
            data=referral_data("procuratorate", kind=ReferralKind.WAGE_REFUSAL_CRIME),
        )
    assert clue.summary == "已补充工资表。"


def test_a_sent_referral_cannot_be_edited(clue, bureau_inspector):
    clue = move(clue, "send", bureau_inspector)
    with pytest.raises(ApplicationError, match="only be changed while it is a draft"):
        referral_update(
            actor=bureau_inspector,
            referral=clue,
            expected_version=clue.version,
            data=referral_data(),
        )


# --- attachments ---------------------------------------------------------------------------------


def test_the_sender_attaches_files_to_a_draft(clue, bureau_mediator):
    attachment = services.referral_attachment_add(
        actor=bureau_mediator, referral=clue, upload=png(), description="工资表"
    )
    assert (attachment.content_type, attachment.feedback) == ("image/png", None)
    assert attachment.file.name.endswith(".png")
    assert audit_history(clue).first().action == "referral.attachment_add"


def test_a_file_that_is_not_what_it_claims_is_refused(clue, bureau_inspector):
    with pytest.raises(ApplicationError, match="Only PDF documents") as error:
        services.referral_attachment_add(actor=bureau_inspector, referral=clue, upload=fake_pdf())
    assert error.value.field == "file"
    assert not ReferralAttachment.objects.exists()


def test_a_too_large_file_is_refused(clue, bureau_inspector, settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ApplicationError, match="too large"):
        services.referral_attachment_add(actor=bureau_inspector, referral=clue, upload=png())
    assert not ReferralAttachment.objects.exists()


def test_files_cannot_be_added_once_sent_or_by_the_receiver(
    clue, bureau_inspector, procuratorate_liaison
):
    clue = move(clue, "send", bureau_inspector)
    for actor in (bureau_inspector, procuratorate_liaison):
        with pytest.raises(ApplicationError, match="Files can be added"):
            services.referral_attachment_add(actor=actor, referral=clue, upload=png())
    assert not ReferralAttachment.objects.exists()


# --- what each move does besides its status --------------------------------------------------------


def test_sending_numbers_the_referral_in_the_senders_series(
    bureau_inspector, arbitrator, procuratorate_liaison
):
    first = move(draft(bureau_inspector, "procuratorate"), "send", bureau_inspector)
    second = move(draft(bureau_inspector, "arbitration"), "send", bureau_inspector)
    other = move(draft(arbitrator, "procuratorate"), "send", arbitrator)
    third = move(draft(procuratorate_liaison, "bureau"), "send", procuratorate_liaison)
    assert first.number == f"海人社移〔{year()}〕1号"
    assert second.number == f"海人社移〔{year()}〕2号"
    assert other.number == f"穗海劳人仲移〔{year()}〕1号"
    assert third.number == f"穗海检移〔{year()}〕1号"
    assert first.sent_at is not None


def test_a_draft_takes_no_number_and_a_refused_send_returns_none(clue, bureau_mediator):
    with pytest.raises(ApplicationError):
        services.referral_send(actor=bureau_mediator, referral=clue, expected_version=1)
    assert not NumberSequence.objects.filter(series="referral").exclude(last=0).exists()


def test_an_agencys_own_number_format_is_used(clue, bureau_inspector):
    bureau = agency("bureau")
    bureau.referral_number_format = "海人社函〔{year}〕第{seq}号"
    bureau.save()
    clue.refresh_from_db()
    assert move(clue, "send", bureau_inspector).number == f"海人社函〔{year()}〕第1号"


def test_sending_starts_the_acknowledgement_clock_in_working_days(clue, bureau_inspector):
    clue = move(clue, "send", bureau_inspector)
    deadline = deadlines_of(clue).get()
    assert deadline.policy.key == ACKNOWLEDGE_POLICY
    expected = deadline_for(ACKNOWLEDGE_POLICY, clue.sent_at)
    assert deadline.due_on == expected.date
    assert deadline.due_on > timezone.localdate()


def test_acknowledging_meets_the_acknowledgement_deadline(
    clue, bureau_inspector, procuratorate_liaison
):
    clue = drive(clue, S.ACKNOWLEDGED, receiver_staff=procuratorate_liaison)
    assert deadlines_of(clue).get(policy__key=ACKNOWLEDGE_POLICY).met_at is not None


def test_accepting_starts_the_thirty_day_feedback_clock(
    clue, procuratorate_liaison, procuratorate_admin
):
    clue = drive(
        clue, S.ACCEPTED, receiver_staff=procuratorate_liaison, receiver_admin=procuratorate_admin
    )
    deadline = deadlines_of(clue).get(policy__key=FEEDBACK_POLICY)
    assert deadline.met_at is None
    assert deadline.due_on >= timezone.localdate() + datetime.timedelta(days=30)


def test_a_supplement_request_starts_the_senders_clock_and_resending_restarts_acknowledgement(
    clue, bureau_inspector, procuratorate_liaison
):
    clue = drive(clue, S.SUPPLEMENT_REQUESTED, receiver_staff=procuratorate_liaison)
    assert clue.supplement_request == "理由"
    assert deadlines_of(clue).get(policy__key=SUPPLEMENT_POLICY).met_at is None
    number = clue.number
    clue = move(clue, "resend", bureau_inspector)
    assert clue.number == number
    assert deadlines_of(clue).get(policy__key=SUPPLEMENT_POLICY).met_at is not None
    acknowledgements = deadlines_of(clue).filter(policy__key=ACKNOWLEDGE_POLICY)
    assert acknowledgements.count() == 2
    assert acknowledgements.filter(met_at__isnull=True).count() == 1


def test_returning_needs_a_reason(clue, procuratorate_liaison, procuratorate_admin):
    clue = drive(clue, S.ACKNOWLEDGED, receiver_staff=procuratorate_liaison)
    before = snapshot(clue)
    with pytest.raises(ApplicationError, match="reason for returning") as error:
        services.referral_return(
            actor=procuratorate_admin, referral=clue, expected_version=clue.version, reason="  "
        )
    assert error.value.field == "reason"
    assert snapshot(clue) == before


def test_a_returned_referral_keeps_its_reason_and_stops_its_clocks(
    clue, procuratorate_liaison, procuratorate_admin
):
    clue = drive(clue, S.ACKNOWLEDGED, receiver_staff=procuratorate_liaison)
    clue = move(clue, "return", procuratorate_admin, reason="不属于本院管辖。")
    assert clue.return_reason == "不属于本院管辖。"
    assert not deadlines_of(clue).filter(met_at__isnull=True).exists()
    assert audit_history(clue).first().note == "不属于本院管辖。"


def test_feedback_is_structured_with_files_and_meets_the_feedback_deadline(
    clue, procuratorate_liaison, procuratorate_admin
):
    clue = drive(
        clue, S.ACCEPTED, receiver_staff=procuratorate_liaison, receiver_admin=procuratorate_admin
    )
    feedback = services.referral_give_feedback(
        actor=procuratorate_liaison,
        referral=clue,
        expected_version=clue.version,
        outcome=FeedbackOutcome.TRANSFERRED_TO_POLICE,
        text="已移送公安机关立案侦查。",
        uploads=[png("立案决定书.png")],
    )
    assert feedback.outcome == FeedbackOutcome.TRANSFERRED_TO_POLICE
    assert feedback.agency == agency("procuratorate")
    assert [a.original_name for a in feedback.attachments.all()] == ["立案决定书.png"]
    assert deadlines_of(clue).get(policy__key=FEEDBACK_POLICY).met_at is not None


@pytest.mark.parametrize(
    ("outcome", "text", "uploads", "message"),
    [
        ("", "文字", [], "Choose the outcome"),
        ("arrested", "文字", [], "Choose the outcome"),
        (FeedbackOutcome.OTHER, " ", [], "Describe what was done"),
        (FeedbackOutcome.OTHER, "文字", ["bad"], "Only PDF documents"),
    ],
)
def test_bad_feedback_is_refused_and_stores_nothing(
    clue, procuratorate_liaison, procuratorate_admin, outcome, text, uploads, message
):
    clue = drive(
        clue, S.ACCEPTED, receiver_staff=procuratorate_liaison, receiver_admin=procuratorate_admin
    )
    before = snapshot(clue)
    files = [png("good.png"), fake_pdf()] if uploads else []
    with pytest.raises(ApplicationError, match=message):
        services.referral_give_feedback(
            actor=procuratorate_liaison,
            referral=clue,
            expected_version=clue.version,
            outcome=outcome,
            text=text,
            uploads=files,
        )
    assert snapshot(clue) == before
    assert not ReferralAttachment.objects.exists()


def test_asking_for_more_feedback_sends_it_back_to_the_receiver_with_a_ten_day_clock(
    clue, bureau_inspector, procuratorate_liaison, procuratorate_admin
):
    clue = drive(
        clue,
        S.FEEDBACK_GIVEN,
        receiver_staff=procuratorate_liaison,
        receiver_admin=procuratorate_admin,
    )
    clue = move(clue, "request_more", bureau_inspector, reason="请说明处理结果。")
    assert clue.status == S.ACCEPTED
    deadline = deadlines_of(clue).get(policy__key=SUPPLEMENT_POLICY)
    assert deadline.met_at is None
    clue = move(clue, "give_feedback", procuratorate_liaison, text="补充反馈。")
    assert clue.status == S.FEEDBACK_GIVEN
    assert clue.feedback.count() == 2
    assert deadlines_of(clue).get(policy__key=SUPPLEMENT_POLICY).met_at is not None


def test_an_admin_of_the_sender_reopens_a_closed_referral_and_the_feedback_clock_restarts(
    clue, bureau_admin, procuratorate_liaison, procuratorate_admin
):
    clue = drive(
        clue, S.CLOSED, receiver_staff=procuratorate_liaison, receiver_admin=procuratorate_admin
    )
    with pytest.raises(ApplicationError, match="reason for reopening"):
        services.referral_reopen(
            actor=bureau_admin, referral=clue, expected_version=clue.version, reason=""
        )
    clue = move(clue, "reopen", bureau_admin, reason="发现新的线索。")
    assert clue.status == S.ACCEPTED
    feedback_clocks = deadlines_of(clue).filter(policy__key=FEEDBACK_POLICY)
    assert feedback_clocks.count() == 2
    assert feedback_clocks.filter(met_at__isnull=True).count() == 1
    assert audit_history(clue).first().note == "发现新的线索。"


def test_the_author_who_left_the_agency_can_no_longer_send(clue, bureau_inspector, bureau_admin):
    from portal.core.people import membership_end

    membership_end(actor=None, user=bureau_inspector)
    inspector = User.objects.get(pk=bureau_inspector.pk)
    with pytest.raises(ApplicationError, match="Only the author or an administrator"):
        services.referral_send(actor=inspector, referral=clue, expected_version=1)
    assert move(clue, "send", bureau_admin).status == S.SENT


def test_an_external_referral_is_recorded_with_a_number_and_its_outcome(
    bureau_inspector, bureau_mediator
):
    referral = draft(bureau_inspector, "police")
    assert referral.is_external
    with pytest.raises(ApplicationError, match="cannot be done while"):
        services.referral_send(actor=bureau_inspector, referral=referral, expected_version=1)
    referral = move(referral, "record", bureau_inspector)
    assert referral.number == f"海人社移〔{year()}〕1号"
    assert not deadlines_of(referral).exists()
    feedback = services.referral_record_outcome(
        actor=bureau_mediator,
        referral=referral,
        expected_version=referral.version,
        outcome=FeedbackOutcome.CASE_OPENED,
        text="公安机关已立案侦查。",
    )
    assert feedback.agency == agency("police")
    assert feedback.given_by == bureau_mediator


def test_the_referral_letter_exists_once_sent_and_the_feedback_letter_once_answered(
    clue, bureau_inspector, procuratorate_liaison, procuratorate_admin
):
    with pytest.raises(ApplicationError, match="once the referral is sent"):
        services.referral_letter_request(
            actor=bureau_inspector, referral=clue, kind=services.LETTER
        )
    clue = drive(
        clue, S.ACCEPTED, receiver_staff=procuratorate_liaison, receiver_admin=procuratorate_admin
    )
    letter = services.referral_letter_request(
        actor=bureau_inspector, referral=clue, kind=services.LETTER
    )
    assert letter.title == f"Referral letter {clue.number}"
    with pytest.raises(ApplicationError, match="once feedback was given"):
        services.referral_letter_request(
            actor=bureau_inspector, referral=clue, kind=services.FEEDBACK_LETTER
        )
