"""Statistics per province through the API (collected by config/api.py, which reads `routes`):
the dashboards' measures as numbers and codes. The list is the national roll-up's row of each
province the token may see; the detail is one province's dashboard. Both read what the dashboards
read (national.rollup_rows, measures.ProvinceDashboard), for the cycle the dashboards choose.

`params` parses what a request asks (the cycle and the day), `selectors` reads the figures,
`serializers` describes them, `views` is the resource."""

from config.dashboards.api.views import StatisticsViewSet

routes = [("statistics", StatisticsViewSet, "statistic")]
