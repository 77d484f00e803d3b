"""Every URL the portal answers, and what each demo role gets from it.

The enumeration test walks the URL resolver: a new page without a row in MATRIX fails the
suite, so nobody adds a URL without deciding who may open it. Each row says what every demo
role (seed_demo's DEMO_USERS, plus a superuser without an agency and an anonymous visitor)
gets on an object of its own agency, on every other agency's object, and, for the special
mediator, on the one case another agency assigned to them. The Django admin is one group
(ADMIN below); its per-agency scoping is tested in tests/core/test_admin.py.

The data is built once for the module inside a transaction that is rolled back at the end;
each cell runs in its own savepoint, so a POST that changes something leaves no trace for the
next cell.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from portal.cases.models import Case, Evidence
from portal.cases.pdf import CASE_SUMMARY
from portal.cases.services import case_assign, case_evidence_add
from portal.core.demo import ADMIN_MODEL_PERMS, DEMO_USERS
from portal.core.documents import document_render, document_request
from portal.core.models import Agency, Appointment, AppointmentKind, Document, Role, User
from portal.core.people import appointment_create
from portal.messaging.services import conversation_for_case, message_send

from .clues.matrix import ClueWorld, build_clues
from .factories import UserFactory, make_case, member
from .helpers import png_bytes, refusals
from .meetings.matrix import MeetingWorld, build_meetings
from .referrals.builders import draft as referral_draft
from .referrals.builders import drive as referral_drive

pytestmark = pytest.mark.django_db

# --- outcomes ------------------------------------------------------------------------------------

OK = "200"
REDIRECT = "302"  # done, or sent on: a redirect that is neither the login page nor a refusal
NOT_FOUND = "404"
LOGIN = "login"  # 302 to the portal's login page with ?next=
ADMIN_LOGIN = "admin-login"  # 302 to the admin's login page with ?next=
REFUSED = "refused"  # the service said no, and the page tells the user why (an error message)

STAFF = [username for username, *_ in DEMO_USERS]
SUPERUSER = "superuser"  # is_superuser, is_staff, and no agency
ANONYMOUS = "anonymous"
ROLES = [*STAFF, SUPERUSER, ANONYMOUS]
AGENCY_ADMINS = [
    username for username, _n, _a, roles, _t in DEMO_USERS if Role.AGENCY_ADMIN in roles
]
SPECIAL_MEDIATOR = "bureau.mediator"  # appointed by arbitration, assigned one arbitration case


def by_role(default: str, **exceptions: str) -> dict[str, str]:
    """Every role gets `default` except those named (a dot in a username is written `_`)."""
    table = dict.fromkeys(ROLES, default)
    for key, outcome in exceptions.items():
        role = key.replace("_", ".")
        assert role in table, f"unknown role {role}"
        table[role] = outcome
    return table


@dataclass(frozen=True)
class Row:
    """What a URL answers. `target` is the kind of object its kwargs name (None: no object).

    `own` is the outcome on an object of the role's own agency (for a URL without an object,
    the only outcome); `other` the outcome on every object of every other agency; `assigned`
    the special mediator's outcome on the case assigned to them."""

    method: str
    own: dict[str, str]
    target: str | None = None
    other: dict[str, str] = field(default_factory=dict)
    assigned: str | None = None
    data: Callable[[World, Case | None], dict[str, Any]] | None = None
    # The URL's arguments when the row names no object (a draft token, a step...).
    kwargs: dict[str, Any] = field(default_factory=dict)
    # Referral rows: the outcome on a referral the role's agency received (`own` is then one it
    # sent, `other` one between two other agencies). None: the row has no receiving side.
    received: dict[str, str] | None = None


def _case_row(
    method: str, own: dict[str, str], assigned: str, target: str = "case", **kwargs: Any
) -> Row:
    # Another agency's case (or its evidence, or its documents) is a 404 for every role;
    # anonymous visitors go to the login page before anything is looked up; the superuser has
    # no agency and so no "own" case.
    return Row(
        method,
        own={**own, SUPERUSER: "", ANONYMOUS: ""},
        target=target,
        other=by_role(NOT_FOUND, anonymous=LOGIN),
        assigned=assigned,
        **kwargs,
    )


def _evidence_data(world: World, case: Case | None) -> dict[str, Any]:
    return {
        "file": SimpleUploadedFile("receipt.png", png_bytes(), "image/png"),
        "description": "工资条",
    }


def _assign_data(world: World, case: Case | None) -> dict[str, Any]:
    assert case is not None
    return {"assignee": world.assignee_for[case.pk].pk}


def _suspend_data(world: World, case: Case | None) -> dict[str, Any]:
    assert case is not None
    return {"suspend-version": case.version, "suspend-reason": "等待工伤认定"}


def _share_data(world: World, case: Case | None) -> dict[str, Any]:
    assert case is not None
    codes = ["bureau", "arbitration", "procuratorate"]
    other = Agency.objects.filter(code__in=codes).exclude(pk=case.agency_id).order_by("pk").first()
    assert other is not None
    return {"agency": other.pk}


def _appointment_data(world: World, case: Case | None) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "user": world.users["bureau.inspector"].pk,
        "kind": AppointmentKind.SPECIAL_MEDIATOR,
        "valid_from": today.isoformat(),
        "valid_until": (today + datetime.timedelta(days=30)).isoformat(),
    }


def _appointment_end_data(world: World, case: Case | None) -> dict[str, Any]:
    appointment = Appointment.objects.get(
        user=world.users[SPECIAL_MEDIATOR], appointing_agency__code="arbitration"
    )
    return {"appointment": appointment.pk}


def _language_data(world: World, case: Case | None) -> dict[str, Any]:
    return {"language": "en", "next": "/cases/"}


