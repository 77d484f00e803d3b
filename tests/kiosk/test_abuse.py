"""Abuse: rate limits on submit and lookup (429), the online form's spam check, duplicates
flagged to staff, and the identifier checks behind the forms."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portal.cases.models import Case
from portal.kiosk import abuse
from portal.kiosk.forms import ClaimantForm, EmployerForm, LookupForm

from ..factories import valid_credit_code, valid_resident_id
from .conftest import Filer, answers

pytestmark = pytest.mark.django_db


def filed_from(address: str, **kwargs) -> tuple[Filer, object]:
    visitor = Filer(Client(REMOTE_ADDR=address))
    visitor.fill(answers(**kwargs))
    return visitor, visitor.submit()


# --- rate limits -------------------------------------------------------------------------------


def test_submits_are_limited_per_client_address(settings):
    settings.KIOSK_RATE_LIMITS = {**settings.KIOSK_RATE_LIMITS, "submit-ip": (2, 3600)}
    for _ in range(2):
        assert filed_from("203.0.113.7")[1].status_code == 302
    visitor, response = filed_from("203.0.113.7")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "这台设备近期提交的申请太多" in page
    assert Case.objects.count() == 2
    # The draft is kept: the visitor loses nothing typed.
    assert visitor.get("review").status_code == 200
    # Another address is not affected.
    assert filed_from("198.51.100.9")[1].status_code == 302


def test_submits_are_limited_per_id_number_across_addresses(settings):
    settings.KIOSK_RATE_LIMITS = {**settings.KIOSK_RATE_LIMITS, "submit-id": (1, 86400)}
    id_number = valid_resident_id(born="19860606")
    assert filed_from("203.0.113.1", id_number=id_number)[1].status_code == 302
    _visitor, response = filed_from("203.0.113.2", id_number=id_number)
    assert response.status_code == 429
    assert "该身份证号码近期已提交多份申请" in response.content.decode()
    assert filed_from("203.0.113.3")[1].status_code == 302  # another worker


def test_failed_lookups_are_limited_per_address(settings):
    settings.KIOSK_RATE_LIMITS = {**settings.KIOSK_RATE_LIMITS, "lookup-ip": (3, 3600)}
    client = Client(REMOTE_ADDR="203.0.113.50")
    status = reverse("kiosk:status")
    codes = [
        client.post(
            status, {"tracking_number": f"KL-2026-00000{i}", "secret": "ABCD2345"}
        ).status_code
        for i in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert (
        "查询尝试次数太多"
        in client.post(
            status, {"tracking_number": "KL-2026-000009", "secret": "X"}
        ).content.decode()
    )


def _lookup(client: Client, number: str, secret: str) -> int:
    return client.post(
        reverse("kiosk:status"), {"tracking_number": number, "secret": secret}
    ).status_code


WRONG = "WRONG234"


def test_others_guessing_a_number_never_lock_out_the_right_secret(settings, filed):
    """Issue 17, item 3: many addresses' failures on one number; the claimant still gets in."""
    settings.KIOSK_RATE_LIMITS = {**settings.KIOSK_RATE_LIMITS, "lookup-number": (3, 86400)}
    _visitor, case, secret = filed()
    for i in range(10):
        assert _lookup(Client(REMOTE_ADDR=f"192.0.2.{i}"), case.tracking_number, WRONG) == 200
    claimant = Client(REMOTE_ADDR="198.51.100.20")
    assert _lookup(claimant, case.tracking_number, secret) == 302


def test_a_number_under_attack_gives_each_client_one_failure_a_day(settings, filed):
    settings.KIOSK_RATE_LIMITS = {**settings.KIOSK_RATE_LIMITS, "lookup-number": (6, 86400)}
    _visitor, case, secret = filed()
    guesser = Client(REMOTE_ADDR="192.0.2.200")
    # before the number is strained: each client's own limit (5 a day)
    assert [_lookup(guesser, case.tracking_number, WRONG) for _ in range(6)] == [200] * 5 + [429]
    assert _lookup(Client(REMOTE_ADDR="192.0.2.201"), case.tracking_number, WRONG) == 200
    # the number has had its 6 failures: a new client has one try, the right secret passes
    newcomer = Client(REMOTE_ADDR="192.0.2.202")
    assert [_lookup(newcomer, case.tracking_number, WRONG) for _ in range(2)] == [200, 429]
    assert _lookup(Client(REMOTE_ADDR="192.0.2.203"), case.tracking_number, secret) == 302


