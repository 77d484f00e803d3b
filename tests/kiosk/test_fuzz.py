"""Form fuzzing: no input, typed or forged, makes a kiosk form or screen answer 500.

Each form is driven by hypothesis' `from_form` (values of each field's own kind) and each
screen by arbitrary posts (any field, any text). The Django test client re-raises a view's
exception, so a 500 fails the test with the input that caused it."""

from __future__ import annotations

import copy

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import from_form

from portal.kiosk import forms as kiosk_forms
from portal.kiosk import steps
from portal.kiosk.drafts import DRAFTS_KEY

from .conftest import Filer, answers

# No example database: nothing written into the work tree, every run draws afresh.
FUZZ = settings(
    database=None,
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Every form class of the kiosk and of the intake desk.
FORMS = [
    kiosk_forms.ConsentForm,
    kiosk_forms.ClaimantForm,
    kiosk_forms.EmployerForm,
    kiosk_forms.EmployerSearchForm,
    kiosk_forms.ClaimForm,
    kiosk_forms.FactsForm,
    kiosk_forms.EvidenceForm,
    kiosk_forms.MediationForm,
    kiosk_forms.ReviewForm,
    kiosk_forms.LookupForm,
    kiosk_forms.MaterialForm,
    kiosk_forms.VersionForm,
    kiosk_forms.AcceptForm,
    kiosk_forms.RouteToMediationForm,
    kiosk_forms.RefuseForm,
    kiosk_forms.MaterialRequestForm,
]
# File fields get no value (uploads are fuzzed through the screens and tests/core).
FILE_FIELDS = {"file": st.none(), "material": st.none()}


def test_every_kiosk_form_is_fuzzed():
    defined = {
        value
        for value in vars(kiosk_forms).values()
        if isinstance(value, type)
        and issubclass(value, forms.Form)
        and value.__module__ == kiosk_forms.__name__
    }
    assert defined == set(FORMS)


@pytest.mark.parametrize("form_class", FORMS, ids=lambda f: f.__name__)
def test_from_form_input_never_breaks_a_form(form_class):
    strategies = {name: s for name, s in FILE_FIELDS.items() if name in form_class.base_fields}

    @FUZZ
    @given(from_form(form_class, **strategies))
    def check(form: forms.Form) -> None:
        valid = form.is_valid()
        assert isinstance(valid, bool)
        if not valid:
            # Every error is a message for a person, attached to a field or the form.
            for name, messages in form.errors.items():
                assert name in form.fields or name == "__all__"
                assert all(isinstance(message, str) and message for message in messages)

    check()


TEXT = st.text(max_size=300)
FIELD_NAMES = st.sampled_from(
    sorted(
        {name for form in FORMS for name in form.base_fields}
        | {f"c{i}-{n}" for i in range(3) for n in kiosk_forms.ClaimantForm.base_fields}
        | {f"k{i}-{n}" for i in range(3) for n in kiosk_forms.ClaimForm.base_fields}
        | {"count", "nav", "remove", "pick", "q"}
    )
)
POSTS = st.dictionaries(
    FIELD_NAMES | st.text(min_size=1, max_size=20),
    TEXT
    | st.sampled_from(
        ["next", "back", "save", "add", "search", "upload", "submit", "0", "-1", "999"]
    ),
    max_size=12,
)


@pytest.fixture
def ready(db):
    """A visitor whose every screen is filled in validly; each example starts from that."""
    visitor = Filer(Client())
    visitor.fill(answers())
    snapshot = copy.deepcopy(visitor.client.session[DRAFTS_KEY])

    def reset() -> Filer:
        session = visitor.client.session
        session[DRAFTS_KEY] = copy.deepcopy(snapshot)
        session.save()
        return visitor

    return reset


@pytest.mark.parametrize("step", steps.STEP_NAMES)
def test_posting_anything_to_a_screen_never_answers_500(ready, step):
    @FUZZ
    @given(POSTS)
    def check(data: dict[str, str]) -> None:
        visitor = ready()
        response = visitor.post(step, data)
        assert response.status_code in (200, 302, 429), response.status_code

    check()


@pytest.mark.parametrize("name", ["kiosk:status", "kiosk:resume", "kiosk:status-material"])
def test_posting_anything_to_the_lookups_never_answers_500(db, name):
    client = Client()

    @FUZZ
    @given(POSTS)
    def check(data: dict[str, str]) -> None:
        response = client.post(reverse(name), data)
        assert response.status_code in (200, 302, 404, 429)

    check()


def test_the_draft_token_and_step_in_the_address_never_answer_500(db):
    client = Client()

    @FUZZ
    @given(
        st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True),
        st.from_regex(r"[a-z-]{1,20}", fullmatch=True),
    )
    def check(token: str, step: str) -> None:
        response = client.get(reverse("kiosk:step", kwargs={"token": token, "step": step}))
        assert response.status_code in (302, 404)

    check()
