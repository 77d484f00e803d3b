"""The login page: switching the language, and logging in with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.core.models import User

from .conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_language_switch_on_the_login_page_turns_the_ui_english_and_back(
    page: Page, reference_data: None
) -> None:
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")

    page.get_by_label("语言").select_option("en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()

    page.get_by_label("Language").select_option("zh-hans")

    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    expect(page.get_by_label("用户名")).to_be_visible()


def test_staff_can_log_in_with_the_keyboard_alone(page: Page, arb_mediator: User) -> None:
    page.goto("/accounts/login/")
    username = page.get_by_label("用户名")
    password = page.get_by_label("密码")
    expect(username).to_be_focused()

    page.keyboard.type("arb.mediator")
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="登录")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def test_a_wrong_password_keeps_the_person_on_the_login_page_with_a_chinese_error(
    page: Page, arb_mediator: User
) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("arb.mediator")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_label("密码").press("Enter")

    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_main_content(
    page: Page, log_in, arb_mediator: User
) -> None:
    log_in("arb.mediator")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到正文")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()

    page.keyboard.press("Enter")

    expect(page.locator("main")).to_be_focused()
