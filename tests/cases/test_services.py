"""Case services: registration, the audited reveal, assignment and co-handling."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from guardian.shortcuts import get_perms

from portal.cases.models import Case, CaseAssignment, CaseStatus, Claimant, ClaimKind, Employer
from portal.cases.permissions import CasePerm, access_case
from portal.cases.services import (
    ACCEPTANCE_POLICY,
    ClaimantData,
    ClaimData,
    case_assign,
    case_co_handling_end,
    case_co_handling_start,
    case_create,
    case_reveal_personal_info,
)
from portal.core.deadlines import deadline_for
from portal.core.errors import ApplicationError
from portal.core.models import (
    AppointmentKind,
    AuditEvent,
    Deadline,
    Notification,
    NumberSequence,
    Role,
    User,
)
from portal.core.people import appointment_create, appointment_end
from portal.core.permissions import agency_group

from ..factories import agency, case_data, make_case, member, valid_resident_id

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def appoint(user: User, *, by: str, start: int = -1, end: int = 30):
    today = timezone.localdate()
    return appointment_create(
        actor=None,
        user=user,
        appointing_agency=agency(by),
        kind=AppointmentKind.SPECIAL_MEDIATOR,
        valid_from=today + datetime.timedelta(days=start),
        valid_until=today + datetime.timedelta(days=end),
    )


def year() -> int:
    return timezone.localdate().year


def sequence_last(agency_code: str) -> int:
    sequence = NumberSequence.objects.filter(
        agency=agency(agency_code), series="case", year=year()
    ).first()
    return sequence.last if sequence else 0


# --- case_create -------------------------------------------------------------------------------


def test_staff_can_register_a_case_numbered_by_the_agencys_format(arbitrator):
    case = make_case(agency_code="arbitration", actor=arbitrator)
    assert case.number == f"穗海劳人仲案字〔{year()}〕第1号"
    assert case.status == CaseStatus.FILED
    assert case.agency == agency("arbitration")
    assert case.created_by == arbitrator
    assert case.claimants.get().is_representative


def test_case_numbers_follow_each_other_without_gaps(arbitrator, bureau_inspector):
    numbers = [make_case(agency_code="arbitration", actor=arbitrator).number for _ in range(3)]
    assert numbers == [f"穗海劳人仲案字〔{year()}〕第{n}号" for n in (1, 2, 3)]
    # Each agency counts its own series.
    assert make_case(agency_code="bureau", actor=bureau_inspector).number == (
        f"海人社监案〔{year()}〕1号"
    )


def test_a_collective_case_has_exactly_one_representative(arbitrator):
    case = make_case(agency_code="arbitration", actor=arbitrator, claimants=3)
    assert case.is_collective
    assert case.claimants.filter(is_representative=True).count() == 1
    assert case.claimants.count() == 3


@pytest.mark.parametrize(
    ("workers", "representatives", "message"),
    [
        (3, 0, "at least one representative"),
        (3, 2, "up to five representatives"),
        (10, 6, "up to five representatives"),
    ],
)
def test_a_collective_case_with_too_few_or_too_many_representatives_is_refused(
    arbitrator, workers, representatives, message
):
    data = case_data(claimants=workers)
    for i, claimant in enumerate(data.claimants):
        claimant.is_representative = i < representatives
    with pytest.raises(ApplicationError, match=message) as error:
        case_create(actor=arbitrator, agency=agency("arbitration"), data=data)
    assert error.value.field == "claimants"
    assert not Case.objects.exists()


def test_a_collective_dispute_of_ten_may_choose_five_representatives(arbitrator):
    data = case_data(claimants=10)
    for i, claimant in enumerate(data.claimants):
        claimant.is_representative = i < 5
    case = case_create(actor=arbitrator, agency=agency("arbitration"), data=data)
    assert case.claimants.filter(is_representative=True).count() == 5


def test_a_claim_may_name_its_worker_and_the_rest_stay_the_whole_filings(arbitrator):
    data = case_data(claimants=2)
    data.claims = [
        ClaimData(kind=ClaimKind.UNPAID_WAGES, amount=Decimal("3000"), worker=0),
        ClaimData(kind=ClaimKind.UNPAID_WAGES, amount=Decimal("4500"), worker=1),
        ClaimData(kind=ClaimKind.OTHER, amount=Decimal("100"), description="路费"),
    ]
    case = case_create(actor=arbitrator, agency=agency("arbitration"), data=data)
    first, second = case.claimants.order_by("id")
    assert [c.claimant for c in case.claims.order_by("id")] == [first, second, None]
    assert case.total_claimed == Decimal("7600")


def test_a_claim_naming_a_worker_not_listed_is_refused_and_saves_nothing(arbitrator):
    data = case_data(claimants=2)
    data.claims = [ClaimData(kind=ClaimKind.UNPAID_WAGES, amount=Decimal("3000"), worker=2)]
    with pytest.raises(ApplicationError, match="not listed") as error:
        case_create(actor=arbitrator, agency=agency("arbitration"), data=data)
    assert error.value.field == "claims"
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "440105198503122420", "not a valid resident ID number"),
        ("phone", "12345", "11-digit mobile number"),
    ],
)
def test_an_invalid_claimant_number_is_refused_naming_the_claimant_and_saves_nothing(
    arbitrator, field, value, message
):
    data = case_data(claimants=2)
    setattr(data.claimants[1], field, value)
    with pytest.raises(ApplicationError) as error:
        case_create(actor=arbitrator, agency=agency("arbitration"), data=data)
    assert error.value.message.startswith("申请人2: ")
    assert message in error.value.message
    assert error.value.field == "claimants"
    assert not Case.objects.exists()
    assert not Employer.objects.exists()
    assert not Claimant.objects.exists()
    assert sequence_last("arbitration") == 0


def test_an_invalid_credit_code_is_refused_naming_the_employer_and_saves_nothing(arbitrator):
    data = case_data(credit_code="91440105MA5CXXXXX1")
    with pytest.raises(ApplicationError) as error:
        case_create(actor=arbitrator, agency=agency("arbitration"), data=data)
    assert error.value.message.startswith(f"{data.employer.name}: ")
    assert "not a valid unified social credit code" in error.value.message
    assert error.value.field == "credit_code"
    assert not Case.objects.exists()
    assert not Employer.objects.exists()
    assert sequence_last("arbitration") == 0


def test_a_claim_without_an_amount_returns_its_number(arbitrator):
    make_case(agency_code="arbitration", actor=arbitrator)
    with pytest.raises(ApplicationError, match="amount above zero"):
        make_case(agency_code="arbitration", actor=arbitrator, amount="0")
    assert sequence_last("arbitration") == 1
    assert Case.objects.count() == 1
    assert make_case(agency_code="arbitration", actor=arbitrator).number.endswith("第2号")


def test_the_same_employer_is_found_by_its_credit_code(arbitrator):
    first = make_case(agency_code="arbitration", actor=arbitrator)
    second = make_case(
        agency_code="arbitration", actor=arbitrator, credit_code=first.employer.credit_code
    )
    assert second.employer == first.employer
    assert Employer.objects.count() == 1


def test_the_owning_agencys_group_can_view_and_change_the_case(arbitration_case):
    perms = set(get_perms(agency_group(agency("arbitration")), arbitration_case))
    assert perms == {"view_case", "change_case"}
    assert get_perms(agency_group(agency("bureau")), arbitration_case) == []


def test_registering_a_case_starts_the_acceptance_deadline(arbitration_case):
    deadline = Deadline.objects.get(object_id=arbitration_case.pk)
    started = timezone.localtime(arbitration_case.filed_at).date()
    assert deadline.policy.key == ACCEPTANCE_POLICY
    assert deadline.started_on == started
    assert deadline.due_on == deadline_for(ACCEPTANCE_POLICY, started).date
    assert deadline.met_at is None


def test_registering_a_case_is_audited(arbitrator):
    case = make_case(agency_code="arbitration", actor=arbitrator)
    event = AuditEvent.objects.get(action="case.create")
    assert event.object_id == str(case.pk)
    assert event.actor == arbitrator
    assert event.agency == agency("arbitration")
    assert (event.status_before, event.status_after) == ("", CaseStatus.FILED)


def test_the_agency_admins_are_notified_of_a_new_case_after_commit(
    django_capture_on_commit_callbacks, mailoutbox, arbitrator, arbitration_admin, bureau_admin
):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(agency_code="arbitration", actor=arbitrator)
        assert not Notification.objects.exists()  # nothing before the commit
    notification = Notification.objects.get()
    assert notification.recipient == arbitration_admin
    assert case.number in notification.title
    assert notification.url == f"/cases/{case.pk}/"
    assert [mail.to for mail in mailoutbox] == [[arbitration_admin.email]]


def test_staff_of_another_agency_cannot_register_its_cases(bureau_inspector):
    with pytest.raises(ApplicationError, match="Only staff of the agency"):
        make_case(agency_code="arbitration", actor=bureau_inspector)
    assert not Case.objects.exists()


def test_a_leader_cannot_register_a_case(bureau_leader):
    with pytest.raises(ApplicationError, match="Only staff of the agency"):
        make_case(agency_code="bureau", actor=bureau_leader)


def test_an_external_agency_cannot_own_a_case():
    with pytest.raises(ApplicationError, match="portal agency"):
        make_case(agency_code="court", actor=None)


# --- case_reveal_personal_info ------------------------------------------------------------------


def test_working_staff_can_reveal_whole_numbers_and_it_is_audited(arbitration_case, arbitrator):
    claimants = case_reveal_personal_info(actor=arbitrator, case=arbitration_case)
    stored = Claimant.objects.get(case=arbitration_case)
    assert [(c.id_number, c.phone) for c in claimants] == [(stored.id_number, stored.phone)]
    event = AuditEvent.objects.get(action="case.reveal_personal_info")
    assert event.actor == arbitrator
    assert event.agency == agency("arbitration")
    assert event.object_id == str(arbitration_case.pk)
    assert event.note == stored.name


def test_a_leader_cannot_reveal_whole_numbers(bureau_case, bureau_leader):
    assert access_case(bureau_leader, bureau_case.pk) == bureau_case
    with pytest.raises(ApplicationError, match="Only staff who work this case"):
        case_reveal_personal_info(actor=bureau_leader, case=bureau_case)
    assert not AuditEvent.objects.filter(action="case.reveal_personal_info").exists()


def test_staff_of_another_agency_cannot_reveal_whole_numbers(arbitration_case, bureau_inspector):
    with pytest.raises(ApplicationError):
        case_reveal_personal_info(actor=bureau_inspector, case=arbitration_case)


def test_the_reveal_view_records_who_from_where_and_which_request(
    client, arbitration_case, arbitrator
):
    client.force_login(arbitrator)
    response = client.post(
        reverse("cases:reveal", args=[arbitration_case.pk]),
        REMOTE_ADDR="10.20.30.40",
        HTTP_X_REQUEST_ID="reveal-req-0001",
    )
    assert response.status_code == 200
    claimant = arbitration_case.claimants.get()
    assert claimant.id_number in response.content.decode()
    event = AuditEvent.objects.get(action="case.reveal_personal_info")
    assert event.actor == arbitrator
    assert event.agency == agency("arbitration")
    assert event.request_id == "reveal-req-0001"
    assert event.ip_address == "10.20.30.40"


def test_the_reveal_view_refuses_a_leader_with_a_message(client, bureau_case, bureau_leader):
    client.force_login(bureau_leader)
    response = client.post(reverse("cases:reveal", args=[bureau_case.pk]), follow=True)
    claimant = bureau_case.claimants.get()
    assert claimant.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(action="case.reveal_personal_info").exists()


# --- case_assign ---------------------------------------------------------------------------------


def test_an_admin_assigns_own_staff_and_they_are_told_after_commit(
    django_capture_on_commit_callbacks, arbitration_case, arbitration_admin, arbitration_mediator
):
    with django_capture_on_commit_callbacks(execute=True):
        assignment = case_assign(
            actor=arbitration_admin, case=arbitration_case, assignee=arbitration_mediator
        )
    assert assignment.appointment is None
    notification = Notification.objects.get(recipient=arbitration_mediator)
    assert arbitration_case.number in notification.title
    event = AuditEvent.objects.get(action="case.assign")
    assert (event.actor, event.note) == (arbitration_admin, "arb.mediator")


def test_own_staff_without_a_working_role_cannot_be_assigned(arbitration_case, arbitration_admin):
    leader = member("arb.leader", "arbitration", Role.LEADER)
    with pytest.raises(ApplicationError, match="no working role") as error:
        case_assign(actor=arbitration_admin, case=arbitration_case, assignee=leader)
    assert error.value.field == "assignee"
    assert not CaseAssignment.objects.exists()


def test_another_agencys_member_without_an_appointment_is_refused(
    arbitration_case, arbitration_admin, bureau_mediator
):
    with pytest.raises(ApplicationError) as error:
        case_assign(actor=arbitration_admin, case=arbitration_case, assignee=bureau_mediator)
    assert error.value.message == "This person has no valid appointment from 海珠区仲裁委 today."
    assert error.value.field == "assignee"


@pytest.mark.parametrize(
    ("by", "start", "end", "ended"),
    [
        ("procuratorate", -1, 30, False),  # appointed by the wrong agency
        ("arbitration", -30, -1, False),  # expired yesterday
        ("arbitration", 1, 30, False),  # starts tomorrow
        ("arbitration", -1, 30, True),  # ended early
    ],
)
def test_an_appointment_not_valid_today_from_the_owning_agency_is_refused(
    arbitration_case, arbitration_admin, bureau_mediator, by, start, end, ended
):
    appointment = appoint(bureau_mediator, by=by, start=start, end=end)
    if ended:
        appointment_end(actor=None, appointment=appointment)
    with pytest.raises(ApplicationError, match="no valid appointment"):
        case_assign(actor=arbitration_admin, case=arbitration_case, assignee=bureau_mediator)
    with pytest.raises(Http404):
        access_case(bureau_mediator, arbitration_case.pk)


def test_an_appointed_person_sees_the_assigned_case_and_no_other_of_that_agency(
    arbitration_case, arbitration_admin, arbitrator, bureau_mediator
):
    other_case = make_case(agency_code="arbitration", actor=arbitrator)
    appointment = appoint(bureau_mediator, by="arbitration")
    assignment = case_assign(
        actor=arbitration_admin, case=arbitration_case, assignee=bureau_mediator
    )
    assert assignment.appointment == appointment
    assert access_case(bureau_mediator, arbitration_case.pk, CasePerm.WORK) == arbitration_case
    with pytest.raises(Http404):
        access_case(bureau_mediator, other_case.pk)


def test_an_appointed_person_can_reveal_the_assigned_cases_numbers(
    arbitration_case, arbitration_admin, bureau_mediator
):
    appoint(bureau_mediator, by="arbitration")
    case_assign(actor=arbitration_admin, case=arbitration_case, assignee=bureau_mediator)
    assert case_reveal_personal_info(actor=bureau_mediator, case=arbitration_case)


def test_an_assigned_person_cannot_be_assigned_again(
    arbitration_case, arbitration_admin, arbitration_mediator
):
    case_assign(actor=arbitration_admin, case=arbitration_case, assignee=arbitration_mediator)
    with pytest.raises(ApplicationError, match="already assigned"):
        case_assign(actor=arbitration_admin, case=arbitration_case, assignee=arbitration_mediator)
    assert CaseAssignment.objects.count() == 1


def test_an_admin_of_another_agency_cannot_assign(arbitration_case, bureau_admin, bureau_mediator):
    with pytest.raises(ApplicationError, match="Only an administrator of the owning agency"):
        case_assign(actor=bureau_admin, case=arbitration_case, assignee=bureau_mediator)


def test_staff_without_the_admin_role_cannot_assign(
    arbitration_case, arbitrator, arbitration_mediator
):
    with pytest.raises(ApplicationError, match="Only an administrator of the owning agency"):
        case_assign(actor=arbitrator, case=arbitration_case, assignee=arbitration_mediator)
    assert not AuditEvent.objects.filter(action="case.assign").exists()


# --- co-handling ---------------------------------------------------------------------------------


def test_co_handling_lets_the_other_agency_see_and_work_the_case(
    arbitration_case, arbitration_admin, bureau_inspector
):
    case_co_handling_start(
        actor=arbitration_admin, case=arbitration_case, agency=agency("bureau"), note="工资"
    )
    assert access_case(bureau_inspector, arbitration_case.pk, CasePerm.WORK) == arbitration_case
    assert list(arbitration_case.co_handling_agencies.all()) == [agency("bureau")]
    event = AuditEvent.objects.get(action="case.co_handling_start")
    assert (event.actor, event.note) == (arbitration_admin, "bureau 工资")


def test_ending_co_handling_takes_the_case_away_from_the_other_agency(
    arbitration_case, arbitration_admin, arbitration_mediator, bureau_inspector
):
    case_co_handling_start(actor=None, case=arbitration_case, agency=agency("bureau"))
    case_co_handling_end(actor=arbitration_admin, case=arbitration_case, agency=agency("bureau"))
    with pytest.raises(Http404):
        access_case(bureau_inspector, arbitration_case.pk)
    # The owning agency keeps its access.
    assert access_case(arbitration_mediator, arbitration_case.pk) == arbitration_case
    assert AuditEvent.objects.filter(
        action="case.co_handling_end", actor=arbitration_admin
    ).exists()


def test_co_handling_started_twice_is_recorded_once(arbitration_case, arbitration_admin):
    for _ in range(2):
        case_co_handling_start(
            actor=arbitration_admin, case=arbitration_case, agency=agency("bureau")
        )
    assert AuditEvent.objects.filter(action="case.co_handling_start").count() == 1


@pytest.mark.parametrize("code", ["arbitration", "court"])
def test_a_case_is_shared_only_with_another_portal_agency(
    arbitration_case, arbitration_admin, code
):
    with pytest.raises(ApplicationError, match="another portal agency"):
        case_co_handling_start(actor=arbitration_admin, case=arbitration_case, agency=agency(code))


@pytest.mark.parametrize("actor", ["bureau_admin", "arbitrator"])
def test_only_an_admin_of_the_owning_agency_starts_or_ends_co_handling(
    request, arbitration_case, bureau_inspector, actor
):
    user = request.getfixturevalue(actor)
    with pytest.raises(ApplicationError, match="Only an administrator of the owning agency"):
        case_co_handling_start(actor=user, case=arbitration_case, agency=agency("bureau"))
    with pytest.raises(Http404):
        access_case(bureau_inspector, arbitration_case.pk)
    case_co_handling_start(actor=None, case=arbitration_case, agency=agency("bureau"))
    with pytest.raises(ApplicationError, match="Only an administrator of the owning agency"):
        case_co_handling_end(actor=user, case=arbitration_case, agency=agency("bureau"))
    assert access_case(bureau_inspector, arbitration_case.pk) == arbitration_case


def test_claim_amounts_are_stored_as_entered(arbitration_case):
    assert arbitration_case.total_claimed == Decimal("12000.00")


def test_a_claimant_id_number_is_normalised_before_it_is_stored(arbitrator):
    data = case_data()
    number = valid_resident_id(born="19850312")
    data.claimants = [
        ClaimantData(
            name="张三", id_number=f" {number[:-1]}{number[-1].lower()} ", phone="+86 138 1234 5678"
        )
    ]
    case = case_create(actor=arbitrator, agency=agency("arbitration"), data=data)
    claimant = case.claimants.get()
    assert (claimant.id_number, claimant.phone) == (number.upper(), "13812345678")
