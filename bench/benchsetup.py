"""What every benchmark needs first: its own PostgreSQL database and Django set up on it.

The scripts are run as files, so Python puts bench/ (not the project) on the path; they import
this module by its plain name.
"""

import os
import sys
import warnings
from pathlib import Path

import environ
import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/carbon_bench"


def ensure_database(url: str) -> None:
    config = environ.Env.db_url_config(url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
    )
    # CREATE DATABASE cannot run inside a transaction.
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
    connection.close()


def setup_django(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # WhiteNoise warns when collectstatic has not run; static files play no part here.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)


def seed_demo(scale: str = "national", *, show: tuple[str, ...] = ("seed_demo",)) -> list[str]:
    """Migrate and seed the demo at `scale` (after setup_django; a rerun adds nothing), then
    gather the planner statistics autovacuum would gather after the seed's bulk inserts (it may
    be off on a development server, and a table never analysed gets nested-loop plans that take
    hundreds of milliseconds). Returns the seed's output lines that start with `show`."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    out = StringIO()
    call_command("seed_demo", scale=scale, stdout=out)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return [line for line in out.getvalue().splitlines() if line.startswith(show)]


def staff_user(province):
    """A province-wide staff member of `province`, created once (after setup_django)."""
    from django.contrib.auth import get_user_model

    from accounts.models import Membership, Role

    user, _created = get_user_model().objects.get_or_create(username=f"bench-staff-{province.code}")
    Membership.objects.get_or_create(
        user=user,
        role=Role.PROVINCIAL_STAFF,
        province=province,
        city=None,
        enterprise=None,
        institution=None,
    )
    return user
