"""Page-number pagination: `page`, `page_size` (default 25, at most 1000); and reading
every row, for the CSV downloads that are no page."""

from django.db import transaction
from rest_framework.pagination import PageNumberPagination


def every_row(queryset, chunk_size=2000):
    """The queryset's rows, read in chunks through one server-side cursor on PostgreSQL.

    In a transaction: outside one, Django declares the cursor WITH HOLD, and PostgreSQL
    then materialises the whole result before the first row arrives (docs/cdrs.md).
    """
    with transaction.atomic(using=queryset.db):  # the database the rows are read from
        yield from queryset.iterator(chunk_size=chunk_size)


class PagePagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}`, as DjangoPBX's API answers."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 1000