def test_a_right_secret_is_not_counted_against_anyone(settings, filed):
    settings.KIOSK_RATE_LIMITS = {**settings.KIOSK_RATE_LIMITS, "lookup-ip": (2, 3600)}
    _visitor, case, secret = filed()
    client = Client(REMOTE_ADDR="198.51.100.30")
    for _ in range(5):
        assert _lookup(client, case.tracking_number, secret) == 302
    assert _lookup(client, case.tracking_number, WRONG) == 200


def _terminal_visit(address: str) -> Client:
    client = Client(REMOTE_ADDR=address)
    client.get(reverse("kiosk:terminal"))
    return client


def test_each_visit_at_a_kiosk_terminal_counts_on_its_own(settings, filed):
    settings.KIOSK_RATE_LIMITS = {**settings.KIOSK_RATE_LIMITS, "lookup-ip": (2, 3600)}
    _visitor, case, secret = filed()
    first = _terminal_visit("10.20.0.5")
    assert [_lookup(first, "KL-2026-999999", WRONG) for _ in range(3)] == [200, 200, 429]
    # the next visitor at the same terminal (same address, a new visit) is not blocked
    assert _lookup(_terminal_visit("10.20.0.5"), case.tracking_number, secret) == 302
    # terminal mode from outside the office's network counts by address as before
    outside = _terminal_visit("203.0.113.60")
    assert [_lookup(outside, "KL-2026-999999", WRONG) for _ in range(3)] == [200, 200, 429]
    assert _lookup(_terminal_visit("203.0.113.60"), case.tracking_number, secret) == 429


