"""The disclosure documents: rows in the notice's columns, an xlsx that reads back to the same
rows with no cell run as a formula, and a PDF whose Chinese text is real text in a CJK font."""

import io
import re
import shutil
import subprocess
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.core.test_pdf import CJK_FONT_NAME, base_fonts, inflated
from units.lists import exports
from units.models import City, Enterprise, Industry, ListEntry, Province, UnitList

SHANDONG = Province(code="370000", name_zh="山东省", name_en="Shandong")
JINAN = City(name_zh="济南市", name_en="Jinan")
POWER = Industry(code="4411", name_zh="火力发电", sector="power")
METHANOL = Industry(code="2614", name_zh="有机化学原料制造（甲醇）", sector="chemical")
INJECTED = ["=1+1", "+8613800000000电厂", "-负荷有限公司", "@SUM(A1:A2)", '=HYPERLINK("http://x")']


def uscc(name: str) -> str:
    """A code per name (the exports do not validate it; the registry does)."""
    return f"91370100{sum(map(ord, name)) % 10**9:09d}X"


def entry(name, *, decision="continuing", scope="market", city=JINAN, industry=POWER, **extra):
    """An unsaved entry with its related rows: the exports are pure and need no database."""
    enterprise = Enterprise(name_zh=name, uscc=uscc(name), city=city, industry=industry)
    unit_list = UnitList(province=SHANDONG, year=2027)
    return ListEntry(
        unit_list=unit_list, enterprise=enterprise, scope=scope, decision=decision, **extra
    )


def sample_entries() -> list[ListEntry]:
    return [
        entry("济南第一发电有限公司"),
        entry("青岛新建电厂", decision="new", city=None),
        entry("淄博关停电厂", decision="removed", reason_code="closed"),
        entry(
            "潍坊被合并电厂",
            decision="removed",
            reason_code="merged",
            explanation={"merged_into": "潍坊能源集团有限公司"},
        ),
        entry("山东甲醇化工有限公司", decision="new", scope="reporting_only", industry=METHANOL),
        *(entry(name) for name in INJECTED),
    ]


def document(entries) -> exports.Disclosure:
    return exports.disclosure(
        place="山东省", year=2027, date_label="公布日期", on=date(2026, 10, 20), entries=entries
    )


def read_back(content: bytes) -> dict[str, list[tuple]]:
    """Each sheet's data rows as openpyxl reads them (an empty cell is blank text)."""
    workbook = load_workbook(io.BytesIO(content))
    return {
        sheet.title: [
            tuple("" if value is None else value for value in row)
            for row in sheet.iter_rows(min_row=exports.FIRST_DATA_ROW, values_only=True)
        ]
        for sheet in workbook
    }


# --- the rows -----------------------------------------------------------------------------------


def test_rows_follow_the_disclosure_columns_numbered_per_section():
    market, reporting = document(sample_entries()).sections

    assert market.heading == "全国碳排放权交易市场重点排放单位"
    assert reporting.heading == "纳入年度温室气体排放报告管理的单位"
    assert market.rows[:4] == [
        (1, "山东省", "济南市", "济南第一发电有限公司", uscc("济南第一发电有限公司"),
         "火力发电（4411）", ""),
        (2, "山东省", "", "青岛新建电厂", uscc("青岛新建电厂"), "火力发电（4411）",
         "新增"),
        (3, "山东省", "济南市", "淄博关停电厂", uscc("淄博关停电厂"),
         "火力发电（4411）", "移出"),
        (4, "山东省", "济南市", "潍坊被合并电厂", uscc("潍坊被合并电厂"),
         "火力发电（4411）", "移出；合并至潍坊能源集团有限公司"),
    ]  # fmt: skip
    assert [row[0] for row in market.rows] == list(range(1, 10))
    assert reporting.rows == [
        (1, "山东省", "济南市", "山东甲醇化工有限公司", uscc("山东甲醇化工有限公司"),
         "有机化学原料制造（甲醇）（2614）", "新增"),
    ]  # fmt: skip


def test_both_sections_are_always_there():
    market, reporting = document([entry("济南第一发电有限公司")]).sections

    assert len(market.rows) == 1
    assert reporting.rows == []


