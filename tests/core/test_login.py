"""Logging in and out: Chinese by default, a clear message for a wrong password, a lockout
after too many failures (django-axes), and every page but the public ones behind the login."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from portal.core.forms import PortalAuthenticationForm

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-2026"  # tests/factories.py
CJK = re.compile(r"[\u4e00-\u9fff]")


def log_in(client: Client, username: str, password: str, **extra: str) -> HttpResponse:
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def in_chinese(message: str) -> str:
    with translation.override("zh-hans"):
        return str(translation.gettext(message))


def test_the_login_page_is_in_chinese_by_default():
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    heading = re.search(r"<h1>(.*?)</h1>", html)
    assert heading is not None
    assert heading.group(1) == "登录"
    assert "密码" in html  # the password field's label
    assert 'name="username"' in html and 'name="password"' in html
    assert 'autocomplete="username"' in html


def test_the_login_page_follows_a_chosen_language():
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    assert "<h1>Log in</h1>" in html


def test_a_wrong_password_says_so_clearly_and_keeps_the_username(bureau_inspector):
    response = log_in(Client(), "bureau.inspector", "not-the-password")
    assert response.status_code == 200
    with translation.override("zh-hans"):
        message = str(PortalAuthenticationForm.error_messages["invalid_login"]) % {
            "limit": settings.AXES_FAILURE_LIMIT
        }
    assert CJK.search(message)
    html = response.content.decode()
    assert escape(message) in html
    assert 'role="alert"' in html
    assert 'value="bureau.inspector"' in html
    assert "_auth_user_id" not in response.wsgi_request.session


def test_an_unknown_username_gets_the_same_message(db):
    response = log_in(Client(), "nobody.here", "whatever-2026")
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["__all__"][0].code == "invalid_login"


def test_after_the_failure_limit_the_account_is_locked_even_with_the_right_password(
    bureau_inspector,
):
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "bureau.inspector", "not-the-password").status_code == 200
    last = log_in(client, "bureau.inspector", "not-the-password")
    assert last.status_code == 429
    locked = log_in(client, "bureau.inspector", PASSWORD)
    assert locked.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in locked.templates]
    html = locked.content.decode()
    assert in_chinese("Too many failed log-in attempts") in html
    assert CJK.search(in_chinese("Too many failed log-in attempts"))
    assert 'role="alert"' in html
    assert "30" in html  # the configured cool-off (AXES_COOLOFF_HOURS=0.5), not a fixed text
    assert "_auth_user_id" not in locked.wsgi_request.session
    assert Client().get(reverse("core:home")).status_code == 302


def test_a_locked_account_does_not_lock_colleagues_behind_the_same_address(
    bureau_inspector, bureau_admin
):
    """Staff of one office share one public address; one person's typos lock only them."""
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "bureau.inspector", "not-the-password")
    assert log_in(client, "bureau.inspector", PASSWORD).status_code == 429
    colleague = log_in(Client(), "bureau.admin", PASSWORD)
    assert colleague.status_code == 302
    assert colleague["Location"] == reverse("core:home")