MATRIX: dict[str, Row] = {
    # public views: they opt out of LoginRequiredMiddleware one by one
    "healthz": Row("GET", by_role(OK)),
    "login": Row("GET", by_role(REDIRECT, anonymous=OK)),  # a logged-in user goes to the work list
    "set_language": Row("POST", by_role(REDIRECT), data=_language_data),
    # the portal shell
    "logout": Row("POST", by_role(REDIRECT, anonymous=LOGIN)),
    "core:home": Row("GET", by_role(OK, anonymous=LOGIN)),
    "core:notifications": Row("GET", by_role(OK, anonymous=LOGIN)),
    "core:notifications-read": Row("POST", by_role(REDIRECT, anonymous=LOGIN)),
    "core:document-download": _case_row("GET", by_role(OK), assigned=OK, target="document"),
    # appointments: every member sees their agency's; its administrator appoints and ends them
    # (a person of another portal agency only: the bureau's admin is refused its own inspector)
    "core:appointments": Row("GET", by_role(OK, anonymous=LOGIN)),
    "core:appointment-new": Row(
        "POST",
        by_role(
            REFUSED, arb_admin=REDIRECT, proc_admin=REDIRECT, superuser=NOT_FOUND, anonymous=LOGIN
        ),
        data=_appointment_data,
    ),
    # arbitration's appointment of the special mediator: another agency's is a 404
    "core:appointment-end": Row(
        "POST",
        by_role(
            NOT_FOUND,
            arb_admin=REDIRECT,
            arb_mediator=REFUSED,
            arb_arbitrator=REFUSED,
            anonymous=LOGIN,
        ),
        data=_appointment_end_data,
    ),
    # the sign-in lock-outs of one's agency: its administrator sees and lifts them (a person
    # who is not a member of the admin's agency, as here, is a 404)
    "core:lockouts": Row(
        "GET", {**by_role(REFUSED, anonymous=LOGIN), **dict.fromkeys(AGENCY_ADMINS, OK)}
    ),
    "core:lockout-unlock": Row(
        "POST",
        {**by_role(REFUSED, anonymous=LOGIN), **dict.fromkeys(AGENCY_ADMINS, NOT_FOUND)},
        kwargs={"user_pk": 999999},
    ),
    # cases: the list shows only what the user may see; the form is open to every account and
    # the service decides who may register (tests/cases)
    "cases:list": Row("GET", by_role(OK, anonymous=LOGIN)),
    "cases:create": Row("GET", by_role(OK, leader=REFUSED, superuser=REFUSED, anonymous=LOGIN)),
    "cases:detail": _case_row("GET", by_role(OK), assigned=OK),
    # the leader reads but does not work a case: whole personal numbers and new evidence are
    # refused with a message
    "cases:reveal": _case_row("POST", by_role(OK, leader=REFUSED), assigned=OK),
    "cases:evidence-add": _case_row(
        "POST", by_role(REDIRECT, leader=REFUSED), assigned=REDIRECT, data=_evidence_data
    ),
    "cases:evidence-download": _case_row("GET", by_role(OK), assigned=OK, target="evidence"),
    "cases:summary-request": _case_row("POST", by_role(REDIRECT), assigned=REDIRECT),
    # only an administrator of the owning agency assigns
    "cases:assign": _case_row(
        "POST",
        {**by_role(REFUSED), **dict.fromkeys(AGENCY_ADMINS, REDIRECT)},
        assigned=REFUSED,
        data=_assign_data,
    ),
    # the arbitration's moves (tried with "suspend"): no case of the world is in arbitration,
    # so every role that may see the case is refused with a message; another agency's is a 404
    "cases:arbitration-move": _case_row(
        "POST", by_role(REFUSED), assigned=REFUSED, target="arbitration", data=_suspend_data
    ),
    # sharing a case (案件协办): only an administrator of the owning agency
    "cases:co-handling-start": _case_row(
        "POST",
        {**by_role(REFUSED), **dict.fromkeys(AGENCY_ADMINS, REDIRECT)},
        assigned=REFUSED,
        data=_share_data,
    ),
    "cases:co-handling-end": _case_row(
        "POST",
        {**by_role(REFUSED), **dict.fromkeys(AGENCY_ADMINS, REDIRECT)},
        assigned=REFUSED,
        data=_share_data,
    ),
}

# --- referrals: who sends, who receives ----------------------------------------------------------
# In the world each agency sends one referral in every state around a cycle (bureau →
# procuratorate → arbitration → bureau), written by REFERRAL_AUTHORS; every role sees its own
# agency's (`own`), the one its agency received (`received`) and the third (`other`, a 404).
REFERRAL_CYCLE = {
    "bureau": "procuratorate",
    "procuratorate": "arbitration",
    "arbitration": "bureau",
}
REFERRAL_AUTHORS = {
    "bureau": "bureau.inspector",
    "procuratorate": "proc.liaison",
    "arbitration": "arb.arbitrator",
}
REFERRAL_RECEIVERS = {  # working staff and admin who move what each agency receives
    "bureau": ("bureau.inspector", "bureau.admin"),
    "procuratorate": ("proc.liaison", "proc.admin"),
    "arbitration": ("arb.mediator", "arb.admin"),
}
REFERRAL_STATES = [
    "draft",
    "sent",
    "acknowledged",
    "supplement_requested",
    "accepted",
    "feedback_given",
    "closed",
    "external-draft",
    "recorded",
]
# the author or an admin of the sending agency
AUTHOR_OR_ADMIN = by_role(
    REFUSED,
    bureau_inspector=REDIRECT,
    bureau_admin=REDIRECT,
    arb_arbitrator=REDIRECT,
    arb_admin=REDIRECT,
    proc_liaison=REDIRECT,
    proc_admin=REDIRECT,
)
WORKING = by_role(REDIRECT, leader=REFUSED)  # any working role (the leader reads only)
ADMINS = {**by_role(REFUSED), **dict.fromkeys(AGENCY_ADMINS, REDIRECT)}


def _referral_row(
    method: str, target: str, own: dict[str, str], received: dict[str, str] | None, **kwargs: Any
) -> Row:
    # Like a case: a third agency's referral is a 404 for every role, anonymous visitors log in
    # first, the superuser has no agency; the special mediator sees none of arbitration's
    # referrals, not even one about the case assigned to them.
    nobody = {SUPERUSER: "", ANONYMOUS: ""}
    return Row(
        method,
        own={**own, **nobody},
        target=target,
        other=by_role(NOT_FOUND, anonymous=LOGIN),
        assigned=NOT_FOUND,
        received={**received, **nobody} if received is not None else None,
        **kwargs,
    )


def _version(world: World, referral: Any) -> dict[str, Any]:
    return {"version": referral.version}


def _reason(world: World, referral: Any) -> dict[str, Any]:
    return {"version": referral.version, "reason": "理由"}


def _feedback(world: World, referral: Any) -> dict[str, Any]:
    return {"version": referral.version, "outcome": "case_opened", "text": "已立案。"}


def _referral_file(world: World, referral: Any) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("scan.png", png_bytes(), "image/png")}


