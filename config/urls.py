from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from portal.core import urls as core_urls
from portal.core import views as core_views
from portal.home import urls as home_urls
from portal.kiosk.urls import confirmation_urlpatterns

admin.site.site_header = admin.site.site_title = _("Labour Dispute Tri-party Portal")

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/login/", core_views.PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Switching the language must work before logging in, e.g. on the login page.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("cases/", include("portal.cases.urls")),
    path("kiosk/", include("portal.kiosk.urls")),
    path("intake/", include("portal.kiosk.intake_urls")),
    path("referrals/", include("portal.referrals.urls")),
    path("clues/", include("portal.clues.urls")),
    path("meetings/", include("portal.meetings.urls")),
    path("mediation/confirm/", include(confirmation_urlpatterns)),
    path("mediation/", include("portal.mediation.urls")),
    path("messaging/", include("portal.messaging.urls")),
    # The work list lives in the top layer (portal.home) but keeps its name `core:home`: one
    # namespace for the portal's own pages, assembled here because core may not import home.
    path("", include(([*home_urls.urlpatterns, *core_urls.urlpatterns], core_urls.app_name))),
]
