"""The arbitration's part of the case page: the record, the award period and one form per move
the reader may make now (buttons from available_moves), each POST through post_move."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.core.http import portal_user, post_move
from portal.core.models import Deadline, Document, Role, User
from portal.core.roles import agency_members

from .forms import (
    ArbitrateForm,
    ArbitrationNoteForm,
    ArbitrationReasonForm,
    ArbitrationVersionForm,
    ArbitratorForm,
    AwardForm,
    HearingForm,
)
from .models import Arbitration, Case, CaseStatus
from .permissions import ARBITRATION_MOVES, CasePerm, Move, access_case, available_moves
from .services import arbitration as services

# Each move's form (an ArbitratorForm offers the committee's arbitrators).
FORMS: dict[str, type[forms.Form]] = {
    Move.ARBITRATE: ArbitrateForm,
    Move.NAME_ARBITRATOR: ArbitratorForm,
    Move.SCHEDULE_HEARING: HearingForm,
    Move.EXTEND: ArbitrationReasonForm,
    Move.SUSPEND: ArbitrationReasonForm,
    Move.RESUME: ArbitrationVersionForm,
    Move.AWARD: AwardForm,
    Move.WITHDRAW: ArbitrationNoteForm,
    Move.SETTLE: ArbitrationNoteForm,
}
# The button of each move.
LABELS: dict[str, Promise] = {
    Move.ARBITRATE: gettext_lazy("Name the arbitrator and open the arbitration"),
    Move.NAME_ARBITRATOR: gettext_lazy("Name another arbitrator"),
    Move.SCHEDULE_HEARING: gettext_lazy("Record the hearing date"),
    Move.EXTEND: gettext_lazy("Extend the award period by 15 days (committee head's approval)"),
    Move.SUSPEND: gettext_lazy("Suspend the arbitration (仲裁中止)"),
    Move.RESUME: gettext_lazy("Resume the arbitration"),
    Move.AWARD: gettext_lazy("Record the award and close the case"),
    Move.WITHDRAW: gettext_lazy("Record a withdrawal and close the case"),
    Move.SETTLE: gettext_lazy("Record a settlement and close the case"),
}
SHOWN_FROM = (CaseStatus.ACCEPTED, CaseStatus.ARBITRATING, CaseStatus.SUSPENDED)


def _arbitrators(case: Case) -> QuerySet[User]:
    return agency_members(case.agency, Role.ARBITRATOR)


def _form(move: str, case: Case, data: Any = None, files: Any = None) -> forms.Form:
    form_class = FORMS[move]
    kwargs: dict[str, Any] = {"prefix": move}
    if issubclass(form_class, ArbitratorForm):
        kwargs["arbitrators"] = _arbitrators(case)
    if data is None:
        return form_class(initial={"version": case.version}, **kwargs)
    return form_class(data, files, **kwargs)


@dataclass
class Section:
    """What the case page shows of the arbitration."""

    shown: bool
    record: Arbitration | None = None
    deadline: Deadline | None = None
    remaining: int | None = None
    award: Document | None = None
    # (move, button, form) for each move the reader may make now, in the order of the table
    moves: list[tuple[str, Promise, forms.Form]] = field(default_factory=list)
    offered: dict[str, bool] = field(default_factory=dict)


def arbitration_section(
    user: User, case: Case, bound: tuple[str, forms.Form] | None = None
) -> Section:
    """The section for `user`; `bound` is a refused move's form (key `arbitration:<move>`),
    shown as typed."""
    record = Arbitration.objects.select_related("arbitrator", "award_document").filter(case=case)
    found = record.first()
    if found is None and case.status not in SHOWN_FROM:
        return Section(shown=False)
    moves = available_moves(user, case) & set(ARBITRATION_MOVES)
    refused_key, refused_form = bound if bound else ("", None)
    section = Section(
        shown=True,
        record=found,
        deadline=services.award_deadline(case),
        remaining=services.remaining_days(case, found, timezone.localdate()) if found else None,
        award=found.award_document if found else None,
        offered={f"arbitration:{move}": True for move in moves},
    )
    for move in ARBITRATION_MOVES:
        if move in moves:
            shown = refused_form if refused_key == f"arbitration:{move}" else None
            section.moves.append((str(move), LABELS[move], shown or _form(move, case)))
    return section


# --- the POSTs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    """A move's service, the form fields it takes (by the same names) and what is said once
    it is made."""

    service: Callable[..., Case]
    fields: tuple[str, ...]
    done: Promise


SERVED: dict[str, Served] = {
    Move.ARBITRATE: Served(
        services.case_arbitrate,
        ("arbitrator", "hearing_on"),
        gettext_lazy("The arbitrator is named; the case is in arbitration."),
    ),
    Move.NAME_ARBITRATOR: Served(
        services.case_arbitrator_name, ("arbitrator",), gettext_lazy("The arbitrator is named.")
    ),
    Move.SCHEDULE_HEARING: Served(
        services.case_hearing_schedule,
        ("hearing_on",),
        gettext_lazy("The hearing date is recorded."),
    ),
    Move.EXTEND: Served(
        services.case_award_period_extend,
        ("reason",),
        gettext_lazy("The award period is extended by 15 days."),
    ),
    Move.SUSPEND: Served(
        services.case_suspend,
        ("reason",),
        gettext_lazy("The arbitration is suspended; the award period stands still."),
    ),
    Move.RESUME: Served(
        services.case_resume, (), gettext_lazy("The arbitration resumed; the award period runs on.")
    ),
    Move.AWARD: Served(
        services.case_award,
        ("decision", "award_file"),
        gettext_lazy("The award is recorded and the case is closed."),
    ),
    Move.WITHDRAW: Served(
        services.case_withdraw,
        ("note",),
        gettext_lazy("The withdrawal is recorded and the case is closed."),
    ),
    Move.SETTLE: Served(
        services.case_settle,
        ("note",),
        gettext_lazy("The settlement is recorded and the case is closed."),
    ),
}


@require_POST
def arbitration_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    """One URL per move, /cases/<pk>/arbitration/<move>/: the form, the service, the refusal
    next to the form on the case page."""
    from . import views  # the case page, which shows this section

    served = SERVED.get(move)
    if served is None:
        raise Http404
    user = portal_user(request)
    case = access_case(user, pk, CasePerm.WORK)
    return post_move(
        request,
        form=_form(move, case, request.POST, request.FILES),
        perform=lambda data: served.service(
            actor=user,
            case=case,
            expected_version=data["version"],
            **{name: data[name] for name in served.fields},
        ),
        done=str(served.done),
        then=reverse("cases:detail", kwargs={"pk": case.pk}) + "#arbitration-heading",
        page=lambda form: views.render_detail(
            request, access_case(user, pk), bound=(f"arbitration:{move}", form)
        ),
    )