REFERRAL_ROWS: dict[str, Row] = {
    # the lists show only the agency's own; the form is open to every account and the service
    # decides who may draft (tests/referrals)
    "referrals:inbox": Row("GET", by_role(OK, anonymous=LOGIN)),
    "referrals:outbox": Row("GET", by_role(OK, anonymous=LOGIN)),
    "referrals:create": Row("GET", by_role(OK, leader=REFUSED, superuser=REFUSED, anonymous=LOGIN)),
    "referrals:detail": _referral_row("GET", "referral:sent", by_role(OK), by_role(OK)),
    # a draft is the sending agency's alone: the receiver does not even find it
    "referrals:edit": _referral_row(
        "GET", "referral:draft", by_role(OK, leader=REFUSED), by_role(NOT_FOUND)
    ),
    "referrals:attachment-add": _referral_row(
        "POST", "referral:draft", WORKING, by_role(NOT_FOUND), data=_referral_file
    ),
    "referrals:attachment-download": _referral_row(
        "GET", "referral-attachment:sent", by_role(OK), by_role(OK)
    ),
    # the working staff of either side see the whole numbers typed into its texts (audited);
    # the leader reads them masked
    "referrals:reveal": _referral_row(
        "POST", "referral:sent", by_role(OK, leader=REFUSED), by_role(OK, leader=REFUSED)
    ),
    "referrals:letter-request": _referral_row(
        "POST", "referral:sent", by_role(REDIRECT), by_role(REDIRECT)
    ),
    "referrals:feedback-letter-request": _referral_row(
        "POST", "referral:feedback_given", by_role(REDIRECT), by_role(REDIRECT)
    ),
    # the moves (docs/referrals.md): the sender's, then the receiver's
    "referrals:send": _referral_row(
        "POST", "referral:draft", AUTHOR_OR_ADMIN, by_role(NOT_FOUND), data=_version
    ),
    "referrals:resend": _referral_row(
        "POST", "referral:supplement_requested", AUTHOR_OR_ADMIN, by_role(REFUSED), data=_version
    ),
    "referrals:withdraw": _referral_row(
        "POST", "referral:sent", AUTHOR_OR_ADMIN, by_role(REFUSED), data=_version
    ),
    "referrals:request-more": _referral_row(
        "POST", "referral:feedback_given", AUTHOR_OR_ADMIN, by_role(REFUSED), data=_reason
    ),
    "referrals:close": _referral_row(
        "POST", "referral:feedback_given", AUTHOR_OR_ADMIN, by_role(REFUSED), data=_version
    ),
    "referrals:reopen": _referral_row(
        "POST", "referral:closed", ADMINS, by_role(REFUSED), data=_reason
    ),
    "referrals:acknowledge": _referral_row(
        "POST", "referral:sent", by_role(REFUSED), WORKING, data=_version
    ),
    "referrals:accept": _referral_row(
        "POST", "referral:acknowledged", by_role(REFUSED), ADMINS, data=_version
    ),
    "referrals:return": _referral_row(
        "POST", "referral:acknowledged", by_role(REFUSED), ADMINS, data=_reason
    ),
    "referrals:request-supplement": _referral_row(
        "POST", "referral:acknowledged", by_role(REFUSED), WORKING, data=_reason
    ),
    "referrals:give-feedback": _referral_row(
        "POST", "referral:accepted", by_role(REFUSED), WORKING, data=_feedback
    ),
    # to the police or the court: only the sending agency is in the portal
    "referrals:record": _referral_row(
        "POST", "referral:external-draft", AUTHOR_OR_ADMIN, None, data=_version
    ),
    "referrals:record-outcome": _referral_row(
        "POST", "referral:recorded", WORKING, None, data=_feedback
    ),
}
MATRIX.update(REFERRAL_ROWS)

# --- meetings: each agency's admin organises meetings with all of its staff ----------------------
# tests/meetings/matrix.py builds them, one per state; every role takes part in its own agency's
# (`own`) and finds no other agency's (`other`, a 404; the special mediator's appointment by
# arbitration opens none of arbitration's meetings). The role rules are in docs/meetings.md.
MEETING_STAFF = by_role(REDIRECT, leader=REFUSED)  # working staff of the organising agency
MEETING_PARTICIPANTS = by_role(REDIRECT)  # everyone invited, the leader too
MEETING_APPROVERS = {**by_role(REFUSED), **dict.fromkeys(AGENCY_ADMINS, REDIRECT)}  # organisers


def _meeting_row(method: str, target: str, own: dict[str, str], **kwargs: Any) -> Row:
    nobody = {SUPERUSER: "", ANONYMOUS: ""}
    return Row(
        method,
        own={**own, **nobody},
        target=target,
        other=by_role(NOT_FOUND, anonymous=LOGIN),
        assigned=NOT_FOUND,
        **kwargs,
    )


def _slot_data(world: World, meeting: Any) -> dict[str, Any]:
    day = timezone.localdate() + datetime.timedelta(days=11)
    return {"date": day.isoformat(), "start": "14:00", "end": "15:00"}


def _vote_data(world: World, meeting: Any) -> dict[str, Any]:
    return {f"slot_{world.meetings.slots[meeting.pk].pk}": "yes"}


def _fix_data(world: World, meeting: Any) -> dict[str, Any]:
    return {"slot": world.meetings.slots[meeting.pk].pk, "version": meeting.version}


def _meeting_version(world: World, meeting: Any) -> dict[str, Any]:
    return {"version": meeting.version}


def _action_version(world: World, meeting: Any) -> dict[str, Any]:
    return {"version": world.meetings.actions[meeting.pk].version}


MEETING_ROWS: dict[str, Row] = {
    "meetings:list": Row("GET", by_role(OK, anonymous=LOGIN)),
    "meetings:calendar": Row("GET", by_role(OK, anonymous=LOGIN)),
    "meetings:create": Row("GET", by_role(OK, leader=REFUSED, superuser=REFUSED, anonymous=LOGIN)),
    "meetings:detail": _meeting_row("GET", "meeting:planning", by_role(OK)),
    "meetings:poll": _meeting_row("GET", "meeting:planning", by_role(OK)),
    "meetings:minutes": _meeting_row("GET", "meeting:held", by_role(OK)),
    "meetings:ics": _meeting_row("GET", "meeting:scheduled", by_role(OK)),
    "meetings:edit": _meeting_row("GET", "meeting:planning", by_role(OK, leader=REFUSED)),
    # the organising agency's moves
    "meetings:cancel": _meeting_row(
        "POST", "meeting:planning", MEETING_STAFF, data=_meeting_version
    ),
    "meetings:participant-add": _meeting_row(
        "POST",
        "meeting:planning",
        MEETING_STAFF,
        data=lambda world, m: {"user": world.meetings.invitee[m.pk].pk},
    ),
    "meetings:participant-remove": _meeting_row(
        "POST",
        "meeting:planning",
        MEETING_STAFF,
        data=lambda world, m: {"participant": world.meetings.removable[m.pk]},
    ),
    "meetings:guest-add": _meeting_row(
        "POST",
        "meeting:planning",
        MEETING_STAFF,
        data=lambda world, m: {"name": "陈法官", "organisation": "海珠区人民法院"},
    ),
    "meetings:guest-remove": _meeting_row(
        "POST",
        "meeting:planning",
        MEETING_STAFF,
        data=lambda world, m: {"guest": world.meetings.guests[m.pk].pk},
    ),
    "meetings:slot-propose": _meeting_row(
        "POST", "meeting:planning", MEETING_STAFF, data=_slot_data
    ),
    "meetings:fix-slot": _meeting_row("POST", "meeting:planning", MEETING_STAFF, data=_fix_data),
    "meetings:agenda-add": _meeting_row(
        "POST", "meeting:planning", MEETING_STAFF, data=lambda world, m: {"title": "新议题"}
    ),
    "meetings:case-share": _meeting_row("POST", "meeting-item:held", MEETING_STAFF),
    "meetings:minutes-approve": _meeting_row(
        "POST", "meeting:held", MEETING_APPROVERS, data=_meeting_version
    ),
    # the participants' moves
    "meetings:slot-vote": _meeting_row(
        "POST", "meeting:planning", MEETING_PARTICIPANTS, data=_vote_data
    ),
    "meetings:rsvp": _meeting_row(
        "POST",
        "meeting:scheduled",
        MEETING_PARTICIPANTS,
        data=lambda world, m: {"answer": "accepted"},
    ),
    # the owner agency's: its working staff report an action item done
    "meetings:action-item-complete": _meeting_row(
        "POST", "meeting-action:closed", MEETING_STAFF, data=_action_version
    ),
}
MATRIX.update(MEETING_ROWS)

