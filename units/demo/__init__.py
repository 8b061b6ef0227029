"""Deterministic demo data: key emission units with facilities and three years of emissions.

`plan()` builds the data in memory only (tests compare against it); `seed()` writes whatever is
missing, keyed on the unified social credit code, so running it again is safe and widening the
scale from small to national only adds the rest.

Each province draws from its own random stream (all derived from one fixed seed) and lists its
enterprises in a fixed order, so the small scale is exactly the first 30 units of Shandong and
Guangdong in the national scale. Writes go straight through the ORM with bulk_create: this is
demo data, not a user action, so the services and their audit trail are bypassed on purpose.

The package: `data` (scales, counts, sizes, equipment), `geography` (cities and provinces),
`names` (what names and codes are made of), `specs` (the planned records), `planning` (the
generator, `plan()`), `seeding` (the writer, `seed()`, and the demo logins), `deadlines`
(the compliance calendar as of a day, `seed_deadlines()`), `lists` (the annual lists of
2025-2027, formulated, approved and published as of a day, `seed_lists()`) and `reporting`
(this year's monthly certifications as of a day, in step with the calendar,
`seed_reporting()`) and `annual` (last year's annual emission reports and next year's data
quality control plans as of a day, in step with the calendar, `seed_annual()`; their words in
`annual_texts`), `verification` (last year's reports verified, objections and the institutions'
evaluation in draft, `seed_verification()`) and `quotas` (last year's allowances pre-allocated,
determined and issued, and their settlement in progress, `seed_quotas()`) and `snapshots` (the
API's bulk snapshots of this year and last, `seed_snapshots()`).
"""

from units.demo.annual import AnnualResult, seed_annual
from units.demo.data import DEMO_PASSWORD, SCALES, SMALL_PROVINCES, THRESHOLD_T, Scale
from units.demo.deadlines import DeadlinesResult, seed_deadlines
from units.demo.lists import ListsResult, ListStaff, ensure_list_staff, seed_lists
from units.demo.planning import national_counts, plan
from units.demo.quotas import QuotasResult, seed_quotas
from units.demo.reporting import ReportingResult, seed_reporting
from units.demo.seeding import Login, SeedResult, seed
from units.demo.snapshots import SnapshotsResult, seed_snapshots
from units.demo.specs import EnterpriseSpec
from units.demo.verification import VerificationResult, seed_verification

__all__ = [
    "DEMO_PASSWORD",
    "SCALES",
    "SMALL_PROVINCES",
    "THRESHOLD_T",
    "AnnualResult",
    "DeadlinesResult",
    "EnterpriseSpec",
    "ListStaff",
    "ListsResult",
    "Login",
    "QuotasResult",
    "ReportingResult",
    "Scale",
    "SeedResult",
    "SnapshotsResult",
    "VerificationResult",
    "ensure_list_staff",
    "national_counts",
    "plan",
    "seed",
    "seed_annual",
    "seed_deadlines",
    "seed_lists",
    "seed_quotas",
    "seed_reporting",
    "seed_snapshots",
    "seed_verification",
]