def test_a_terminal_as_a_whole_has_a_higher_limit_of_its_own(settings):
    settings.KIOSK_RATE_LIMITS = {**settings.KIOSK_RATE_LIMITS, "lookup-terminal": (3, 3600)}
    codes = [_lookup(_terminal_visit("10.20.0.6"), "KL-2026-999999", WRONG) for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_failed_draft_resumes_count_as_failed_lookups(settings):
    settings.KIOSK_RATE_LIMITS = {**settings.KIOSK_RATE_LIMITS, "lookup-ip": (1, 3600)}
    client = Client()
    data = {"tracking_number": "KL-2026-000001", "secret": "ABCD2345"}
    assert client.post(reverse("kiosk:resume"), data).status_code == 200
    assert client.post(reverse("kiosk:resume"), data).status_code == 429


def test_the_cache_keeps_no_id_number():
    id_number = valid_resident_id()
    with mock.patch.object(abuse, "_increment", wraps=abuse._increment) as increment:
        abuse.rate_hits({abuse.SUBMIT_ID: [id_number]})
    keys = [key for call in increment.call_args_list for key, _timeout in call.args[0]]
    assert keys and not any(id_number in key for key in keys)


def test_a_window_that_has_passed_counts_from_zero_again(settings):
    settings.KIOSK_RATE_LIMITS = {**settings.KIOSK_RATE_LIMITS, "lookup-ip": (1, 60)}
    assert abuse.rate_hits({abuse.LOOKUP_IP: ["192.0.2.1"]}) is None
    limited = abuse.rate_hits({abuse.LOOKUP_IP: ["192.0.2.1"]})
    assert limited is not None and 0 < limited.retry_after <= 60
    with mock.patch("portal.kiosk.abuse.time.time", return_value=time.time() + 61):
        assert abuse.rate_hits({abuse.LOOKUP_IP: ["192.0.2.1"]}) is None


@pytest.mark.redis
def test_rate_limits_count_in_redis_which_every_web_process_shares(settings):
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(caches["default"], RedisCache)
    settings.KIOSK_RATE_LIMITS = {**settings.KIOSK_RATE_LIMITS, "lookup-ip": (1, 3600)}
    abuse.rate_hits({abuse.LOOKUP_IP: ["192.0.2.77"]})
    # A second connection (another process) reads the same counter and hits the limit.
    other = caches.create_connection("default")
    now = int(time.time())
    key = abuse._key(abuse.LOOKUP_IP, "192.0.2.77", now - now % 3600)
    assert other.get(key) == 1
    with mock.patch("portal.kiosk.abuse.cache", other):
        assert abuse.rate_hits({abuse.LOOKUP_IP: ["192.0.2.77"]}) is not None


@pytest.mark.redis
def test_every_counter_in_redis_expires_with_its_window(settings):
    settings.KIOSK_RATE_LIMITS = {**settings.KIOSK_RATE_LIMITS, "lookup-ip": (3, 60)}
    abuse.rate_hits({abuse.LOOKUP_IP: ["192.0.2.99"]})
    now = int(time.time())
    key = cache.make_and_validate_key(abuse._key(abuse.LOOKUP_IP, "192.0.2.99", now - now % 60))
    client = cache._cache.get_client(write=True)

    assert int(client.get(key)) == 1
    assert 0 < client.ttl(key) <= 60 + 60


# --- the online form's spam check --------------------------------------------------------------


def test_a_filled_honeypot_stops_the_filing_without_telling_why(filer):
    visitor = filer()
    visitor.fill(answers())
    response = visitor.post("review", {"confirm": "on", "website": "http://spam.example"})
    assert response.status_code == 200
    assert "请再核对一遍您填写的内容" in response.content.decode()
    assert not Case.objects.exists()


def test_an_online_filing_submitted_faster_than_a_person_types_goes_back_once(filer, settings):
    settings.KIOSK_MIN_FILL_SECONDS = 20
    visitor = filer()
    visitor.fill(answers())
    response = visitor.submit()
    assert response.status_code == 200
    assert not Case.objects.exists()
    with mock.patch("portal.kiosk.abuse.time.time", return_value=time.time() + 21):
        assert visitor.submit().status_code == 302
    assert Case.objects.count() == 1


def test_the_kiosk_terminal_is_exempt_from_the_timing_check(filer, settings):
    settings.KIOSK_MIN_FILL_SECONDS = 20
    visitor = filer(terminal=True)
    visitor.fill(answers())
    assert visitor.submit().status_code == 302


def test_the_honeypot_is_hidden_from_people_and_screen_readers(filer):
    visitor = filer()
    visitor.fill(answers())
    page = visitor.get("review").content.decode()
    trap = page[page.index('<div class="trap" aria-hidden="true">') :]
    assert 'name="website"' in trap[: trap.index("</div>\n</div>") + 20]
    assert 'tabindex="-1"' in trap[: trap.index('name="website"') + 200]


# --- probable duplicates ------------------------------------------------------------------------


def test_a_probable_duplicate_is_flagged_to_staff_in_the_queue_and_not_merged(arbitrator):
    id_number, code = valid_resident_id(), valid_credit_code()
    filed_from("203.0.113.20", id_number=id_number, credit_code=code)
    filed_from("203.0.113.21", id_number=id_number, credit_code=code)
    first, second = Case.objects.order_by("pk")
    assert (first.duplicate_of, second.duplicate_of) == (None, first)
    client = Client()
    client.force_login(arbitrator)
    page = client.get(reverse("intake:queue")).content.decode()
    assert page.count('data-testid="duplicate"') == 1
    assert f"疑似与 {first.number} 重复" in page


# --- the identifier checks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("440105198503122428", True),
        ("44010519850312242x", False),  # a wrong check character, in lower case
        ("440105198503122420", False),
        ("44010519850312242", False),  # 17 digits
        ("440105199913322421", False),  # no 33rd day
    ],
)
def test_the_resident_id_number_is_checked_by_its_check_digit(value, valid):
    form = ClaimantForm(
        {"name": "张三", "id_number": value, "phone": "13812345678", "address": "海珠区"}
    )
    assert form.is_valid() is valid
    if not valid:
        assert "居民身份证号码无效" in form.errors["id_number"][0]


def test_a_valid_resident_id_number_is_stored_in_capitals_without_spaces():
    number = valid_resident_id()
    spaced = f" {number[:6]} {number[6:14]} {number[14:].lower()} "
    form = ClaimantForm(
        {"name": "张三", "id_number": spaced, "phone": "13812345678", "address": "x"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["id_number"] == number.upper()


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (valid_credit_code(), True),
        ("91440105MA5CXXXXX1", False),
        ("91440105MA59XK3T7", False),  # 17 characters
        ("91440105MA59XK3T7I", False),  # I is not in the alphabet
    ],
)
def test_the_credit_code_is_checked_by_its_check_character(value, valid):
    form = EmployerForm({"employer_name": "某公司", "credit_code": value, "employer_address": "x"})
    assert form.is_valid() is valid
    if not valid:
        assert "统一社会信用代码无效" in form.errors["credit_code"][0]


def test_the_lookup_form_reads_tracking_numbers_and_secrets_as_people_type_them():
    form = LookupForm({"tracking_number": " kl 2026 000123 ", "secret": "abcd-2345"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"tracking_number": "KL-2026-000123", "secret": "ABCD2345"}
