"""What a statistics request asks: the cycle, by the year of the ministry's notice, and the
day its obligations are counted as of, chosen as the dashboards choose them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

from config.dashboards.cycle import Cycle, cycle_a_year_before, cycle_as_of

FIRST_DAY = date(1900, 1, 1)


class StatisticsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        required=False,
        min_value=FIRST_DAY.year,
        max_value=2200,
        help_text=_(
            "The cycle, by the year of the ministry's notice (the 2026 cycle verifies and "
            "settles 2025). Default: the cycle current on as_of."
        ),
    )
    as_of = serializers.DateField(
        required=False,
        help_text=_(
            "Count every obligation as it stood at the end of this day (YYYY-MM-DD, not after "
            "today). Default: today, or 31 December of a past year."
        ),
    )

    def validate_year(self, value: int) -> int:
        today = self.context["today"]
        if value > today.year:
            raise serializers.ValidationError(
                _("The %(year)s cycle has not begun: this year is %(this_year)s.")
                % {"year": value, "this_year": today.year}
            )
        return value

    def validate_as_of(self, value: date) -> date:
        today = self.context["today"]
        if value > today:
            raise serializers.ValidationError(
                _("Must not be after today (%(today)s).") % {"today": today}
            )
        if value < FIRST_DAY:
            raise serializers.ValidationError(_("Must not be before %(day)s.") % {"day": FIRST_DAY})
        return value


@dataclass(frozen=True)
class Asked:
    """The cycle and day a request reads (cycle None: no national calendar up to the day), and
    the parameters it gave (carried into the links to the details)."""

    as_of: date
    cycle: Cycle | None
    last_cycle: Cycle | None
    given: dict[str, str]


def asked(request) -> Asked:
    """The cycle current on `as_of` (default today), as the dashboards choose it; with `year`,
    a day that has another cycle (or none) current is a 400 naming the parameter."""
    today = timezone.localdate()
    params = StatisticsQuerySerializer(data=request.query_params, context={"today": today})
    params.is_valid(raise_exception=True)
    year, as_of = params.validated_data.get("year"), params.validated_data.get("as_of")
    if as_of is None:
        as_of = today if year is None else min(today, date(year, 12, 31))
    cycle = cycle_as_of(as_of)
    if year is not None and (cycle is None or cycle.year != year):
        current = cycle.year if cycle else _("none")
        raise exceptions.ValidationError(
            {
                "year": [
                    _(
                        "No %(year)s cycle on %(as_of)s: the national calendar current on that "
                        "day is %(current)s."
                    )
                    % {"year": year, "as_of": as_of, "current": current}
                ]
            }
        )
    given = {name: request.query_params[name] for name in params.validated_data}
    return Asked(as_of, cycle, cycle_a_year_before(as_of, cycle), given)
