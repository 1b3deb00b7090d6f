from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView, TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

api_v1 = [
    path("", include("orders.api_urls")),
    path("", include("claims.api_urls")),
    path("", include("desk.api_urls")),
    path("", include("decisions.api_urls")),
    path("", include("returns.api_urls")),
    path("", include("messaging.api_urls")),
]

# The case kernel's models moved to the `cases` app: admin bookmarks to their old pages still work.
moved_admin_pages = [
    re_path(
        rf"^admin/{old}/(?P<rest>{model}/.*)$",
        RedirectView.as_view(url="/admin/cases/%(rest)s", permanent=True, query_string=True),
    )
    for old, model in [("desk", "case"), ("desk", "refund"), ("decisions", "refundlimit")]
]

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    *moved_admin_pages,
    path("admin/", admin.site.urls),
    path("accounts/2fa/", include("desk.account_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("desk/", include("desk.urls")),
    path("returns/", include("portal.policy_urls")),
    path("portal/", include("portal.urls")),
    path("hooks/", include("integrations.urls")),
    path("api/v1/", include(api_v1)),
    # Labels, photos and attachments, only after an access check: no route serves the storage itself.
    path("files/", include("orders.file_urls")),
    # ESP webhooks: /anymail/<esp>/tracking/ and /anymail/<esp>/inbound/, for POSTSALE_WEBHOOK_ESP only.
    path("anymail/", include("messaging.webhook_urls")),
    path("", include("messaging.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start script as a file (?script), not inline: the CSP refuses
    # inline scripts. Swagger UI draws its icons as data: images.
    path(
        "api/docs/",
        csp_update({"img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api_docs.html")
        ),
        name="api-docs",
    ),
]
