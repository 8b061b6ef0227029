from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination


class StablePageNumberPagination(PageNumberPagination):
    """Numbered pages of `PAGE_SIZE` rows (the client may ask for up to 500). The order is
    always completed by a unique key (filters.StableOrderingFilter), so pages neither repeat
    nor skip rows between requests.

    The page's keys are found first and its rows fetched by key: the database then sorts
    narrow rows (a key and the sort columns), not every wide row of the table, which would
    spill the sort to disk on tables of tens of thousands of submissions."""

    page_size_query_param = "page_size"
    max_page_size = 500
    page_query_description = _("Page number, from 1.")
    page_size_query_description = _("Rows per page: 100 unless given, at most 500.")

    def paginate_queryset(self, queryset, request, view=None):
        keys = super().paginate_queryset(queryset.values_list("pk", flat=True), request, view)
        if keys is None:
            return None
        rows = queryset.in_bulk(keys)
        return [rows[key] for key in keys]

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["description"] = _("One page of rows, with links to the next and previous.")
        descriptions = {
            "count": _("Rows matching the filters, on every page."),
            "next": _("The next page; null on the last."),
            "previous": _("The previous page; null on the first."),
            "results": _("This page's rows."),
        }
        for name, description in descriptions.items():
            paginated["properties"][name]["description"] = description
            paginated["properties"][name].pop("example", None)
        return paginated
