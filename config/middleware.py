"""Requests that carry a NUL character are refused before any view reads them.

PostgreSQL stores no NUL in text; a NUL in a query parameter or the path that reached a filter
(`?number=%00`) made the driver raise and the request answer 500. Forms and serializers refuse
NUL already (Django's `ProhibitNullCharactersValidator`); the query string and the path are read
raw by many views, so they are checked here once.
"""

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

NUL = "\x00"


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = _field_with_nul(request)
        if field is None:
            return self.get_response(request)
        message = _("Null characters are not allowed.")
        if request.path_info.startswith("/api/"):
            return JsonResponse({field: [message]}, status=400)
        return HttpResponseBadRequest(f"{field}: {message}", content_type="text/plain; charset=utf-8")


def _field_with_nul(request) -> str | None:
    """The name of the first query parameter (or "path") that holds a NUL, else None."""
    if NUL in request.path_info:
        return "path"
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in value for value in values):
            return key.replace(NUL, "")
    return None