# --- the E-law kiosk (public) and the intake desk (docs/kiosk.md) ---------------------
# The kiosk's pages are public: every role, logged in or not, gets the same. What a visitor may
# see beyond them hangs on the visit's session (a draft it started, a receipt it was given, a
# status lookup it passed), which a fresh client has not: those pages send it to the start or
# answer 404.
PUBLIC_DRAFT = {"token": "no-such-draft-token", "step": "consent"}
KIOSK_ROWS: dict[str, Row] = {
    "kiosk:start": Row("GET", by_role(OK)),
    "kiosk:terminal": Row("GET", by_role(REDIRECT)),
    "kiosk:new": Row("POST", by_role(REDIRECT)),
    "kiosk:step": Row("GET", by_role(REDIRECT), kwargs=PUBLIC_DRAFT),
    "kiosk:saved": Row("GET", by_role(REDIRECT), kwargs={"token": PUBLIC_DRAFT["token"]}),
    "kiosk:resume": Row("GET", by_role(OK)),
    "kiosk:receipt": Row("GET", by_role(NOT_FOUND)),
    "kiosk:receipt-pdf": Row("GET", by_role(NOT_FOUND)),
    "kiosk:discard": Row("POST", by_role(REDIRECT)),
    "kiosk:status": Row("GET", by_role(OK)),
    "kiosk:status-material": Row("POST", by_role(NOT_FOUND)),
    "kiosk:status-document": Row("GET", by_role(NOT_FOUND), kwargs={"pk": 1}),
}
MATRIX.update(KIOSK_ROWS)

# Intake: arbitrators and arbitration admins decide on their committee's filings; everyone else
# is told so, on their own agency's cases too; another agency's case is a 404 as always.
INTAKE_DECIDERS = by_role(REFUSED, arb_arbitrator=REDIRECT, arb_admin=REDIRECT)


def _intake_data(**fields: str) -> Callable[[World, Case | None], dict[str, Any]]:
    """The move's form as the decision page posts it: with the case's version."""
    return lambda world, case: {"version": case.version if case else 1, **fields}


INTAKE_ROWS: dict[str, Row] = {
    "intake:queue": Row("GET", by_role(REFUSED, arb_arbitrator=OK, arb_admin=OK, anonymous=LOGIN)),
    "intake:detail": _case_row(
        "GET", by_role(REFUSED, arb_arbitrator=OK, arb_admin=OK), assigned=REFUSED
    ),
    "intake:accept": _case_row("POST", INTAKE_DECIDERS, assigned=REFUSED, data=_intake_data()),
    "intake:route-to-mediation": _case_row(
        "POST",
        INTAKE_DECIDERS,
        assigned=REFUSED,
        data=_intake_data(claimant_consented="on"),
    ),
    "intake:refuse": _case_row(
        "POST",
        INTAKE_DECIDERS,
        assigned=REFUSED,
        data=_intake_data(reason="不属于劳动人事争议处理范围"),
    ),
    "intake:request-material": _case_row(
        "POST",
        INTAKE_DECIDERS,
        assigned=REFUSED,
        data=_intake_data(missing="请补充劳动关系证明"),
    ),
}
MATRIX.update(INTAKE_ROWS)

# Mediation (docs/mediation.md): a mediation is reached through its case, so
# who sees the case sees the page (another agency's is a 404). The world's cases are filed and
# not mediated: every move is refused with a message, to the committee's staff too (opening
# needs the intake decision first); the services' role rules are tested in tests/mediation.
MEDIATION_ROWS: dict[str, Row] = {
    "mediation:list": Row("GET", by_role(OK, anonymous=LOGIN)),
    "mediation:case": _case_row("GET", by_role(OK), assigned=OK),
    **{
        name: _case_row("POST", by_role(REFUSED), assigned=REFUSED)
        for name in (
            "mediation:open",
            "mediation:assign",
            "mediation:conflict",
            "mediation:session-schedule",
            "mediation:session-record",
            "mediation:extend",
            "mediation:agreement-draft",
            "mediation:agree",
            "mediation:fail",
            "mediation:employer-link",
            "mediation:arbitration-confirm",
            "mediation:court-apply",
            "mediation:court-decision",
            "mediation:payment",
            "mediation:enforcement",
        )
    },
    # the world's cases have no mediation, so no instalment to show evidence of
    "mediation:payment-evidence": _case_row(
        "GET", by_role(NOT_FOUND), assigned=NOT_FOUND, target="instalment"
    ),
    # public: the claimant confirms only after a status lookup in this visit, the employer
    # only with a live one-time link; a fresh client has neither
    "confirmation:claimant": Row("POST", by_role(NOT_FOUND)),
    "confirmation:claimant-agreement": Row("GET", by_role(NOT_FOUND)),
    "confirmation:employer": Row(
        "GET", by_role(NOT_FOUND), kwargs={"token": "no-such-one-time-token"}
    ),
    "confirmation:employer-agreement": Row(
        "GET", by_role(NOT_FOUND), kwargs={"token": "no-such-one-time-token"}
    ),
}
MATRIX.update(MEDIATION_ROWS)


def _message_file_data(world: World, case: Case | None) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("scan.png", png_bytes(), "image/png"), "body": ""}


def _fragment_data(world: World, case: Case | None) -> dict[str, Any]:
    assert case is not None
    return {"ids": str(world.message_attachments[case.pk].pk)}


def _reply_data(world: World, case: Case | None) -> dict[str, Any]:
    return {"body": "收到"}


