# ruff: noqa: E501
"""The 2026 MEE notice's calendar (reference/notice-2026.md, DESIGN.md §1), loaded as rows of
DeadlineRule by data migration. Later notices are data edits in the admin, not code."""

FOUR = ["power", "steel", "cement", "aluminium"]
HEAVY = ["steel", "cement", "aluminium"]
OTHER_KEY = ["petrochemical", "chemical", "flat_glass", "copper", "paper", "aviation"]
SOURCE = "关于做好2026年全国碳排放权交易市场有关工作的通知"


def _rule(kind, party, *, sectors=(), scope="all", period=0, month=None, day=None, **extra):
    return {
        "kind": kind,
        "party": party,
        "sectors": list(sectors),
        "market_scope": scope,
        "period_year_offset": period,
        "due_kind": "fixed" if month else "offset",
        "due_month": month,
        "due_day": day,
        **extra,
    }


RULES_2026 = [
    _rule("annual_report", "enterprise", sectors=FOUR, scope="market", period=-1, month=3, day=31),
    # Other key industries, and steel/cement units not yet in the market: reporting only.
    _rule("annual_report", "enterprise", scope="reporting_only", period=-1, month=3, day=31),
    _rule("supplementary_report", "enterprise", sectors=OTHER_KEY, scope="reporting_only",
          period=-1, month=3, day=31),
    _rule("pre_allocation", "province", sectors=HEAVY, scope="market", period=-1, month=4, day=10),
    _rule("pre_allocation", "province", sectors=["power"], scope="market", period=-1, month=6, day=30),
    _rule("verification", "province", sectors=["power"], scope="market", period=-1, month=6, day=30),
    _rule("verification", "province", sectors=HEAVY, scope="market", period=-1, month=7, day=31),
    _rule("verification", "province", sectors=["steel", "cement"], scope="reporting_only",
          period=-1, month=7, day=31),
    _rule("verification", "province", sectors=OTHER_KEY, scope="reporting_only",
          period=-1, month=12, day=31),
    _rule("determination", "province", sectors=FOUR, scope="market", period=-1, month=9, day=20),
    _rule("allocation", "province", sectors=FOUR, scope="market", period=-1, month=9, day=30),
    _rule("list_publication", "province", per_enterprise=False, period=1, month=10, day=31),
    _rule("institution_evaluation", "province", per_enterprise=False, period=-1, month=11, day=30),
    _rule("settlement", "enterprise", sectors=FOUR, scope="market", period=-1, month=12, day=31),
    _rule("quality_control_plan", "enterprise", sectors=FOUR, scope="market", period=1,
          month=12, day=31),
    _rule("monthly_certification", "enterprise", sectors=FOUR, scope="market", period_kind="month",
          offset_days=40),
]  # fmt: skip

# Days from the due date: 30, 7 and 1 before, the day itself, then weekly while overdue.
REMINDER_LADDER = [(-30, None), (-7, None), (-1, None), (0, None), (7, 7)]
