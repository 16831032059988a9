"""Page-number pagination: `page`, `page_size` (default 25, at most 1000)."""

from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}`, as DjangoPBX's API answers."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 1000