# Messaging (docs/messaging.md): a conversation is open to whoever sees its case, referral or
# meeting (so is a file sent into its conversation); a liaison channel to the working staff
# of its agencies (a leader has no working role); the list and the search show only what the
# reader may see, so every account may open them. The leader reads and writes nothing: no
# file, no reply.
MESSAGING_ROWS: dict[str, Row] = {
    "messaging:index": Row("GET", by_role(OK, anonymous=LOGIN)),
    "messaging:search": Row("GET", by_role(OK, anonymous=LOGIN)),
    "messaging:unread": Row("GET", by_role(OK, anonymous=LOGIN)),
    "messaging:case": _case_row("GET", by_role(OK), assigned=OK),
    # a file and the live fragments are keyed by the conversation (here: each case's) and
    # open to whoever may read it
    "messaging:attachment-add": _case_row(
        "POST",
        by_role(REDIRECT, leader=REFUSED),
        assigned=REDIRECT,
        target="conversation",
        data=_message_file_data,
    ),
    "messaging:attachment-download": _case_row(
        "GET", by_role(OK), assigned=OK, target="message-attachment"
    ),
    "messaging:message-fragments": _case_row(
        "GET", by_role(OK), assigned=OK, target="conversation", data=_fragment_data
    ),
    # the moves on one message of a case's conversation: a reply from whoever sees the case; an
    # edit or a deletion from its author only; an acknowledgement only when one was asked of
    # the reader (none was here); a message of a case not seen is a 404
    "messaging:message-reply": _case_row(
        "POST",
        by_role(REDIRECT, leader=REFUSED),
        assigned=REDIRECT,
        target="message",
        data=_reply_data,
    ),
    **{
        name: _case_row(
            "POST",
            by_role(
                REFUSED, bureau_inspector=REDIRECT, arb_arbitrator=REDIRECT, proc_liaison=REDIRECT
            ),
            assigned=REFUSED,
            target="message",
            data=_reply_data,
        )
        for name in ("messaging:message-edit", "messaging:message-delete")
    },
    "messaging:message-acknowledge": _case_row(
        "POST", by_role(REFUSED), assigned=REFUSED, target="message"
    ),
    "messaging:referral": _referral_row("GET", "referral:sent", by_role(OK), by_role(OK)),
    "messaging:meeting": _meeting_row("GET", "meeting:planning", by_role(OK)),
    "messaging:liaison": Row(
        "GET",
        by_role(
            NOT_FOUND,
            arb_mediator=OK,
            arb_arbitrator=OK,
            arb_admin=OK,
            proc_liaison=OK,
            proc_admin=OK,
            anonymous=LOGIN,
        ),
        kwargs={"codes": "arbitration+procuratorate"},
    ),
    # the index's picker only sends on to the chosen person's page (or back to the index)
    "messaging:direct-pick": Row("GET", by_role(REDIRECT, anonymous=LOGIN)),
    # direct messages between two staff members: not with oneself, not for the leader or an
    # account without an agency
    "messaging:direct": Row(
        "GET",
        by_role(OK, arb_mediator=NOT_FOUND, leader=NOT_FOUND, superuser=NOT_FOUND, anonymous=LOGIN),
        kwargs={"username": "arb.mediator"},
    ),
}
MATRIX.update(MESSAGING_ROWS)

# --- clues: the bureau's alone ------------------------------------------------------------------
# Every other agency, the bureau's mediator and the superuser get 404; the bureau's inspector,
# admin and leader read every clue; the inspector works their squad's (`own`), the admin all,
# the leader none (docs/clues.md).
CLUE_READERS = by_role(NOT_FOUND, bureau_inspector=OK, bureau_admin=OK, leader=OK, anonymous=LOGIN)
CLUE_NOBODY = by_role(NOT_FOUND, anonymous=LOGIN)
CLUE_ADMIN = {
    **CLUE_NOBODY,
    "bureau.admin": REDIRECT,
    "bureau.inspector": REFUSED,
    "leader": REFUSED,
}
CLUE_SQUAD = {**CLUE_ADMIN, "bureau.inspector": REDIRECT}


def _clue_row(
    state: str, own: dict[str, str], other: dict[str, str] | None = None, **kw: Any
) -> Row:
    method = "GET" if own is CLUE_READERS else "POST"
    target = f"clue-attachment:{state}" if kw.pop("attachment", False) else f"clue:{state}"
    return Row(method, own, target=target, other=other or own, assigned=NOT_FOUND, **kw)


def _clue_move(**fields: Any) -> Callable[[World, Any], dict[str, Any]]:
    def data(world: World, clue: Any) -> dict[str, Any]:
        values = {key: value(clue) if callable(value) else value for key, value in fields.items()}
        return {"version": clue.version, **values}

    return data


def _paid_in_full(clue: Any) -> int:
    from portal.clues.models import Conclusion

    return Conclusion.objects.get(code="paid_in_full").pk


def _registered_clue(clue: Any) -> int:
    from portal.clues.models import Clue

    return Clue.objects.filter(status="registered").exclude(pk=clue.pk).first().pk


CLUE_ROWS: dict[str, Row] = {
    "clues:queue": Row("GET", CLUE_READERS),
    "clues:create": Row(
        "GET", {**CLUE_READERS, "leader": REFUSED}
    ),  # the leader reads: told who registers
    "clues:import": Row("GET", {**CLUE_READERS, "leader": REFUSED}),
    "clues:detail": _clue_row("contacted", CLUE_READERS),
    "clues:attachment-download": _clue_row("contacted", CLUE_READERS, attachment=True),
    "clues:assign": _clue_row("registered", CLUE_ADMIN, data=_clue_move()),
    "clues:contact": _clue_row("assigned", CLUE_SQUAD, CLUE_ADMIN, data=_clue_move(note="已联系")),
    "clues:check": _clue_row("contacted", CLUE_SQUAD, CLUE_ADMIN, data=_clue_move(note="已核查")),
    "clues:close": _clue_row(
        "checked",
        CLUE_SQUAD,
        CLUE_ADMIN,
        data=_clue_move(conclusion=_paid_in_full, amount_recovered="100", workers_paid=1),
    ),
    "clues:reopen": _clue_row("closed", CLUE_ADMIN, data=_clue_move(reason="复查")),
    "clues:supervise": _clue_row("late", CLUE_ADMIN, data=_clue_move(instruction="限期办结")),
    "clues:refer": _clue_row("checked", CLUE_SQUAD, CLUE_ADMIN, data=_clue_move(kind="dispute")),
    # every clue of the world is about the same employer and workers: each a possible duplicate
    "clues:link-duplicate": _clue_row(
        "contacted", CLUE_SQUAD, CLUE_ADMIN, data=_clue_move(other=_registered_clue)
    ),
}
MATRIX.update(CLUE_ROWS)

# The Django admin, one documented group. Anonymous visitors are sent to a login page:
# LoginRequiredMiddleware answers first, with the admin's login page for the site-wide views
# (Django marks them so) and the portal's for the model views; users without is_staff go to the
# admin's login page (and admin:logout sends them to the index, which does the same); agency
# admins see their own agency's rows only (tests/core/test_admin.py); the superuser sees all.
ADMIN_NAMESPACE = "admin"
ADMIN_PUBLIC = {"admin:login"}


