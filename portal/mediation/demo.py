"""Demo mediations, one in every stage, made through the services (used by `seed_demo`).

Idempotent: a stage whose employer already has a case is not made again. The demo case the
committee assigned to bureau.mediator (its special mediator) is mediated by them."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal.cases.models import Case, CaseStatus, Employer
from portal.cases.services import CaseData, ClaimantData, ClaimData, EmployerData, case_create
from portal.cases.services.intake import case_route_to_mediation
from portal.core.documents import document_render
from portal.core.models import Agency, User
from portal.core.validators import complete_credit_code, complete_resident_id

from .models import Agreement, Mediation, PaymentMethod
from .services import (
    AgreementData,
    InstalmentData,
    agreement_arbitration_confirm,
    agreement_confirm_claimant,
    agreement_confirm_employer,
    agreement_court_apply,
    agreement_draft,
    employer_link_issue,
    instalment_record_payment,
    instalments_missed_sweep,
    mediation_agree,
    mediation_assign,
    mediation_fail,
    mediation_open,
    mediation_session_record,
    mediation_session_schedule,
)

# (stage, employer, credit code body, worker, ID body, phone, amount)
STAGES = [
    (
        "unassigned",
        "广州市海珠区琶洲餐饮管理有限公司",
        "91440105MA5M00021",
        "吴小红",
        "44010519920304122",
        "13902000021",
        "8600.00",
    ),
    (
        "agreed",
        "广州市海珠区江南物业服务有限公司",
        "91440105MA5M00022",
        "郑大伟",
        "44010519850711231",
        "13902000022",
        "12000.00",
    ),
    (
        "confirmed",
        "广州市海珠区赤岗装饰工程有限公司",
        "91440105MA5M00023",
        "林志明",
        "44010519900918341",
        "13902000023",
        "18000.00",
    ),
    (
        "court_applied",
        "广州市海珠区南洲服装有限公司",
        "91440105MA5M00024",
        "陈美玲",
        "44010519930102442",
        "13902000024",
        "9000.00",
    ),
    (
        "failed",
        "广州市海珠区滨江快递服务有限公司",
        "91440105MA5M00025",
        "黄国强",
        "44010519870520551",
        "13902000025",
        "6400.00",
    ),
]


def seed(users: dict[str, User]) -> int:
    """Make the missing demo mediations; how many were made."""
    made = 0
    made += _special_mediator_case(users)
    for stage, employer, code, worker, id_body, phone, amount in STAGES:
        if Employer.objects.filter(
            credit_code=complete_credit_code(code), cases__isnull=False
        ).exists():
            continue
        with transaction.atomic():
            case = case_create(
                actor=users["arb.arbitrator"],
                agency=Agency.objects.get(code=Agency.ARBITRATION),
                data=CaseData(
                    employer=EmployerData(name=employer, credit_code=complete_credit_code(code)),
                    claimants=[
                        ClaimantData(
                            name=worker,
                            id_number=complete_resident_id(id_body),
                            phone=phone,
                            is_representative=True,
                        )
                    ],
                    claims=[
                        ClaimData(
                            kind="wages",
                            amount=Decimal(amount),
                            period_start=datetime.date(2026, 5, 1),
                            period_end=datetime.date(2026, 8, 31),
                        )
                    ],
                    facts="拖欠工资，申请人同意先行调解。",
                ),
            )
            _drive(users, case, stage, Decimal(amount))
        made += 1
    return made


def _special_mediator_case(users: dict[str, User]) -> int:
    """The case assigned to the bureau's special mediator: in mediation, with sessions."""
    case = Case.objects.filter(
        assignments__user=users["bureau.mediator"], agency__code=Agency.ARBITRATION
    ).first()
    if case is None or Mediation.objects.filter(case=case).exists():
        return 0
    if case.status not in (CaseStatus.FILED, CaseStatus.MATERIAL_REQUESTED):
        return 0
    with transaction.atomic():
        case_route_to_mediation(actor=users["arb.admin"], case=case, claimant_consented=True)
        mediation = mediation_open(actor=users["arb.admin"], case=case)
        mediation_assign(
            actor=users["arb.admin"], mediation=mediation, mediator=users["bureau.mediator"]
        )
        mediator = users["bureau.mediator"]
        held = mediation_session_schedule(
            actor=mediator,
            mediation=mediation,
            scheduled_for=timezone.now() - datetime.timedelta(days=2),
            place="海珠区劳动关系综合服务中心调解室",
        )
        mediation_session_record(
            actor=mediator,
            session=held,
            attendees="申请人；被申请人人事经理",
            summary="双方对拖欠工资数额基本无争议，被申请人提出分期支付。",
            proposals="分两期支付，首期于下月底前支付。",
        )
        mediation_session_schedule(
            actor=mediator,
            mediation=mediation,
            scheduled_for=timezone.now() + datetime.timedelta(days=3),
            place="海珠区劳动关系综合服务中心调解室",
        )
    return 1


def _terms(amount: Decimal, first_due: datetime.date) -> AgreementData:
    half = (amount / 2).quantize(Decimal("0.01"))
    return AgreementData(
        total_amount=amount,
        payment_method=PaymentMethod.BANK_TRANSFER,
        payment_details="转入申请人工资卡",
        instalments=[
            InstalmentData(due_on=first_due, amount=half),
            InstalmentData(due_on=first_due + datetime.timedelta(days=30), amount=amount - half),
        ],
        clauses="被申请人按期足额支付后，双方就本劳动争议再无其他争议。",
    )


def _drive(users: dict[str, User], case: Case, stage: str, amount: Decimal) -> None:
    admin, mediator = users["arb.admin"], users["arb.mediator"]
    case_route_to_mediation(actor=admin, case=case, claimant_consented=True)
    mediation = mediation_open(actor=users["arb.arbitrator"], case=case)
    if stage == "unassigned":
        return
    mediation_assign(actor=admin, mediation=mediation, mediator=mediator)
    if stage == "failed":
        mediation_fail(actor=mediator, mediation=mediation, reason="被申请人拒绝参加调解。")
        return
    today = timezone.localdate()
    # Past first instalments show performance: paid (confirmed), missed (court applied).
    first_due = today - datetime.timedelta(days=5) if stage != "agreed" else today
    agreement_draft(actor=mediator, mediation=mediation, data=_terms(amount, first_due))
    mediation_agree(actor=mediator, mediation=mediation)
    agreement = Agreement.objects.get(mediation=mediation)
    assert agreement.document is not None
    # Rendered here rather than by Celery after commit: the parties confirm the PDF's hash.
    document = document_render(document_id=agreement.document.pk)
    if stage == "agreed" or document is None:
        return
    agreement_confirm_claimant(case=case, shown_sha256=document.sha256)
    _link, token = employer_link_issue(actor=mediator, mediation=mediation)
    agreement_confirm_employer(
        token=token,
        representative="人事经理",
        credit_code=case.employer.credit_code,
        shown_sha256=document.sha256,
    )
    if stage == "court_applied":
        agreement_court_apply(
            actor=mediator, mediation=mediation, court_name="广州市海珠区人民法院"
        )
        instalments_missed_sweep(today=today)
        return
    agreement_arbitration_confirm(actor=users["arb.arbitrator"], mediation=mediation)
    first = agreement.instalments.order_by("sequence").first()
    assert first is not None
    instalment_record_payment(
        actor=mediator, instalment=first, paid_on=first.due_on, amount=first.amount
    )
    instalments_missed_sweep(today=today)
