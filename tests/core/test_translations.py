"""The UI is complete in Simplified Chinese and English.

The catalogs are complete (every entry translated, none fuzzy, placeholders kept), the committed
.mo files are the compiled .po files, the catalogs cover every translatable string of the source,
and the pages really come out in the requested language.
"""

import html
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
LANGUAGES = ("zh_Hans", "en")
# The same command the catalogs were made with (locations aside, which do not matter here).
MAKEMESSAGES = [
    "makemessages",
    "-l",
    "zh_Hans",
    "--ignore=.venv",
    "--ignore=var",
    "--ignore=tests",
    "--ignore=bench",
]
# Strings that Chinese writes exactly as English does (codes, units); none so far.
# Punctuation only: the list separator is "、" in Chinese, which is not a Han character.
SAME_IN_CHINESE: set[str] = {", "}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]|\{\w*\}")


def po_path(language: str, base: Path = BASE_DIR) -> Path:
    return base / "locale" / language / "LC_MESSAGES" / "django.po"


def live_entries(catalog) -> list:
    return [entry for entry in catalog if not entry.obsolete and entry.msgid]


def key(entry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def translations(entry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


# --- the catalogs themselves -------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete(language):
    path = po_path(language)
    assert path.exists(), f"{path} is missing: run makemessages"
    catalog = polib.pofile(str(path))
    entries = live_entries(catalog)
    assert entries, f"{path} has no entries"
    assert not catalog.metadata_is_fuzzy, f"{path}: the header is still marked fuzzy"
    assert catalog.metadata.get("Language") == language
    assert catalog.metadata.get("Project-Id-Version") == "carbon-compliance"
    nplurals = 1 if language == "zh_Hans" else 2
    assert f"nplurals={nplurals};" in catalog.metadata.get("Plural-Forms", "")

    fuzzy = [entry.msgid for entry in entries if "fuzzy" in entry.flags]
    assert not fuzzy, f"{path}: fuzzy entries: {fuzzy}"
    untranslated = [
        entry.msgid
        for entry in entries
        if not all(translations(entry))
        or (entry.msgid_plural and len(entry.msgstr_plural) != nplurals)
    ]
    assert not untranslated, f"{path}: untranslated entries: {untranslated}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_kept(language):
    catalog = polib.pofile(str(po_path(language)))
    wrong = []
    for entry in live_entries(catalog):
        allowed = [placeholders(entry.msgid)]
        if entry.msgid_plural:
            allowed.append(placeholders(entry.msgid_plural))
        for text in translations(entry):
            if placeholders(text) not in allowed:
                wrong.append(f"{entry.msgid!r} -> {text!r}")
    assert not wrong, "placeholders differ from the msgid:\n" + "\n".join(wrong)


def test_chinese_catalog_is_chinese():
    """Every Chinese entry that is a phrase (not a code or a unit) contains Chinese characters."""
    catalog = polib.pofile(str(po_path("zh_Hans")))
    han = re.compile(r"[\u4e00-\u9fff]")
    latin_only = [
        entry.msgid
        for entry in live_entries(catalog)
        if entry.msgid not in SAME_IN_CHINESE
        and any(not han.search(text) for text in translations(entry))
    ]
    assert not latin_only, f"zh_Hans entries left in English: {latin_only}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_the_po(language):
    po_file = po_path(language)
    mo_file = po_file.with_suffix(".mo")
    assert mo_file.exists(), f"{mo_file} is missing: run compilemessages and commit the .mo files"
    po_catalog, mo_catalog = polib.pofile(str(po_file)), polib.mofile(str(mo_file))

    def table(catalog):
        return {
            key(entry): tuple(translations(entry))
            for entry in catalog
            if entry.msgid and not entry.obsolete and "fuzzy" not in entry.flags
        }

    po_table, mo_table = table(po_catalog), table(mo_catalog)
    stale = sorted(
        str(msg) for msg in set(po_table) | set(mo_table) if po_table.get(msg) != mo_table.get(msg)
    )
    assert not stale, (
        f"{mo_file} does not match {po_file.name}; run "
        f"`python manage.py compilemessages --ignore .venv --ignore var`. Differences: {stale}"
    )


# --- the catalogs cover the source ------------------------------------------------------------


def project_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=BASE_DIR,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (BASE_DIR / name).is_file()]


def fingerprint(path: Path) -> tuple[int, bytes]:
    return path.stat().st_mtime_ns, path.read_bytes()


def test_catalogs_cover_every_translatable_string(tmp_path):
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.fail("GNU gettext is missing (xgettext, msgmerge): apt-get install gettext")
    if shutil.which("git") is None:
        pytest.fail("git is needed to list the project's files")
    copy = tmp_path / "project"
    for name in project_files():
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(BASE_DIR / name, target)
    # Regenerate from scratch: the copy's catalog is removed, so one that appears was written there.
    copy_po = po_path("zh_Hans", copy)
    copy_po.unlink()
    real_po = po_path("zh_Hans")
    real_before = fingerprint(real_po)

    # The project is installed editable into the venv: make sure the copy's own config (and so
    # its BASE_DIR and LOCALE_PATHS) is what the command loads, not the real tree's.
    environment = {**os.environ, "PYTHONPATH": str(copy)}

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=copy,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )

    show_paths = (
        "from django.conf import settings as s; print('PATHS', s.BASE_DIR, *s.LOCALE_PATHS)"
    )
    probe = manage("shell", "-v", "0", "-c", show_paths)
    assert probe.returncode == 0, probe.stderr
    paths = next(line for line in probe.stdout.splitlines() if line.startswith("PATHS")).split()
    assert paths[1:] == [str(copy), str(copy / "locale")], (
        f"the copy loads settings from elsewhere: {probe.stdout!r}"
    )

    made = manage(*MAKEMESSAGES)
    assert made.returncode == 0, f"makemessages failed:\n{made.stdout}\n{made.stderr}"
    assert copy_po.exists(), f"makemessages did not write into the copy: {made.stdout}"
    assert fingerprint(real_po) == real_before, "makemessages wrote into the real locale/"

    regenerated = {key(entry) for entry in live_entries(polib.pofile(str(copy_po)))}
    committed = {key(entry) for entry in live_entries(polib.pofile(str(real_po)))}
    missing = sorted(msgid for _context, msgid in regenerated - committed)
    assert not missing, (
        "strings in the source that the committed catalogs lack (re-run makemessages, translate, "
        "compilemessages):\n" + "\n".join(missing)
    )
    stale = sorted(msgid for _context, msgid in committed - regenerated)
    assert not stale, (
        "catalog entries no longer in the source (re-run makemessages):\n" + "\n".join(stale)
    )
    english = {key(entry) for entry in live_entries(polib.pofile(str(po_path("en"))))}
    assert english == committed, "the en and zh_Hans catalogs list different strings"