# --- the world -----------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User]
    cases: dict[str, Case]  # bureau, arbitration (unassigned), assigned, procuratorate
    evidence: dict[int, Evidence]  # by case pk
    documents: dict[int, Document]  # by case pk, rendered
    assignee_for: dict[int, User]  # a person the case's admin may assign, by case pk
    # (state, sending agency code) -> referral; ("assigned", "arbitration") is arbitration's
    # referral about the case assigned to the special mediator
    referrals: dict[tuple[str, str], Any] = field(default_factory=dict)
    referral_attachments: dict[int, Any] = field(default_factory=dict)  # by referral pk
    meetings: MeetingWorld = field(default_factory=MeetingWorld)
    message_attachments: dict[int, Any] = field(default_factory=dict)  # by case pk
    clues: ClueWorld = field(default_factory=ClueWorld)

    def clue_cells(self, row: Row, role: str, target: str) -> tuple[list[Any], str]:
        """The bureau's clue a cell tries: of bureau.inspector's squad (`own`; the special
        mediator's `assigned` cell tries it too) or of another squad (`other`)."""
        assert row.target is not None
        state = row.target.split(":")[1]
        if target == "other":
            return [self.clues.clues[(state, "other")]], row.other[role]
        expected = row.own[role] if target == "own" else row.assigned or ""
        return [self.clues.clues[(state, "own")]], expected

    def meeting_cells(self, row: Row, role: str, target: str) -> tuple[list[Any], str]:
        """The meetings a cell tries (in the row's state), and what the role should get."""
        assert row.target is not None
        state = row.target.split(":")[1]
        by_state = self.meetings.meetings
        if target == "assigned":
            return [by_state[(state, "arbitration")]], row.assigned or ""
        agency = self.users[role].agency if role in self.users else None
        code = agency.code if agency else None
        if target == "own":
            return [by_state[(state, code)]], row.own[role]
        others = [meeting for (s, c), meeting in by_state.items() if s == state and c != code]
        return others, row.other[role]

    def referral_cells(self, row: Row, role: str, target: str) -> tuple[list[Any], str]:
        """The referrals a cell tries, and what the role should get on them."""
        assert row.target is not None
        state = row.target.split(":")[1]
        if target == "assigned":
            return [self.referrals[("assigned", "arbitration")]], row.assigned or ""
        agency = self.users[role].agency if role in self.users else None
        code = agency.code if agency else None
        if target == "own":
            return [self.referrals[(state, code)]], row.own[role]
        if target == "received":
            assert row.received is not None
            sender = next(s for s, r in REFERRAL_CYCLE.items() if r == code)
            return [self.referrals[(state, sender)]], row.received[role]
        # a referral between two other agencies (to the police: of another agency)
        others = [
            referral
            for (s, sender), referral in self.referrals.items()
            if s == state and code not in (sender, referral.receiver_agency.code)
        ]
        return others, row.other[role]

    def own_case(self, role: str) -> Case | None:
        agency = self.users[role].agency if role in self.users else None
        if agency is None:
            return None
        return self.cases[agency.code]

    def other_cases(self, role: str) -> list[Case]:
        if role == ANONYMOUS:
            return list(self.cases.values())
        own = self.own_case(role)
        assigned = self.cases["assigned"] if role == SPECIAL_MEDIATOR else None
        mine = {own.agency_id if own else None}
        return [
            case for case in self.cases.values() if case.agency_id not in mine and case != assigned
        ]


def _build_world() -> World:
    users: dict[str, User] = {}
    admin_perms = list(Permission.objects.filter(codename__in=ADMIN_MODEL_PERMS))
    for username, _name, agency_code, roles, _title in DEMO_USERS:
        user = member(username, agency_code, *roles)
        if Role.AGENCY_ADMIN in roles:  # as seed_demo makes them
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.user_permissions.set(admin_perms)
        users[username] = user
    users[SUPERUSER] = UserFactory(username="root", is_superuser=True, is_staff=True)

    arbitration = Agency.objects.get(code="arbitration")
    today = timezone.localdate()
    for username, kind in (
        (SPECIAL_MEDIATOR, AppointmentKind.SPECIAL_MEDIATOR),
        # an appointment alone opens no case: the liaison was assigned none
        ("proc.liaison", AppointmentKind.LIAISON),
    ):
        appointment_create(
            actor=users["arb.admin"],
            user=users[username],
            appointing_agency=arbitration,
            kind=kind,
            valid_from=today - datetime.timedelta(days=30),
            valid_until=today + datetime.timedelta(days=300),
        )

    creators = {
        "bureau": "bureau.inspector",
        "arbitration": "arb.arbitrator",
        "assigned": "arb.arbitrator",
        "procuratorate": "proc.liaison",
    }
    cases = {
        key: make_case(
            agency_code="arbitration" if key == "assigned" else key, actor=users[creator]
        )
        for key, creator in creators.items()
    }
    case_assign(actor=users["arb.admin"], case=cases["assigned"], assignee=users[SPECIAL_MEDIATOR])
    evidence = {
        case.pk: case_evidence_add(
            actor=users[creators[key]],
            case=case,
            upload=SimpleUploadedFile("photo.png", png_bytes(), "image/png"),
        )
        for key, case in cases.items()
    }
    documents = {}
    # The renderer is not what this module tests (tests/core does): a stand-in PDF keeps the
    # data quick to build and the matrix about access alone.
    with mock.patch("portal.core.documents.render_pdf", return_value=b"%PDF-1.7\n%stand-in\n"):
        for key, case in cases.items():
            requested = document_request(
                actor=users[creators[key]], owner=case, kind=CASE_SUMMARY.key
            )
            documents[case.pk] = document_render(document_id=requested.pk)
    assignee_for = {
        cases["bureau"].pk: users["bureau.inspector"],
        cases["arbitration"].pk: users["arb.mediator"],
        cases["assigned"].pk: users["arb.mediator"],
        cases["procuratorate"].pk: users["proc.liaison"],
    }
    world = World(users, cases, evidence, documents, assignee_for)
    _build_referrals(world)
    world.meetings = build_meetings(users, cases)
    world.clues = build_clues(users)
    for key, case in cases.items():
        author = users[creators[key]]
        conversation = conversation_for_case(actor=author, case_id=case.pk)
        world.message_attachments[case.pk] = message_send(
            actor=author,
            conversation=conversation,
            body="",
            attachment=SimpleUploadedFile("scan.png", png_bytes(), "image/png"),
        )
    return world


