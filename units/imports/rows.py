"""Validating the rows: each row becomes an unsaved Enterprise or a list of RowErrors.

Everything the rows are checked against (cities, industries, codes already registered) is
loaded once per file; a row's checks collect every error instead of stopping at the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from accounts import scoping
from units import uscc
from units.imports.columns import (
    COLUMN_BY_KEY,
    SECTOR_LABELS_ZH,
    STATUS_LABELS_ZH,
    YES_NO,
    _aliases,
)
from units.imports.errors import RowError
from units.imports.reader import _Row
from units.models import City, Enterprise, EnterpriseStatus, Industry, Province, Sector
from units.validators import uscc_error_message


@dataclass
class _Context:
    """Everything the rows are checked against, loaded with one query per kind of thing."""

    actor: scoping.Actor
    province: Province
    cities: dict[str, City]
    industries: dict[str, list[Industry]]
    registered: dict[str, str]
    seen: dict[str, int] = field(default_factory=dict)
    sectors: dict[str, str] = field(default_factory=lambda: _aliases(SECTOR_LABELS_ZH))
    statuses: dict[str, str] = field(default_factory=lambda: _aliases(STATUS_LABELS_ZH))


def _load_context(
    actor: scoping.Actor, province: Province, cities: dict[str, City], rows: list[_Row]
) -> _Context:
    industries: dict[str, list[Industry]] = {}
    for industry in Industry.objects.order_by("sector"):
        industries.setdefault(industry.code, []).append(industry)
    codes = {uscc.normalise(row.cells["uscc"]) for row in rows} - {""}
    return _Context(actor, province, cities, industries, _registered(actor, codes))


def _registered(actor: scoping.Actor, codes: set[str]) -> dict[str, str]:
    """Codes already registered anywhere, with the unit's name only where the actor may see it."""
    # order_by(): the model's default ordering would join the province for nothing.
    registered = Enterprise.objects.filter(uscc__in=codes).order_by()
    taken = set(registered.values_list("uscc", flat=True))
    if not taken:
        return {}
    names = dict(scoping.visible(actor, registered).values_list("uscc", "name_zh"))
    return {code: names.get(code, "") for code in taken}


class _RowParser:
    """Checks one row, collecting every error instead of stopping at the first."""

    def __init__(self, context: _Context, row: _Row) -> None:
        self.context, self.row = context, row
        self.errors: list[RowError] = []

    def parse(self) -> Enterprise | None:
        values = {
            "uscc": self.uscc(),
            "name_zh": self.text("name_zh"),
            "name_en": self.text("name_en"),
            "city": self.city(),
            "industry": self.industry(),
            "status": self.choice("status", self.context.statuses, default=EnterpriseStatus.ACTIVE),
            "address": self.text("address"),
            "contact_name": self.text("contact_name"),
            "contact_phone": self.text("contact_phone"),
            "contact_email": self.email(),
            "is_in_pilot_market": self.pilot(),
        }
        if self.errors:
            return None
        return Enterprise(province=self.context.province, **values)

    def fail(self, key: str, message: str) -> None:
        value = self.row.cells[key]
        self.errors.append(RowError(self.row.number, COLUMN_BY_KEY[key].zh, value, message))

    def cell(self, key: str) -> str:
        value = self.row.cells[key]
        if key in self.row.formulas:
            self.fail(key, _("Formulas are not accepted: enter the value itself."))
            return ""
        if COLUMN_BY_KEY[key].required and not value:
            self.fail(key, _("This cell is required."))
        return value

    def text(self, key: str) -> str:
        value = self.cell(key)
        limit = Enterprise._meta.get_field(key).max_length
        if limit and len(value) > limit:
            self.fail(
                key,
                _("At most %(limit)d characters are allowed; this cell has %(count)d.")
                % {"limit": limit, "count": len(value)},
            )
        return value

    def uscc(self) -> str:
        raw = self.cell("uscc")
        if not raw:
            return ""
        result = uscc.check(raw)
        if not result.is_valid:
            self.fail("uscc", uscc_error_message(result))
            return ""
        first = self.context.seen.setdefault(result.code, self.row.number)
        if first != self.row.number:
            self.fail(
                "uscc",
                _("The code %(code)s appears in rows %(first)d and %(row)d; list a unit once.")
                % {"code": result.code, "first": first, "row": self.row.number},
            )
        elif result.code in self.context.registered:
            self.fail("uscc", self._registered_message(result.code))
        return result.code

    def _registered_message(self, code: str) -> str:
        name = self.context.registered[code]
        if name:
            return _("The code %(code)s is already registered, as %(name)s.") % {
                "code": code,
                "name": name,
            }
        return _("The code %(code)s is already registered.") % {"code": code}

    def city(self) -> City | None:
        name = self.cell("city")
        city = self.context.cities.get(name)
        if name and city is None:
            self.fail(
                "city",
                _("%(city)s is not a city of %(province)s.")
                % {"city": name, "province": self.context.province.name_zh},
            )
        elif not scoping.can_create(
            self.context.actor,
            Enterprise,
            province_id=self.context.province.pk,
            city_id=getattr(city, "pk", None),
        ):
            self.fail("city", _("You may only add key emission units of the city you work for."))
        return city

    def industry(self) -> Industry | None:
        code = self.cell("industry_code")
        sector = self.choice("sector", self.context.sectors, default="")
        candidates = self.context.industries.get(code, [])
        if code and not candidates:
            self.fail(
                "industry_code",
                _("%(code)s is not a known industry code; see the sheet 行业代码.")
                % {"code": code},
            )
        if not candidates or sector is None:
            return None
        return self._one_industry(code, sector, candidates)

    def _one_industry(self, code: str, sector: str, candidates: list[Industry]) -> Industry | None:
        matching = [industry for industry in candidates if not sector or industry.sector == sector]
        labels = "、".join(SECTOR_LABELS_ZH[Sector(industry.sector)] for industry in candidates)
        if not matching:
            self.fail(
                "sector",
                _("Industry code %(code)s belongs to %(sectors)s, not to this sector.")
                % {"code": code, "sectors": labels},
            )
        elif len(matching) > 1:
            self.fail(
                "sector",
                _("Industry code %(code)s belongs to several sectors (%(sectors)s): fill in the "
                  "sector.") % {"code": code, "sectors": labels},
            )  # fmt: skip
        return matching[0] if len(matching) == 1 else None

    def choice(self, key: str, aliases: dict[str, str], *, default: str) -> str | None:
        """The stored value of a choice cell; None (with an error) when it is not a choice."""
        value = self.cell(key)
        if not value:
            return default
        choice = aliases.get(value) or aliases.get(value.casefold())
        if choice is None:
            choices = "、".join(dict.fromkeys(label for label in aliases if not label.isascii()))
            self.fail(key, _("Use one of: %(choices)s.") % {"choices": choices})
        return choice

    def email(self) -> str:
        value = self.text("contact_email")
        try:
            if value:
                validate_email(value)
        except ValidationError:
            self.fail("contact_email", _("This is not a valid e-mail address."))
        return value

    def pilot(self) -> bool:
        value = self.cell("is_in_pilot_market")
        if value and value.casefold() not in YES_NO:
            self.fail("is_in_pilot_market", _("Use 是 (yes) or 否 (no)."))
        return YES_NO.get(value.casefold(), False)
