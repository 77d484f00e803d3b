from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from . import health
from .documents import access_document
from .errors import ApplicationError
from .forms import PortalAuthenticationForm
from .http import parse_ids, portal_user, stored_file_response
from .lockouts import lockout_lift, lockouts_of_agency, may_unlock
from .models import DocumentStatus
from .notifications import notification_list, notification_mark_read


@login_not_required
@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = health.run_checks()
    healthy = all(result == "ok" for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


@method_decorator(login_not_required, name="dispatch")
class PortalLoginView(auth_views.LoginView):
    form_class = PortalAuthenticationForm
    redirect_authenticated_user = True


def notifications(request: HttpRequest) -> HttpResponse:
    items = notification_list(portal_user(request))[:100]
    return render(request, "core/notifications.html", {"notifications": items})


@require_POST
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    raw = request.POST.getlist("id")
    ids = parse_ids(raw)
    # No id at all means "all"; ids that are all malformed mean none, not everything.
    notification_mark_read(actor=portal_user(request), notification_ids=ids if raw else None)
    return redirect("core:notifications")


def document_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    document = access_document(portal_user(request), pk)
    if document.status != DocumentStatus.READY:
        if document.status == DocumentStatus.FAILED:
            messages.error(request, _("The document could not be generated; request it again."))
        else:
            messages.info(request, _("The document is still being generated; try again shortly."))
        # Back to the page that linked here, but never to another site (open redirect).
        referer = request.headers.get("Referer", "")
        if url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(referer)
        return redirect("core:home")
    return stored_file_response(document.file, stem=document.title)


def lockouts(request: HttpRequest) -> HttpResponse:
    """The agency administrator's page of locked-out sign-ins, each with an unlock button."""
    user = portal_user(request)
    if not may_unlock(user):
        messages.error(request, _("Only your agency's administrator can unlock an account."))
        return redirect("core:home")
    return render(request, "core/lockouts.html", {"lockouts": lockouts_of_agency(user)})


@require_POST
def lockout_unlock(request: HttpRequest, user_pk: int) -> HttpResponse:
    try:
        unlocked = lockout_lift(actor=portal_user(request), user_id=user_pk)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("core:home")
    messages.success(request, _("%(name)s can sign in again.") % {"name": unlocked})
    return redirect("core:lockouts")
