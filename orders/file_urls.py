"""/files/<kind>/<pk>/: one route per kind of private file, each behind FileView's access check."""

from django.urls import path

from .file_views import FileView
from .files import KINDS

urlpatterns = [
    path(f"{kind}/<int:pk>/", FileView.as_view(), {"kind": kind}, name=f"file-{kind}")
    for kind in sorted(KINDS)
]
