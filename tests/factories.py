"""Test data, built through the portal's own services wherever a service exists."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import factory

from portal.cases.models import Case
from portal.cases.services import CaseData, ClaimantData, ClaimData, EmployerData, case_create
from portal.core.models import Agency, User
from portal.core.people import membership_set
from portal.core.validators import complete_credit_code, complete_resident_id

_serial = itertools.count(100)


def valid_resident_id(region: str = "440105", born: str = "19900101") -> str:
    body = f"{region}{born}{next(_serial) % 1000:03d}"
    return complete_resident_id(body)


def valid_credit_code() -> str:
    body = f"91440105MA{next(_serial):07d}"
    return complete_credit_code(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.gov.cn")

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or "pw-for-tests-2026")
        if create:
            self.save(update_fields=["password"])


def agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


def member(username: str, agency_code: str, *roles: str) -> User:
    user = UserFactory(username=username)
    membership_set(actor=None, user=user, agency=agency(agency_code), roles=list(roles))
    return User.objects.get(pk=user.pk)


def case_data(
    *,
    claimants: int = 1,
    employer_name: str = "广州市海珠区测试建筑劳务有限公司",
    credit_code: str | None = None,
    amount: str = "12000.00",
) -> CaseData:
    return CaseData(
        employer=EmployerData(name=employer_name, credit_code=credit_code or valid_credit_code()),
        claimants=[
            ClaimantData(
                name=f"申请人{i + 1}",
                id_number=valid_resident_id(),
                phone=f"1381234{next(_serial) % 10000:04d}",
                is_representative=i == 0,
            )
            for i in range(claimants)
        ],
        claims=[
            ClaimData(
                kind="unpaid_wages",
                amount=Decimal(amount),
                period_start=datetime.date(2026, 6, 1),
                period_end=datetime.date(2026, 8, 31),
            )
        ],
        facts="被申请人拖欠工资三个月。",
    )


def make_case(
    *, agency_code: str = "arbitration", actor: User | None = None, **kwargs: object
) -> Case:
    return case_create(actor=actor, agency=agency(agency_code), data=case_data(**kwargs))  # type: ignore[arg-type]
