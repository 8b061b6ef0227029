"""DESIGN §3: domain apps depend on accounts and core, never the other way round, and no module
imports another app's views or API."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOMAIN_APPS = {"units", "reporting", "verification", "quotas", "deadlines"}
BASE_APPS = {"accounts", "core"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def python_files(app: str):
    return [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


@pytest.mark.parametrize("app", sorted(BASE_APPS))
def test_base_apps_do_not_import_domain_apps(app):
    offenders = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in python_files(app)
        for name in imported_modules(path)
        if name.split(".")[0] in DOMAIN_APPS
    }
    assert offenders == set()


@pytest.mark.parametrize("app", sorted(BASE_APPS | DOMAIN_APPS))
def test_no_app_imports_another_apps_views_or_api(app):
    offenders = set()
    for path in python_files(app):
        for name in imported_modules(path):
            parts = name.split(".")
            if (
                parts[0] != app
                and parts[0] in BASE_APPS | DOMAIN_APPS
                and ("views" in parts or "import_views" in parts or "api" in parts)
                # The API's base classes (DESIGN §3: core holds them) are there to be built on.
                and parts[:2] != ["core", "api"]
            ):
                offenders.add(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == set()