def _build_referrals(world: World) -> None:
    """Each agency's referral in every state of REFERRAL_STATES, through the services."""
    from portal.referrals.services import referral_attachment_add

    users = world.users
    for sender, receiver in REFERRAL_CYCLE.items():
        author = users[REFERRAL_AUTHORS[sender]]
        staff, admin = (users[name] for name in REFERRAL_RECEIVERS[receiver])
        for state in REFERRAL_STATES:
            external = state in ("external-draft", "recorded")
            referral = referral_draft(author, "police" if external else receiver)
            if state == "sent":
                world.referral_attachments[referral.pk] = referral_attachment_add(
                    actor=author,
                    referral=referral,
                    upload=SimpleUploadedFile("scan.png", png_bytes(), "image/png"),
                )
            status = "draft" if state == "external-draft" else state
            world.referrals[(state, sender)] = referral_drive(
                referral, status, receiver_staff=staff, receiver_admin=admin
            )
    about_assigned = referral_draft(
        users["arb.arbitrator"], "procuratorate", case=world.cases["assigned"]
    )
    world.referral_attachments[about_assigned.pk] = referral_attachment_add(
        actor=users["arb.arbitrator"],
        referral=about_assigned,
        upload=SimpleUploadedFile("scan.png", png_bytes(), "image/png"),
    )
    # A draft: sent, it would share the case with the procuratorate and change the case cells.
    world.referrals[("assigned", "arbitration")] = about_assigned