def test_title_and_file_name():
    doc = document([])

    assert doc.title == "山东省2027年度全国碳排放权交易市场重点排放单位名录"
    assert doc.filename("xlsx") == "山东省2027年度重点排放单位名录.xlsx"
    assert exports.filename("全国", 2027, "pdf") == "全国2027年度重点排放单位名录.pdf"


# --- xlsx ----------------------------------------------------------------------------------------


def test_xlsx_reads_back_to_the_same_rows():
    doc = document(sample_entries())
    content = exports.list_xlsx(title=doc.title, sections=doc.sections)

    assert read_back(content) == {
        "重点排放单位名录": doc.sections[0].rows,
        "年度排放报告管理单位": doc.sections[1].rows,
    }


def test_xlsx_has_title_chinese_header_and_frozen_header():
    doc = document(sample_entries())
    workbook = load_workbook(io.BytesIO(exports.list_xlsx(title=doc.title, sections=doc.sections)))

    for sheet in workbook:
        assert sheet["A1"].value == doc.title
        header = next(sheet.iter_rows(min_row=3, max_row=3, values_only=True))
        assert header == exports.HEADERS
        assert header[:4] == ("序号", "省份", "地市", "重点排放单位名称")
        assert sheet.freeze_panes == "A4"
        assert sheet.column_dimensions["D"].width >= 40
    assert workbook["年度排放报告管理单位"]["A2"].value == "纳入年度温室气体排放报告管理的单位"


def test_names_that_look_like_formulas_come_back_as_text():
    doc = document(sample_entries())
    content = exports.list_xlsx(title=doc.title, sections=doc.sections)
    sheet = load_workbook(io.BytesIO(content))["重点排放单位名录"]

    names = {row[3].value: row[3] for row in sheet.iter_rows(min_row=exports.FIRST_DATA_ROW)}
    for name in INJECTED:
        cell = names[name]
        assert cell.value == name
        assert cell.data_type == "s"
        # Excel's "typed as text" marker: the cell stays text even when a user edits it.
        assert cell.quotePrefix is True
    assert names["济南第一发电有限公司"].quotePrefix is False
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [archive.read(name) for name in archive.namelist() if "worksheets/" in name]
    assert not any(b"<f>" in xml or b"<f " in xml for xml in sheets), "a cell holds a formula"


# --- PDF -----------------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    """The PDF's text without white space: a cell's text may wrap onto several lines."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils")
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True)
    assert done.returncode == 0, done.stderr
    return re.sub(r"[ \t\n\r]+", "", done.stdout.decode())


def test_pdf_text_has_the_title_dates_and_the_chinese_unit_names():
    entries = sample_entries()
    pdf = exports.list_pdf(document=document(entries))
    text = pdf_text(pdf)

    assert "山东省2027年度全国碳排放权交易市场重点排放单位名录" in text
    assert "公布日期：2026年10月20日" in text
    assert "名录年度：2027年度" in text
    for item in entries:
        assert item.enterprise.name_zh in text
    assert "纳入年度温室气体排放报告管理的单位" in text
    assert "合并至潍坊能源集团有限公司" in text
    assert re.search(r"第1页共\d+页", text)


def test_pdf_draws_chinese_with_an_embedded_cjk_font():
    content = inflated(exports.list_pdf(document=document(sample_entries())))

    fonts = base_fonts(content)
    assert fonts, "no font embedded"
    assert all(CJK_FONT_NAME.search(name) for name in fonts), fonts


def test_long_pdf_numbers_its_pages_and_repeats_the_header_row():
    entries = [entry(f"测试发电有限公司第{number}厂") for number in range(120)]
    text = pdf_text(exports.list_pdf(document=document(entries)))

    pages = [page for page in text.split("\f") if page]
    total = len(pages)
    assert total >= 3
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页共{total}页" in page, page[-200:]
    # Every page has the header row: thead repeats, and the last page starts its own section.
    for page in pages:
        assert "统一社会信用代码" in page
    assert "测试发电有限公司第119厂" in text
