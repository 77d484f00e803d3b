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
