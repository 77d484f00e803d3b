from collections.abc import Iterable, Mapping

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from . import login_limits


class PortalAuthenticationForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The username or password is wrong. After %(limit)s failed attempts the account is "
            "locked for a while."
        ),
    }

    def clean(self) -> dict[str, object]:
        username = self.cleaned_data.get("username") or ""
        if username and login_limits.address_blocked(self.request, username):
            raise forms.ValidationError(
                _(
                    "Too many failed sign-ins from this network. Try again in an hour, or ask "
                    "your agency's administrator."
                ),
                code="address_limited",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_limits.login_failed(self.request)
            raise
        login_limits.login_succeeded(self.request, username)
        return cleaned

    def get_invalid_login_error(self) -> forms.ValidationError:
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"limit": settings.AXES_FAILURE_LIMIT},
        )


def error_summary(*groups: forms.Form | Iterable[forms.Form] | None) -> list[dict[str, str]]:
    """Every error of the screen's forms, each with the id of its field (for links that move
    the focus there); non-field errors have no id. The kiosk's screens and the staff pages show
    them in one summary above the form (templates/includes/error_summary.html)."""
    errors: list[dict[str, str]] = []
    for group in groups:
        if group is None:
            continue
        for form in [group] if isinstance(group, forms.Form) else group:
            if not form.is_bound:
                continue
            for message in form.non_field_errors():
                errors.append({"id": "", "label": "", "message": str(message)})
            for name, field in form.fields.items():
                for message in form.errors.get(name, []):
                    bound = form[name]
                    errors.append(
                        {
                            # A hidden field (a page's version) has nothing to move the focus to.
                            "id": "" if bound.is_hidden else (bound.id_for_label or bound.auto_id),
                            "label": str(field.label),
                            "message": str(message),
                        }
                    )
    return errors


def own_ids(page_forms: Mapping[str, forms.Form]) -> None:
    """Give each form of a page its own element ids, `<name>-<field>`: two forms of one class,
    or two with a field of the same name (the version of a move), would repeat `id_<field>`."""
    for name, form in page_forms.items():
        form.auto_id = f"{name}-%s"