# --- the pages --------------------------------------------------------------------------------


class _VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes and the labelling attributes."""

    ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in self.ATTRIBUTES and value:
                self.texts.append(value)
            if tag == "input" and name == "value" and dict(attrs).get("type") == "submit":
                self.texts.append(value or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.texts.append(data)


def visible_texts(content: str) -> set[str]:
    parser = _VisibleText()
    parser.feed(content)
    return {html.unescape(text).strip().rstrip(":：").strip() for text in parser.texts} - {""}


def untranslated_on(content: str) -> list[str]:
    """Catalog strings that appear, whole and in English, as a piece of visible text."""
    catalog = polib.pofile(str(po_path("zh_Hans")))
    english = {
        entry.msgid
        for entry in live_entries(catalog)
        if not entry.msgid_plural and not placeholders(entry.msgid) and entry.msgstr != entry.msgid
    }
    return sorted(english & visible_texts(content))


@pytest.mark.django_db
def test_login_page_in_both_languages(client):
    chinese = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 200
    text = chinese.content.decode()
    assert '<html lang="zh-hans">' in text
    assert "登录" in text
    assert "Log in" not in text
    assert "碳市场履约管理" in text

    client.cookies.clear()
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    text = english.content.decode()
    assert '<html lang="en">' in text
    assert "Log in" in text
    assert "登录" not in text


@pytest.mark.django_db
def test_enterprise_list_in_chinese(client_as, shandong_staff, shandong_enterprise):
    response = client_as(shandong_staff).get("/units/enterprises/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    text = response.content.decode()
    expected = ["重点排放单位", "统一社会信用代码", "新增重点排放单位", "筛选", "退出登录"]
    expected += ["全国碳排放权交易市场", "共 1 家单位", "在运"]
    for chinese in expected:
        assert chinese in text, f"{chinese!r} missing from the Chinese enterprise list"
    for english in ("Key emission units", "Unified social credit code", "Log out", "unit found"):
        assert english not in text
    assert not untranslated_on(text), f"English left on the page: {untranslated_on(text)}"


@pytest.mark.django_db
def test_enterprise_detail_and_home_in_chinese(client_as, shandong_staff, shandong_enterprise):
    from accounts.scoping import actor_for
    from units import services

    actor = actor_for(shandong_staff)
    services.add_facility(
        actor=actor,
        enterprise=shandong_enterprise,
        values={"name": "1号机组", "category": "generating_unit", "capacity": Decimal("600"),
                "capacity_unit": "MW", "fuel": "coal", "cooling": "water"},
    )  # fmt: skip
    services.record_annual_emissions(
        actor=actor,
        enterprise=shandong_enterprise,
        year=2024,
        source="verified",
        direct_emissions=Decimal("1234567.89"),
    )
    client = client_as(shandong_staff)
    detail = client.get(shandong_enterprise.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert detail.status_code == 200
    text = detail.content.decode()
    for chinese in ("统一社会信用代码", "发电机组", "燃煤", "水冷", "核查值", "变更记录", "新增"):
        assert chinese in text, f"{chinese!r} missing from the Chinese enterprise page"
    # The history's changed-field names are checked apart, in the test below.
    text = re.sub(r'<td class="changes">.*?</td>', "", text, flags=re.S)
    assert not untranslated_on(text), f"English left on the page: {untranslated_on(text)}"

    home = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert home.status_code == 200
    text = home.content.decode()
    assert "省级首页" in text and "重点排放单位" in text
    assert not untranslated_on(text), f"English left on the home page: {untranslated_on(text)}"


@pytest.mark.django_db
def test_enterprise_list_in_english(client_as, shandong_staff, shandong_enterprise):
    response = client_as(shandong_staff).get("/units/enterprises/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Key emission units" in text
    assert "1 unit found" in text
    assert "筛选" not in text


@pytest.mark.django_db
def test_history_names_the_changed_fields_in_chinese(
    client_as, shandong_staff, shandong_enterprise
):
    from accounts.scoping import actor_for
    from units import services

    services.add_facility(
        actor=actor_for(shandong_staff),
        enterprise=shandong_enterprise,
        values={"name": "1号机组", "category": "generating_unit", "capacity": Decimal("600"),
                "capacity_unit": "MW", "fuel": "coal", "cooling": "water"},
    )  # fmt: skip
    response = client_as(shandong_staff).get(
        shandong_enterprise.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    changes = "".join(re.findall(r'<td class="changes">.*?</td>', response.content.decode(), re.S))
    assert "燃料类型" in changes and "燃煤" in changes
    assert not untranslated_on(changes), untranslated_on(changes)