@pytest.fixture(scope="module")
def world_storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    location = tmp_path_factory.mktemp("matrix-private")
    storages = {
        "default": {
            "BACKEND": "portal.core.storage.PrivateStorage",
            "OPTIONS": {"location": str(location), "base_url": None},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield


@pytest.fixture(autouse=True)
def _private_storage(world_storage: None) -> None:
    """The module's files live as long as its data (this replaces conftest's per-test folder)."""


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, world_storage: None) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


# --- the enumeration -----------------------------------------------------------------------------


def url_patterns(
    patterns: list[URLPattern | URLResolver] | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    """(namespaced name, pattern) for every pattern; unnamed ones come back as 'ns:<route>'."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, prefix)
        else:
            yield f"{namespace}{pattern.name or f'<unnamed {pattern.pattern}>'}", pattern


def test_every_url_pattern_has_a_row_in_the_matrix() -> None:
    portal = [name for name, _ in url_patterns() if not name.startswith(f"{ADMIN_NAMESPACE}:")]
    unnamed = [name for name in portal if "<unnamed" in name]
    missing = sorted(set(portal) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(portal))
    assert not unnamed, f"name these URL patterns and give them a row: {unnamed}"
    assert not missing, f"URL patterns without a row in MATRIX: {missing}"
    assert not stale, f"rows for URL patterns that no longer exist: {stale}"


def test_every_row_says_what_every_role_gets() -> None:
    for name, row in MATRIX.items():
        assert set(row.own) == set(ROLES), name
        if row.target is not None:
            assert set(row.other) == set(ROLES), name
            assert row.assigned is not None, name
        if row.received is not None:
            assert set(row.received) == set(ROLES), name


# What the read-only leader may post: their own session, their own notifications, a document
# of what they read (a PDF is generated to be read), and their own answer to a meeting they are
# invited to; and the public kiosk's pages, the same for every visitor. Nothing of a case, a
# referral, a mediation, a meeting's contents or a conversation.
LEADER_MAY_POST = {
    "set_language",
    "logout",
    "core:notifications-read",
    "cases:summary-request",
    "referrals:letter-request",
    "referrals:feedback-letter-request",
    "meetings:slot-vote",
    "meetings:rsvp",
    "kiosk:new",
    "kiosk:discard",
}


def test_the_read_only_leader_is_refused_every_post_but_their_own_state() -> None:
    """Issue 17, item 5: the matrix's cells run every POST as the leader (test_matrix); here,
    which of them the leader got through."""
    accepted = set()
    for name, row in MATRIX.items():
        if row.method != "POST":
            continue
        outcomes = {row.own["leader"], row.other.get("leader"), (row.received or {}).get("leader")}
        if REDIRECT in outcomes or OK in outcomes:
            accepted.add(name)
    assert accepted == LEADER_MAY_POST


def test_the_admin_is_one_namespace_of_named_views() -> None:
    names = [name for name, _ in url_patterns() if name.startswith(f"{ADMIN_NAMESPACE}:")]
    assert "admin:index" in names
    assert "admin:cases_case_changelist" in names


# --- the cells -----------------------------------------------------------------------------------


def _cells() -> Iterator[Any]:
    for name, row in MATRIX.items():
        for role in ROLES:
            if row.target is None:
                yield pytest.param(name, role, "page", id=f"{name}-{role}")
                continue
            if row.own[role]:
                yield pytest.param(name, role, "own", id=f"{name}-{role}-own")
            if row.received is not None and row.received[role]:
                yield pytest.param(name, role, "received", id=f"{name}-{role}-received")
            yield pytest.param(name, role, "other", id=f"{name}-{role}-other")
            if role == SPECIAL_MEDIATOR:
                yield pytest.param(name, role, "assigned", id=f"{name}-{role}-assigned")


def _url(world: World, name: str, row: Row, case: Case | None) -> str:
    if row.target is None:
        return reverse(name, kwargs=row.kwargs or None)
    assert case is not None
    if row.target.startswith("meeting-item"):
        item = world.meetings.items[case.pk]
        return reverse(name, kwargs={"pk": case.pk, "item_pk": item.pk})
    if row.target.startswith("meeting-action"):
        action = world.meetings.actions[case.pk]
        return reverse(name, kwargs={"pk": case.pk, "item_pk": action.pk})
    if row.target.startswith("meeting"):
        return reverse(name, kwargs={"pk": case.pk})
    if row.target.startswith("clue-attachment"):
        attachment = world.clues.attachments[case.pk]
        return reverse(name, kwargs={"pk": case.pk, "attachment_pk": attachment.pk})
    if row.target.startswith("clue"):
        return reverse(name, kwargs={"pk": case.pk})
    if row.target.startswith("referral-attachment"):
        attachment = world.referral_attachments[case.pk]
        return reverse(name, kwargs={"pk": case.pk, "attachment_pk": attachment.pk})
    if row.target.startswith("referral"):
        return reverse(name, kwargs={"pk": case.pk})
    if row.target == "case":
        return reverse(name, kwargs={"pk": case.pk})
    if row.target == "arbitration":
        return reverse(name, kwargs={"pk": case.pk, "move": "suspend"})
    if row.target == "instalment":
        return reverse(name, kwargs={"pk": case.pk, "instalment_pk": 1})
    if row.target == "message-attachment":
        message = world.message_attachments[case.pk]
        return reverse(
            name, kwargs={"conversation_pk": message.conversation_id, "message_pk": message.pk}
        )
    if row.target == "conversation":
        message = world.message_attachments[case.pk]
        return reverse(name, kwargs={"conversation_pk": message.conversation_id})
    if row.target == "message":
        message = world.message_attachments[case.pk]
        return reverse(name, kwargs={"message_pk": message.pk})
    if row.target == "evidence":
        return reverse(name, kwargs={"pk": case.pk, "evidence_pk": world.evidence[case.pk].pk})
    return reverse(name, kwargs={"pk": world.documents[case.pk].pk})


def outcome(response: HttpResponse) -> str:
    """The matrix's name for what the user got."""
    if response.status_code in (200, 302) and refusals(response):
        return REFUSED
    if response.status_code == 302:
        location = urlsplit(response["Location"])
        if "next" in parse_qs(location.query):
            if location.path == reverse("login"):
                return LOGIN
            if location.path == reverse("admin:login"):
                return ADMIN_LOGIN
    return str(response.status_code)


def client_for(world: World, role: str) -> Client:
    client = Client()
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    return client


@pytest.mark.parametrize(("name", "role", "target"), list(_cells()))
def test_matrix(world: World, name: str, role: str, target: str) -> None:
    row = MATRIX[name]
    if row.target is not None and row.target.startswith("referral"):
        cases, expected = world.referral_cells(row, role, target)
    elif row.target is not None and row.target.startswith("meeting"):
        cases, expected = world.meeting_cells(row, role, target)
    elif row.target is not None and row.target.startswith("clue"):
        cases, expected = world.clue_cells(row, role, target)
    elif target == "page":
        cases = [None]
        expected = row.own[role]
    elif target == "own":
        cases, expected = [world.own_case(role)], row.own[role]
    elif target == "other":
        cases, expected = list(world.other_cases(role)), row.other[role]
    else:
        cases, expected = [world.cases["assigned"]], row.assigned or ""
    assert cases, "no object to try"
    got = {}
    for case in cases:
        client = client_for(world, role)
        url = _url(world, name, row, case)
        data = row.data(world, case) if row.data else {}
        with transaction.atomic():  # each request's changes are undone before the next
            send = client.get if row.method == "GET" else client.post
            response = send(url, data)
            transaction.set_rollback(True)
        got[url] = outcome(response)
    assert set(got.values()) == {expected}, got


# --- the rules the matrix stands on, spelled out ------------------------------------------------


def test_the_special_mediator_sees_the_assigned_case_and_no_other_arbitration_case(
    world: World,
) -> None:
    client = client_for(world, SPECIAL_MEDIATOR)
    assigned = world.cases["assigned"]
    unassigned = world.cases["arbitration"]
    assert client.get(reverse("cases:detail", kwargs={"pk": assigned.pk})).status_code == 200
    assert client.get(reverse("cases:detail", kwargs={"pk": unassigned.pk})).status_code == 404
    listed = {case.pk for case in client.get(reverse("cases:list")).context["cases"]}
    assert assigned.pk in listed
    assert unassigned.pk not in listed


def test_evidence_of_another_case_is_a_404_even_under_a_visible_case(world: World) -> None:
    client = client_for(world, "bureau.inspector")
    own = world.cases["bureau"]
    foreign = world.evidence[world.cases["arbitration"].pk]
    url = reverse("cases:evidence-download", kwargs={"pk": own.pk, "evidence_pk": foreign.pk})
    assert client.get(url).status_code == 404


def test_a_refused_reveal_tells_the_leader_why_and_records_nothing(world: World) -> None:
    client = client_for(world, "leader")
    case = world.cases["bureau"]
    response = client.post(reverse("cases:reveal", kwargs={"pk": case.pk}), follow=True)
    assert response.redirect_chain[-1][0] == reverse("cases:detail", kwargs={"pk": case.pk})
    assert [m.level for m in response.context["messages"]] == [message_levels.ERROR]
    assert case.claimants.first().id_number not in response.content.decode()
    assert world.users["leader"].pk not in case_audit_actors(case, "case.reveal_personal_info")


def test_a_refused_assignment_tells_the_user_why_and_assigns_nobody(world: World) -> None:
    client = client_for(world, "bureau.inspector")
    case = world.cases["bureau"]
    response = client.post(
        reverse("cases:assign", kwargs={"pk": case.pk}),
        {"assignee": world.users["bureau.inspector"].pk},
        follow=True,
    )
    assert [m.level for m in response.context["messages"]] == [message_levels.ERROR]
    assert not case.assignments.exists()


def test_a_superuser_without_an_agency_sees_no_case_in_the_portal(world: World) -> None:
    client = client_for(world, SUPERUSER)
    assert list(client.get(reverse("cases:list")).context["cases"]) == []
    home = client.get(reverse("core:home")).context
    assert list(home["recent_cases"]) == []
    assert list(home["open_deadlines"]) == []
    for case in world.cases.values():
        assert client.get(reverse("cases:detail", kwargs={"pk": case.pk})).status_code == 404


def case_audit_actors(case: Case, action: str) -> list[int]:
    from portal.core.audit import audit_history

    return list(audit_history(case).filter(action=action).values_list("actor_id", flat=True))


# --- the admin group -----------------------------------------------------------------------------


def _admin_urls() -> list[str]:
    """One URL for every named admin pattern (an object id that may or may not exist: the
    answer for anonymous and staff-less users comes before any lookup)."""
    samples = {"app_label": "core", "content_type_id": "1"}
    urls = []
    for name, pattern in url_patterns():
        if not name.startswith(f"{ADMIN_NAMESPACE}:") or pattern.name is None:
            continue
        kwargs = {key: samples.get(key, "1") for key in pattern.pattern.regex.groupindex}
        urls.append((name, reverse(name, kwargs=kwargs)))
    return urls


def test_the_admin_sends_anonymous_visitors_to_a_login_page(world: World) -> None:
    client = Client()
    got = {name: outcome(client.get(url)) for name, url in _admin_urls()}
    refused = {name: value for name, value in got.items() if value not in (LOGIN, ADMIN_LOGIN)}
    assert refused == {name: OK for name in ADMIN_PUBLIC}


@pytest.mark.parametrize("role", [r for r in STAFF if r not in AGENCY_ADMINS])
def test_the_admin_sends_users_without_staff_status_to_the_admin_login(
    world: World, role: str
) -> None:
    client = client_for(world, role)
    got = {name: outcome(client.get(url)) for name, url in _admin_urls()}
    assert client.get(reverse("admin:logout")).url == reverse("admin:index")
    del got["admin:logout"]
    assert got == {name: OK if name in ADMIN_PUBLIC else ADMIN_LOGIN for name in got}


@pytest.mark.parametrize("role", [*AGENCY_ADMINS, SUPERUSER])
def test_agency_admins_and_the_superuser_reach_the_admin(world: World, role: str) -> None:
    assert client_for(world, role).get(reverse("admin:index")).status_code == 200
