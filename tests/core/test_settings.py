"""Settings promises: hardened production, China's time zone, both UI languages."""

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]
DEFAULT_TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/carbon"


def production_environment() -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    environment = {
        key: value
        for key, value in os.environ.items()
        # The test run's own settings must not leak into the production process.
        if not key.startswith(("DJANGO_", "CELERY_")) and key not in {"REDIS_URL"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        DJANGO_ALLOWED_HOSTS="carbon.example.gov.cn",
        DATABASE_URL=os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL),
    )
    return environment


def run_in_production(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = run_in_production("manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_runs_in_china_time_in_chinese_and_english():
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.TIME_ZONE, settings.LANGUAGE_CODE, settings.LANGUAGES]))"
    )
    result = run_in_production("-c", script)

    assert result.returncode == 0, result.stderr
    time_zone, language_code, languages = json.loads(result.stdout.splitlines()[-1])
    assert time_zone == "Asia/Shanghai"
    assert language_code == "zh-hans"
    assert [code for code, _name in languages] == ["zh-hans", "en"]


def test_every_environment_shares_the_time_zone_and_languages():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]
