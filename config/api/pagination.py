"""How lists are paged."""

from rest_framework.pagination import CursorPagination


class CursorPage(CursorPagination):
    """Keyset pagination: no COUNT(*) and stable pages while rows are added."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200
