"""Personal information (PIPL): masked everywhere but an audited reveal on the case page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.cases.services import case_create
from portal.core.pii import (
    mask_address,
    mask_id_number,
    mask_name,
    mask_personal_numbers,
    mask_phone,
)

from ..factories import agency, case_data

ID_NUMBER = "440105198503122428"  # a valid resident ID number (check digit 8)
PHONE = "13812345678"


def test_an_id_number_keeps_its_region_prefix_and_last_four():
    assert mask_id_number("440105198503122421") == "4401**********2421"
    assert mask_id_number(" 44010519850312242X ") == "4401**********242X"


def test_an_old_fifteen_digit_id_number_is_masked_the_same_way():
    assert mask_id_number("440105850312242") == "4401*******2242"


@pytest.mark.parametrize("value", ["", None, "   ", "1234", "12345678"])
def test_a_short_or_empty_id_number_is_masked_completely(value):
    masked = mask_id_number(value)
    assert set(masked) <= {"*"}
    assert len(masked) == len((value or "").strip())


def test_a_mobile_number_keeps_its_first_three_and_last_four_digits():
    assert mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("020-12345678", "020-****5678"),
        ("02012345678", "020****5678"),
        ("0755-1234567", "0755****4567"),
    ],
)
def test_a_landline_keeps_its_area_code_and_last_four_digits(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("12345678", "****5678"), ("1234567", "***4567"), ("123456", "******"), ("", "")],
)
def test_a_short_phone_number_shows_no_more_than_its_last_four_digits(value, masked):
    assert mask_phone(value) == masked


def test_a_missing_phone_number_masks_to_nothing():
    assert mask_phone(None) == ""  # type: ignore[arg-type]


def test_names_and_addresses_are_cut_short():
    assert mask_name("张三丰") == "张**"
    assert mask_name("") == ""
    assert mask_address("广东省广州市海珠区新港中路1号") == "广东省广州市***"
    assert mask_address("海珠区") == "海珠区"


# --- numbers typed into free text (issue 17, item 2) ---------------------------------------------


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        # resident ID numbers: 18 characters, with a check X, spaced, and the old 15 digits
        ("工人身份证440105199003071235，", "工人身份证4401**********1235，"),
        ("44010519900307123X", "4401**********123X"),
        ("44010519900307123x号", "4401**********123x号"),
        ("440105 19900307 1235", "4401** ******** 1235"),
        ("440105850312242", "4401*******2242"),
        # mobiles: plain, spaced, dashed, with +86, 0086 or 86 before them
        ("手机13812345678", "手机138****5678"),
        ("139 1234 5678", "139 **** 5678"),
        ("138-1234-5678", "138-****-5678"),
        ("+86 138 1234 5678", "+86 138 **** 5678"),
        ("+8613812345678", "+86138****5678"),
        ("0086-13812345678", "0086-138****5678"),
        # landlines: the area code stays, the local number shows its last four
        ("020-87654321", "020-****4321"),
        ("(020)87654321", "(020)****4321"),
        ("（020）87654321", "（020）****4321"),
        ("0755-1234567", "0755-***4567"),
        ("+86 20 87654321", "+86 20 ****4321"),
    ],
)
def test_personal_numbers_in_free_text_are_masked_as_typed(typed, shown):
    assert mask_personal_numbers(typed) == shown


@pytest.mark.parametrize(
    "text",
    [
        "统一社会信用代码91440105MA0000123X",  # an employer's code is no personal number
        "账号6222021234567890123",  # nor is an account number the employer pays into
        "金额12000.00元，2026-06-01至2026-08-31",
        "",
    ],
)
def test_other_numbers_in_free_text_stay_as_typed(text):
    assert mask_personal_numbers(text) == text


def test_no_masking_function_leaves_a_whole_number_behind_in_a_sentence():
    text = "申请人张三（身份证440105199003071235，手机139 1234 5678，座机020-87654321）"
    masked = mask_personal_numbers(text)
    for whole in ("440105199003071235", "13912345678", "87654321"):
        assert whole not in masked.replace(" ", "").replace("-", "")


# --- pages -------------------------------------------------------------------------------------


@pytest.fixture
def known_case(db, arbitrator):
    data = case_data(claimants=2)
    data.claimants[0].id_number = ID_NUMBER
    data.claimants[0].phone = PHONE
    return case_create(actor=arbitrator, agency=agency("arbitration"), data=data)


def whole_numbers(case) -> list[str]:  # type: ignore[no-untyped-def]
    return [v for c in case.claimants.all() for v in (c.id_number, c.phone)]


@pytest.mark.parametrize("page", ["cases:list", "core:home"])
def test_lists_never_show_a_whole_id_or_phone_number(client, known_case, arbitrator, page):
    client.force_login(arbitrator)
    response = client.get(reverse(page))
    assert response.status_code == 200
    content = response.content.decode()
    assert known_case.number in content  # the case is listed...
    for value in whole_numbers(known_case):  # ...without anyone's whole numbers
        assert value not in content


def test_the_case_page_shows_masked_numbers_until_the_reveal(client, known_case, arbitrator):
    client.force_login(arbitrator)
    url = reverse("cases:detail", args=[known_case.pk])
    content = client.get(url).content.decode()
    assert "4401**********2428" in content
    assert "138****5678" in content
    for value in whole_numbers(known_case):
        assert value not in content

    revealed = client.post(reverse("cases:reveal", args=[known_case.pk])).content.decode()
    for value in whole_numbers(known_case):
        assert value in revealed

    # The reveal is for that one page: the next visit is masked again.
    again = client.get(url).content.decode()
    for value in whole_numbers(known_case):
        assert value not in again


def test_a_leader_sees_the_case_page_masked_and_without_the_reveal_button(
    client, db, bureau_inspector, bureau_leader
):
    data = case_data()
    data.claimants[0].id_number = ID_NUMBER
    case = case_create(actor=bureau_inspector, agency=agency("bureau"), data=data)
    client.force_login(bureau_leader)
    content = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert ID_NUMBER not in content
    assert "4401**********2428" in content
    assert reverse("cases:reveal", args=[case.pk]) not in content


def test_the_new_case_notification_carries_no_personal_numbers(
    db, django_capture_on_commit_callbacks, mailoutbox, arbitrator, arbitration_admin
):
    # `db` comes before `mailoutbox`: setting up the test database starts a fresh outbox.
    data = case_data()
    data.claimants[0].id_number = ID_NUMBER
    data.claimants[0].phone = PHONE
    with django_capture_on_commit_callbacks(execute=True):
        case_create(actor=arbitrator, agency=agency("arbitration"), data=data)
    notification = arbitration_admin.notifications.get()
    texts = [notification.title, notification.body, *(m.body for m in mailoutbox)]
    assert mailoutbox
    assert not [text for text in texts if ID_NUMBER in text or PHONE in text]
