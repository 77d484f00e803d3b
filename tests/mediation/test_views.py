"""Mediation pages: the list (what each user may see, a fixed query count), the detail page
with its buttons, and the moves by POST."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.cases.models import CaseStatus
from portal.mediation.models import Mediation, MediationStatus, SessionStatus
from portal.mediation.services import mediation_open, mediation_session_schedule

from ..factories import make_case
from ..helpers import refusals, refused_in_place

pytestmark = pytest.mark.django_db


def url(name: str, mediation_or_case: object) -> str:
    pk = getattr(mediation_or_case, "case_id", None) or mediation_or_case.pk  # type: ignore[attr-defined]
    return reverse(f"mediation:{name}", kwargs={"pk": pk})


def version(mediation: Mediation) -> int:
    return Mediation.objects.get(pk=mediation.pk).version


def test_the_list_shows_the_committees_mediations_to_its_staff_and_not_to_the_procuratorate(
    client, mediation, arbitration_mediator, procuratorate_liaison
):
    client.force_login(arbitration_mediator)
    response = client.get(reverse("mediation:list"))
    assert [m.pk for m in response.context["page"].object_list] == [mediation.pk]
    client.force_login(procuratorate_liaison)
    response = client.get(reverse("mediation:list"))
    assert list(response.context["page"].object_list) == []


def test_the_list_takes_a_fixed_number_of_queries(
    client, arbitrator, arbitration_mediator, django_assert_max_num_queries
):
    from portal.cases.services.intake import case_route_to_mediation

    for _ in range(3):
        case = make_case(agency_code="arbitration", actor=arbitrator)
        case_route_to_mediation(actor=arbitrator, case=case, claimant_consented=True)
        mediation_open(actor=arbitrator, case=case)
    client.force_login(arbitration_mediator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("mediation:list"))
    assert len(response.context["page"].object_list) == 3


def test_the_special_mediator_sees_only_the_mediation_assigned_to_them(
    client, mediation, arbitration_admin, bureau_mediator, special_appointment, arbitrator
):
    from portal.cases.services.intake import case_route_to_mediation
    from portal.mediation.services import mediation_assign

    other = make_case(agency_code="arbitration", actor=arbitrator)
    case_route_to_mediation(actor=arbitrator, case=other, claimant_consented=True)
    mediation_open(actor=arbitrator, case=other)
    client.force_login(bureau_mediator)
    assert client.get(url("case", mediation)).status_code == 404
    mediation_assign(actor=arbitration_admin, mediation=mediation, mediator=bureau_mediator)
    response = client.get(reverse("mediation:list"))
    assert [m.pk for m in response.context["page"].object_list] == [mediation.pk]
    assert client.get(url("case", mediation)).status_code == 200
    assert client.get(reverse("mediation:case", kwargs={"pk": other.pk})).status_code == 404


def test_a_mediator_opens_a_mediation_from_the_case_page(client, routed_case, arbitration_mediator):
    client.force_login(arbitration_mediator)
    page = client.get(url("case", routed_case))
    assert "open" in page.context["forms"]
    response = client.post(url("open", routed_case), follow=True)
    assert not refusals(response)
    mediation = Mediation.objects.get(case=routed_case)
    assert mediation.status == MediationStatus.UNASSIGNED
    routed_case.refresh_from_db()
    assert routed_case.status == CaseStatus.MEDIATING


def test_opening_a_filed_case_is_refused_with_a_message(client, arbitration_case, arbitrator):
    client.force_login(arbitrator)
    response = client.post(url("open", arbitration_case), follow=True)
    assert refusals(response)
    assert not Mediation.objects.exists()


def test_the_admin_assigns_from_the_page_and_the_mediator_runs_a_session(
    client, mediation, arbitration_admin, arbitration_mediator
):
    client.force_login(arbitration_admin)
    page = client.get(url("case", mediation))
    assert arbitration_mediator in page.context["forms"]["assign"].fields["mediator"].queryset
    response = client.post(
        url("assign", mediation),
        {"mediator": arbitration_mediator.pk, "version": version(mediation)},
        follow=True,
    )
    assert not refusals(response)
    client.force_login(arbitration_mediator)
    page = client.get(url("case", mediation))
    assert "session" in page.context["forms"]
    when = timezone.localtime() + datetime.timedelta(days=1)
    response = client.post(
        url("session-schedule", mediation),
        {"scheduled_for": when.strftime("%Y-%m-%dT%H:%M"), "place": "调解室一"},
        follow=True,
    )
    assert not refusals(response)
    session = mediation.sessions.get()
    response = client.post(
        url("session-record", mediation),
        {"session": session.pk, "attendees": "双方", "summary": "达成初步意向", "proposals": ""},
        follow=True,
    )
    assert not refusals(response)
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD
    assert "达成初步意向" in response.content.decode()


def test_recording_a_session_of_another_mediation_is_refused(
    client, mediating, arbitration_mediator, arbitrator
):
    from portal.cases.services.intake import case_route_to_mediation
    from portal.mediation.services import mediation_assign

    other_case = make_case(agency_code="arbitration", actor=arbitrator)
    case_route_to_mediation(actor=arbitrator, case=other_case, claimant_consented=True)
    other = mediation_open(actor=arbitrator, case=other_case)
    admin = mediating.agency.group.user_set.filter(username="arb.admin").get()
    mediation_assign(actor=admin, mediation=other, mediator=arbitration_mediator)
    session = mediation_session_schedule(
        actor=arbitration_mediator,
        mediation=other,
        scheduled_for=timezone.now() + datetime.timedelta(days=1),
        place="调解室二",
    )
    client.force_login(arbitration_mediator)
    response = client.post(
        url("session-record", mediating),
        {"session": session.pk, "attendees": "a", "summary": "b"},
        follow=True,
    )
    assert refusals(response)
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_the_mediator_records_an_extension_from_the_page(client, mediating, arbitration_mediator):
    client.force_login(arbitration_mediator)
    response = client.post(
        url("extend", mediating), {"days": 5, "agreement": "双方同意"}, follow=True
    )
    assert not refusals(response)
    assert mediating.extensions.count() == 1


def test_a_leader_reads_the_page_without_buttons(client, mediating, bureau_leader, arbitrator):
    # the leader is of the bureau: an arbitration case is not theirs to see
    client.force_login(bureau_leader)
    assert client.get(url("case", mediating)).status_code == 404
    client.force_login(arbitrator)
    page = client.get(url("case", mediating))
    assert page.status_code == 200
    assert "assign" not in page.context["forms"]
    assert "session" not in page.context["forms"]


def test_the_mediator_drafts_reaches_an_agreement_and_the_pdf_is_offered(
    client, mediating, arbitration_mediator
):
    client.force_login(arbitration_mediator)
    today = timezone.localdate()
    lines = "\n".join(f"{today + datetime.timedelta(days=30 * n):%Y-%m-%d} 2500.00" for n in (1, 2))
    response = client.post(
        url("agreement-draft", mediating),
        {"total_amount": "5000.00", "payment_method": "bank_transfer", "instalments": lines},
        follow=True,
    )
    assert not refusals(response)
    page = client.get(url("case", mediating))
    assert "2500.00" in page.context["forms"]["agreement"].initial["instalments"]
    response = client.post(url("agree", mediating), {"version": version(mediating)}, follow=True)
    assert not refusals(response)
    mediating.refresh_from_db()
    assert mediating.status == MediationStatus.AGREED
    assert response.context["agreement"].document is not None


def test_a_malformed_instalment_line_is_refused_with_a_message(
    client, mediating, arbitration_mediator
):
    client.force_login(arbitration_mediator)
    response = client.post(
        url("agreement-draft", mediating),
        {"total_amount": "5000.00", "payment_method": "cash", "instalments": "next week 5000"},
        follow=True,
    )
    assert refusals(response)
    assert not hasattr(Mediation.objects.get(pk=mediating.pk), "agreement")


def test_the_mediator_records_failure_and_the_case_returns_to_intake(
    client, mediating, arbitration_mediator
):
    client.force_login(arbitration_mediator)
    response = client.post(
        url("fail", mediating),
        {"reason": "被申请人不同意", "version": version(mediating)},
        follow=True,
    )
    assert not refusals(response)
    mediating.case.refresh_from_db()
    assert mediating.case.status == CaseStatus.FILED
    assert "fail" not in response.context["forms"]


def test_the_claimant_reads_every_running_stage_in_plain_words(
    mediation, arbitration_admin, arbitration_mediator
):
    from portal.mediation.selectors import claimant_mediation
    from portal.mediation.services import mediation_assign, mediation_fail

    stages = [claimant_mediation(mediation.case).stage]
    mediation_assign(actor=arbitration_admin, mediation=mediation, mediator=arbitration_mediator)
    mediation_session_schedule(
        actor=arbitration_mediator,
        mediation=mediation,
        scheduled_for=timezone.now() + datetime.timedelta(days=1),
        place="调解室一",
    )
    running = claimant_mediation(mediation.case)
    assert running.next_session is not None and running.next_session.place == "调解室一"
    stages.append(running.stage)
    mediation_fail(actor=arbitration_mediator, mediation=mediation, reason="未达成一致")
    stages.append(claimant_mediation(mediation.case).stage)
    assert stages == [
        "调解：等待指派调解员",
        "调解：进行中",
        "调解：未达成协议",
    ]


def test_a_refused_agreement_keeps_everything_typed_and_names_the_field(
    client, mediating, arbitration_mediator
):
    client.force_login(arbitration_mediator)
    response = client.post(
        url("agreement-draft", mediating),
        {
            "total_amount": "5000.00",
            "payment_method": "cash",
            "payment_details": "在调解室当面交付",
            "instalments": "next week 5000",
            "clauses": "双方再无其他争议",
        },
    )
    refused_in_place(
        response,
        typed=["5000.00", "在调解室当面交付", "next week 5000", "双方再无其他争议"],
        field_id="agreement-instalments",
    )
    assert '<option value="cash" selected>' in response.content.decode()


def test_the_mediation_page_shows_the_parties_and_the_claims(
    client, mediating, arbitration_mediator
):
    client.force_login(arbitration_mediator)
    page = client.get(url("case", mediating)).content.decode()
    parties = page.split('data-testid="parties"')[1].split("</section>")[0]
    case = mediating.case
    for expected in (
        case.employer.name,
        *[claimant.name for claimant in case.claimants.all()],
        *[claim.get_kind_display() for claim in case.claims.all()],
    ):
        assert str(expected) in parties
