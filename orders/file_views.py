"""The file route for desk users and API tokens: a member of the file's shop with the permission to see it."""

from django.db.models.fields.files import FieldFile
from django.http import Http404
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from . import tenancy
from .files import KINDS, FileKind, file_response


def file_of(kind: FileKind, row) -> FieldFile:
    file = getattr(row, kind.field_name)
    if not file:
        raise Http404
    return file


class FileView(APIView):
    """One stored file, for a member of its shop who may see what it belongs to; 404 for anyone else.

    A DRF view so that an API token opens it as a desk session does. Another shop's file, one
    the user has no permission for and one that does not exist answer alike.
    """

    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "head"]
    schema = None  # bytes, not an API resource: the answers that link here document it

    def get(self, request, kind: str, pk: int):
        found = KINDS[kind]
        if not request.user.has_perm(found.permission):
            raise Http404
        row = tenancy.get_in_shops_or_404(found.model._default_manager.all(), request.user, pk=pk)
        file = file_of(found, row)
        name = getattr(row, found.download_name, "") if found.download_name else ""
        return file_response(file, filename=name or f"{kind}-{row.pk}")
