from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AttachmentForm(forms.Form):
    """The file's type and size are checked by the service (portal.core.uploads)."""

    file = forms.FileField(label=_("File"))
    body = forms.CharField(label=_("Message"), required=False, max_length=4000)