def test_a_successful_login_goes_to_the_work_list(bureau_inspector):
    client = Client()
    response = log_in(client, "bureau.inspector", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    home = client.get(response["Location"])
    assert home.status_code == 200
    assert home.wsgi_request.user == bureau_inspector


def test_a_login_returns_to_the_page_asked_for_but_never_to_another_site(bureau_inspector):
    response = log_in(Client(), "bureau.inspector", PASSWORD, next=reverse("cases:list"))
    assert response["Location"] == reverse("cases:list")
    response = log_in(Client(), "bureau.inspector", PASSWORD, next="https://evil.example/")
    assert response["Location"] == reverse("core:home")


def test_a_logged_in_user_opening_the_login_page_goes_to_the_work_list(bureau_inspector):
    client = Client()
    client.force_login(bureau_inspector)
    response = client.get(reverse("login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")


def test_logout_by_post_ends_the_session(bureau_inspector):
    client = Client()
    client.force_login(bureau_inspector)
    assert client.get(reverse("logout")).status_code == 405  # a link cannot log anyone out
    assert client.get(reverse("core:home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("core:home")).status_code == 302


@pytest.mark.parametrize(
    "path",
    ["/", "/notifications/", "/cases/", "/cases/new/", "/cases/1/", "/documents/1/download/"],
)
def test_every_page_but_the_public_ones_sends_an_anonymous_visitor_to_log_in(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={path}"


def test_the_public_views_answer_an_anonymous_visitor():
    client = Client()
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("login")).status_code == 200
    switched = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert switched.status_code == 302
    assert switched["Location"] == reverse("login")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_a_sane_request_id_is_echoed_and_any_other_replaced():
    client = Client()
    echoed = client.get(reverse("login"), headers={"X-Request-ID": "gw-7f3a9c21.req_01"})
    assert echoed["X-Request-ID"] == "gw-7f3a9c21.req_01"
    for bad in ("short", "has spaces in it", "<script>alert(1)</script>", "x" * 65):
        replaced = client.get(reverse("login"), headers={"X-Request-ID": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced["X-Request-ID"]), bad
    generated = client.get(reverse("healthz"))
    assert re.fullmatch(r"[0-9a-f]{32}", generated["X-Request-ID"])
    # also on the answers that come from the middleware itself, e.g. the login redirect
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/cases/")["X-Request-ID"])


# --- the limit per address, and the administrator's unlock (issue 17, item 9) ------------------


@pytest.fixture
def fresh_limits(settings):
    from django.core.cache import cache

    cache.clear()
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    yield
    cache.clear()


def test_spraying_passwords_from_one_address_stops_new_usernames_but_not_its_own_staff(
    fresh_limits, bureau_inspector, bureau_admin
):
    office = {"REMOTE_ADDR": "198.51.100.7"}
    # the inspector has signed in from the office before
    assert log_in(Client(**office), "bureau.inspector", PASSWORD).status_code == 302
    for name in ("zhang", "li", "wang"):
        assert log_in(Client(**office), name, "guess-2026").status_code == 200
    # the address has failed too often: a username new to it is refused, even with its password
    refused = log_in(Client(**office), "bureau.admin", PASSWORD)
    assert refused.status_code == 200
    assert "此网络登录失败次数过多" in refused.content.decode()
    # the office's own staff still sign in; another address is not affected at all
    assert log_in(Client(**office), "bureau.inspector", PASSWORD).status_code == 302
    assert log_in(Client(REMOTE_ADDR="203.0.113.9"), "bureau.admin", PASSWORD).status_code == 302


def _lock(username: str) -> None:
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(), username, "not-the-password")
    assert log_in(Client(), username, PASSWORD).status_code == 429


def test_the_agency_admin_sees_and_lifts_a_lockout_of_their_own_staff(
    bureau_inspector, bureau_admin, arbitration_admin
):
    from portal.core.audit import audit_history

    _lock("bureau.inspector")
    admin = Client()
    admin.force_login(bureau_admin)
    page = admin.get(reverse("core:lockouts")).content.decode()
    unlock = reverse("core:lockout-unlock", kwargs={"user_pk": bureau_inspector.pk})
    assert unlock in page
    # another agency's admin neither sees nor lifts it
    other = Client()
    other.force_login(arbitration_admin)
    assert unlock not in other.get(reverse("core:lockouts")).content.decode()
    assert other.post(unlock).status_code == 404
    assert log_in(Client(), "bureau.inspector", PASSWORD).status_code == 429
    assert admin.post(unlock).status_code == 302
    assert log_in(Client(), "bureau.inspector", PASSWORD).status_code == 302
    assert list(audit_history(bureau_inspector).values_list("action", "actor_id")) == [
        ("login.unlock", bureau_admin.pk)
    ]


def test_only_an_agency_admin_opens_the_lockouts_page(bureau_inspector):
    client = Client()
    client.force_login(bureau_inspector)
    response = client.get(reverse("core:lockouts"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:home")
