"""The Excel path of the monthly certification: the template, the all-or-nothing upload that ends
in save_values, the combination of rows into the month, and who may do what."""

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditAction, AuditEvent
from reporting import excel, services
from reporting.excel.layout import FIRST_DATA_ROW, item_columns
from reporting.models import DataItemSchema, MonthlyCertification, SubmissionStatus
from tests.factories import accounts as users
from tests.factories.units import EnterpriseFactory

TODAY = date(2026, 4, 15)
PERIOD = (2026, 3)

# A power month within every plausible range, as typed into the form.
MONTH = {
    "coal_consumption": "100000",
    "coal_ncv": "20.934",
    "coal_carbon_content": "0.02649",
    "coal_oxidation_rate": "99",
    "power_generated": "280000",
    "power_supplied": "265000",
    "operating_hours": "700",
    "load_factor": "78.5",
}


@pytest.fixture(autouse=True)
def english(client):
    """Messages are asserted in their English source, whatever the Chinese catalog says."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def power(db):
    return DataItemSchema.objects.get(year=2026, sector="power")


@pytest.fixture
def owner(shandong_enterprise_user, actor):
    return actor(shandong_enterprise_user)


@pytest.fixture
def draft(shandong_enterprise, owner):
    return services.start(
        actor=owner, enterprise=shandong_enterprise, year=2026, month=3, today=TODAY
    )


@pytest.fixture
def twin(shandong, jinan, actor):
    """A second power unit of the province with its own user and an equal draft of the month."""
    enterprise = EnterpriseFactory(province=shandong, city=jinan, name_zh="对照电厂")
    user = users.enterprise_user(enterprise, username="ent-twin")
    twin_actor = actor(user)
    return twin_actor, services.start(
        actor=twin_actor, enterprise=enterprise, year=2026, month=3, today=TODAY
    )


def xlsx(schema, rows=(), *, edit=None) -> bytes:
    """The schema's template with `rows` (dicts of "label" and item codes) written from row 4;
    `edit(workbook)` changes anything else before it is saved."""
    workbook = load_workbook(io.BytesIO(excel.build_template(schema)))
    sheet = workbook[excel.DATA_SHEET]
    index = {column.item.code: column.index for column in item_columns(list(schema.items.all()))}
    for number, cells in enumerate(rows, start=FIRST_DATA_ROW):
        for key, value in cells.items():
            sheet.cell(row=number, column=1 if key == "label" else index[key], value=value)
    if edit is not None:
        edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_file(content: bytes, name: str = "月度数据.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=excel.XLSX_CONTENT_TYPE)


def numbers(values: dict[str, str]) -> dict[str, float]:
    """Values as a spreadsheet holds them: numbers, not text."""
    return {code: float(value) for code, value in values.items()}


def run(actor, certification, content: bytes, name: str = "月度数据.xlsx"):
    return excel.upload(
        actor=actor, certification=certification, uploaded_file=as_file(content, name)
    )


def saved(certification) -> tuple:
    certification.refresh_from_db()
    findings = sorted(
        (f.rule, f.item_code, f.severity, f.params) for f in certification.findings.all()
    )
    return (
        certification.values,
        certification.emissions,
        certification.calculation,
        certification.formula_version,
        findings,
    )


# The template ----------------------------------------------------------------------------------


def test_the_template_has_chinese_headers_units_validation_and_instructions(power):
    workbook = load_workbook(io.BytesIO(excel.build_template(power)))
    assert workbook.sheetnames == [excel.DATA_SHEET, excel.INSTRUCTIONS_SHEET]
    sheet = workbook[excel.DATA_SHEET]
    header = [[cell.value for cell in row] for row in sheet.iter_rows(max_row=3, max_col=4)]
    assert header == [
        ["日期/设施", "燃煤消耗量", "燃煤低位发热量", "燃煤单位热值含碳量"],
        ["日期或名称", "t", "GJ/t", "tC/GJ"],
        ["Day or facility", "Coal consumption", "Coal net calorific value",
         "Coal carbon content per GJ"],
    ]  # fmt: skip
    titles = [cell.value for cell in sheet[1]]
    assert {"运行小时数", "负荷（出力）系数", "天然气消耗量"} <= set(titles)
    assert len(titles) == 1 + power.items.count()
    assert "合理范围 Plausible range: 10 – 32" in sheet["C1"].comment.text
    assert sheet.freeze_panes == "B4"
    (validation,) = sheet.data_validations.dataValidation
    assert (validation.type, validation.operator, validation.formula1) == (
        "decimal",
        "greaterThanOrEqual",
        "0",
    )
    assert "B4" in validation.sqref and "N10003" in validation.sqref

    instructions = "\n".join(
        str(value)
        for row in workbook[excel.INSTRUCTIONS_SHEET].iter_rows(values_only=True)
        for value in row
        if value
    )
    assert "每行填写一天或一个设施" in instructions
    assert "Each row is one day or one facility" in instructions
    assert "weighted by their group's consumption" in instructions
    assert "power-2022-v1" in instructions
    rules = {
        row[0]: row[6]
        for row in workbook[excel.INSTRUCTIONS_SHEET].iter_rows(values_only=True)
        if row and len(row) > 6
    }
    assert rules["燃煤消耗量"] == "summed over the rows"
    assert rules["燃煤低位发热量"].startswith("mean weighted by the group's consumption")
    assert rules["运行小时数"] == "summed over days; the largest over facilities"
    assert rules["负荷（出力）系数"] == "plain mean of the rows"


def test_the_sector_template_downloads_for_any_role_and_the_certification_template_lists_its_days(
    client_as, shandong_staff, shandong_enterprise_user, draft
):
    url = reverse("reporting:excel-template")
    response = client_as(shandong_staff).get(url, {"sector": "cement", "year": 2026})
    assert response.status_code == 200
    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content))[excel.DATA_SHEET]
    assert sheet["B1"].value == "熟料产量"

    response = client_as(shandong_enterprise_user).get(url, {"certification": draft.public_id})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))[excel.DATA_SHEET]
    days = [row[0].date() for row in sheet.iter_rows(min_row=4, max_col=1, values_only=True)]
    assert days[0] == date(2026, 3, 1) and days[-1] == date(2026, 3, 31) and len(days) == 31

    assert client_as(shandong_staff).get(url, {"sector": "no-such-sector"}).status_code == 404
    assert client_as(shandong_staff).get(url, {"sector": "power", "year": "x"}).status_code == 404


def test_the_template_of_a_certification_uploads_back_as_it_is_with_figures_in_its_days(
    owner, draft
):
    """The listed days without figures are not rows; the days with figures are."""
    workbook = load_workbook(io.BytesIO(excel.build_template(draft.schema, certification=draft)))
    sheet = workbook[excel.DATA_SHEET]
    sheet["B4"], sheet["B5"] = 1200, 800  # coal on 1 and 2 March
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run(owner, draft, buffer.getvalue())
    assert (result.of_days, result.rows_used, result.values) == (
        True,
        2,
        {"coal_consumption": "2000"},
    )


# The combination into the month ---------------------------------------------------------------


def test_two_days_of_coal_combine_with_the_consumption_weighted_ncv(owner, draft, twin):
    days = [
        {
            "label": date(2026, 3, 1),
            "coal_consumption": 1200, "coal_ncv": 20.5, "coal_carbon_content": 0.0265,
            "coal_oxidation_rate": 99, "power_generated": 3000, "power_supplied": 2800,
            "operating_hours": 24, "load_factor": 80,
        },
        {
            "label": date(2026, 3, 2),
            "coal_consumption": 800, "coal_ncv": 22.1, "coal_carbon_content": 0.0270,
            "coal_oxidation_rate": 98, "power_generated": 2000, "power_supplied": 1850,
            "operating_hours": 20, "load_factor": 70,
        },
    ]  # fmt: skip
    # Coal:      1,200 + 800 = 2,000 t
    # NCV:       (1,200 x 20.5 + 800 x 22.1) / 2,000 = (24,600 + 17,680) / 2,000 = 21.14 GJ/t
    #            (the plain mean, 21.3, would overstate the heat of the month's coal)
    # Carbon:    (1,200 x 0.0265 + 800 x 0.0270) / 2,000 = (31.8 + 21.6) / 2,000 = 0.0267 tC/GJ
    # Oxidation: (1,200 x 99 + 800 x 98) / 2,000 = (118,800 + 78,400) / 2,000 = 98.6 %
    # Generated 3,000 + 2,000 = 5,000 MWh; supplied 2,800 + 1,850 = 4,650 MWh
    # Hours:     24 + 20 = 44 h (a file of days: summed)
    # Load:      (80 + 70) / 2 = 75 % (plain mean)
    # Emissions: 2,000 x 21.14 = 42,280 GJ; x 0.0267 = 1,128.876 tC; x 98.6% = 1,113.071736 tC;
    #            x 44/12 = 4,081.263032 t, rounded to 4,081.26 t
    month = {
        "coal_consumption": "2000",
        "coal_ncv": "21.14",
        "coal_carbon_content": "0.0267",
        "coal_oxidation_rate": "98.6",
        "power_generated": "5000",
        "power_supplied": "4650",
        "operating_hours": "44",
        "load_factor": "75",
    }
    result = run(owner, draft, xlsx(draft.schema, days))
    assert result.values == month
    assert (result.of_days, result.rows_read, result.rows_used) == (True, 2, 2)
    draft.refresh_from_db()
    assert draft.emissions == Decimal("4081.26")

    # The same month typed into the form of an equal draft gives the same certification.
    twin_actor, twin_draft = twin
    services.save_values(actor=twin_actor, certification=twin_draft, values=month)
    assert saved(draft) == saved(twin_draft)


def test_a_correct_upload_equals_the_same_data_typed_into_the_form(owner, draft, twin):
    found = run(owner, draft, xlsx(draft.schema, [{"label": "全厂", **numbers(MONTH)}])).findings
    twin_actor, twin_draft = twin
    typed = services.save_values(actor=twin_actor, certification=twin_draft, values=MONTH)

    assert saved(draft) == saved(twin_draft)
    assert draft.values == MONTH
    assert sorted((f.rule, f.item_code) for f in found) == sorted(
        (f.rule, f.item_code) for f in typed
    )
    # 100,000 t x 20.934 GJ/t x 0.02649 tC/GJ x 99% x 44/12 = 201,298.62 t (test_calculation)
    assert draft.emissions == Decimal("201298.62")
    event = AuditEvent.objects.get(action=AuditAction.IMPORT, target_id=str(draft.pk))
    assert event.note == "月度数据.xlsx" and event.changes["rows"]["after"] == 1


def test_facilities_add_up_their_hours_are_the_largest_and_parameters_without_weights_average(
    owner, draft
):
    facilities = [
        {"label": "1号机组", "coal_consumption": 1, "coal_ncv": 20, "operating_hours": 700,
         "load_factor": 80, "power_generated": 100},
        {"label": "2号机组", "coal_consumption": 2, "coal_ncv": 21, "operating_hours": 650,
         "load_factor": 75, "power_generated": 50.5},
        {"label": "3号机组", "coal_carbon_content": 0.026, "load_factor": 71},
        {"label": "4号机组", "coal_carbon_content": 0.027},
    ]  # fmt: skip
    # NCV: (1 x 20 + 2 x 21) / 3 = 62 / 3 = 20.6666..., to 0 + 4 places: 20.6667
    # Carbon content: rows 3 and 4 have no coal, so the plain mean (0.026 + 0.027) / 2 = 0.0265
    # Hours: the largest, 700 (a month of 744 h cannot hold 700 + 650); load: (80+75+71)/3 = 75.3333
    result = run(owner, draft, xlsx(draft.schema, facilities))
    assert result.of_days is False
    assert result.values == {
        "coal_consumption": "3",
        "coal_ncv": "20.6667",
        "coal_carbon_content": "0.0265",
        "power_generated": "150.5",
        "operating_hours": "700",
        "load_factor": "75.3333",
    }


def test_days_of_other_months_are_checked_but_skipped(
    client_as, shandong_enterprise_user, owner, draft
):
    days = [
        {"label": date(2026, 2, 28), "coal_consumption": 999},
        {"label": "2026-03-01", "coal_consumption": 10.5},
        {"label": "2026/3/2", "coal_consumption": "1,000"},
        {"label": date(2026, 4, 1), "coal_consumption": 999},
    ]
    response = client_as(shandong_enterprise_user).post(
        reverse("reporting:excel-upload", args=[draft.public_id]),
        {"file": as_file(xlsx(draft.schema, days), "三月.xlsx")},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{draft.get_absolute_url()}#findings"
    draft.refresh_from_db()
    assert draft.values == {"coal_consumption": "1010.5"}
    message = str(next(iter(response.wsgi_request._messages)))
    assert "三月.xlsx: 2 days of the month read. 2 rows of other months were skipped." in message
    assert "Saved. The check found" in message

    only_february = [{"label": date(2026, 2, 1), "coal_consumption": 1}]
    with pytest.raises(excel.ImportFileRejected, match=r"No row of the file is a day of 2026-03"):
        run(owner, draft, xlsx(draft.schema, only_february))


def test_an_upload_replaces_the_values_and_keeps_the_explanations(owner, draft):
    services.save_values(
        actor=owner,
        certification=draft,
        values={**MONTH, "heat_supplied": "10"},
        explanations={"missing_previous_month:": "February is certified on paper."},
    )
    run(owner, draft, xlsx(draft.schema, [{"label": "全厂", **numbers(MONTH)}]))
    draft.refresh_from_db()
    assert draft.values == MONTH
    assert draft.explanations == {"missing_previous_month:": "February is certified on paper."}


# Errors: nothing saved, every bad cell named --------------------------------------------------


def test_an_upload_with_errors_saves_nothing_and_names_every_bad_row_and_column(owner, draft):
    services.save_values(actor=owner, certification=draft, values=MONTH)
    before = saved(draft)
    rows = [
        {"label": date(2026, 3, 1), "coal_consumption": 100, "coal_ncv": 20},
        {"label": date(2026, 3, 2), "coal_consumption": "about 100", "coal_ncv": 20},  # row 5
        {"label": date(2026, 3, 3), "coal_ncv": -3, "load_factor": "80%"},  # row 6
        {"label": date(2026, 3, 4), "coal_consumption": "=B4*2"},  # row 7
        {"coal_consumption": 5},  # row 8: no day
        {"label": date(2026, 3, 1), "coal_consumption": 5},  # row 9: 1 March again
        {"label": "1号机组", "power_generated": True},  # row 10: a facility among days
        {"label": date(2026, 3, 5), "operating_hours": date(2026, 3, 5)},  # row 11
    ]
    with pytest.raises(excel.ImportRejected) as rejected:
        run(owner, draft, xlsx(draft.schema, rows))
    assert [(e.row, e.column, e.value, e.message) for e in rejected.value.errors] == [
        (5, "燃煤消耗量", "about 100", "Enter a number, without units or other text."),
        (6, "燃煤低位发热量", "-3", "Enter a number of 0 or more."),
        (6, "负荷（出力）系数", "80%", "Enter a number, without units or other text."),
        (7, "燃煤消耗量", "=B4*2", "Formulas are not accepted: enter the value itself."),
        (8, "日期/设施", "", "Fill in the day (a date) or the facility this row is about."),
        (9, "日期/设施", "2026-03-01",
         "2026-03-01 is also in row 4: list each day or facility once."),
        (10, "发电量", "是", "Enter a number, not TRUE or FALSE."),
        (10, "日期/设施", "1号机组",
         "This file lists days (row 4 is 2026-03-01): fill in a date, or use a separate file "
         "for facilities."),
        (11, "运行小时数", "2026-03-05", "Enter a number, not a date or time."),
    ]  # fmt: skip
    assert saved(draft) == before
    assert not AuditEvent.objects.filter(action=AuditAction.IMPORT).exists()


def test_the_upload_page_lists_every_error_and_the_certification_is_unchanged(
    client_as, shandong_enterprise_user, draft
):
    rows = [{"label": f"{n}号机组", "coal_consumption": "n/a" if n % 2 else n} for n in range(1, 8)]
    response = client_as(shandong_enterprise_user).post(
        reverse("reporting:excel-upload", args=[draft.public_id]),
        {"file": as_file(xlsx(draft.schema, rows))},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The file has 4 errors; nothing was saved." in page
    for row in (4, 6, 8, 10):
        assert f'<td class="num">{row}</td>' in page
    assert page.count("Enter a number, without units or other text.") == 4
    draft.refresh_from_db()
    assert draft.values == {}


# Files refused as a whole: a clear message, never a server error -------------------------------


def _merge(workbook):
    workbook[excel.DATA_SHEET].merge_cells("A4:A5")


def _extra_sheet(workbook):
    workbook.create_sheet("我的计算")


def _renamed(workbook):
    workbook[excel.DATA_SHEET].title = "Sheet1"


def _unit_changed(workbook):
    workbook[excel.DATA_SHEET]["B2"] = "kt"


def _column_removed(workbook):
    workbook[excel.DATA_SHEET].delete_cols(3)


def _column_added(workbook):
    workbook[excel.DATA_SHEET].cell(row=1, column=20, value="备注")


def _formula_in_a_cell(workbook):
    workbook[excel.DATA_SHEET]["B4"] = "=1+1"


ONE_ROW = [{"label": "全厂", "coal_consumption": 1}]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_merge, "The sheet has merged cells (A4:A5). Unmerge them and fill in every cell."),
        (_extra_sheet, "The workbook has sheets the template does not have: 我的计算."),
        (_renamed, "The workbook has no sheet named 月度数据."),
        (_unit_changed, "燃煤消耗量 must be in t, not kt"),
        (_column_removed, "missing columns: 燃煤低位发热量"),
        (_column_added, "(unknown columns: 备注)."),
        (_formula_in_a_cell, "Formulas are not accepted: enter the value itself."),
    ],
)
def test_a_workbook_not_shaped_like_the_template_is_refused_with_a_clear_message(
    client_as, shandong_enterprise_user, draft, edit, message
):
    response = client_as(shandong_enterprise_user).post(
        reverse("reporting:excel-upload", args=[draft.public_id]),
        {"file": as_file(xlsx(draft.schema, ONE_ROW, edit=edit))},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert draft.values == {}


def _not_a_workbook_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


def _damaged_sheet(schema) -> bytes:
    """A real template whose data sheet's XML is cut off in the middle."""
    source = zipfile.ZipFile(io.BytesIO(xlsx(schema, ONE_ROW)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            archive.writestr(info, content)
    return buffer.getvalue()


def _empty_workbook() -> bytes:
    workbook = Workbook()
    workbook.active.title = excel.DATA_SHEET
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        (lambda schema: b"", "data.xlsx", "The file is empty."),
        (lambda schema: b"%PDF-1.7 not a spreadsheet", "data.xlsx", "Only .xlsx files"),
        (lambda schema: xlsx(schema, ONE_ROW), "data.csv", "Only .xlsx files"),
        (lambda schema: _not_a_workbook_zip(), "data.xlsx", "Only .xlsx files"),
        (_damaged_sheet, "data.xlsx", "The file could not be read as an Excel workbook"),
        (lambda schema: _empty_workbook(), "data.xlsx", "The header row does not match"),
        (lambda schema: xlsx(schema), "data.xlsx", "The file has no data rows below the header."),
    ],
)
def test_a_file_that_is_not_a_filled_template_is_refused_with_a_clear_message(
    client_as, shandong_enterprise_user, draft, make, name, message
):
    response = client_as(shandong_enterprise_user).post(
        reverse("reporting:excel-upload", args=[draft.public_id]),
        {"file": SimpleUploadedFile(name, make(draft.schema))},
    )
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_file_over_the_size_limit_is_refused(client_as, shandong_enterprise_user, draft):
    content = xlsx(draft.schema, ONE_ROW)
    with override_settings(IMPORT_MAX_UPLOAD_BYTES=len(content) - 1):
        response = client_as(shandong_enterprise_user).post(
            reverse("reporting:excel-upload", args=[draft.public_id]), {"file": as_file(content)}
        )
    assert response.status_code == 400
    assert "files of at most" in response.content.decode()


def test_a_file_of_another_sector_is_named(owner, draft):
    cement = DataItemSchema.objects.get(year=2026, sector="cement")
    content = xlsx(cement, [{"label": "全厂", "clinker_quantity": 1}])
    with pytest.raises(excel.ImportFileRejected) as rejected:
        run(owner, draft, content)
    assert (
        "This file is the template of 水泥; this certification is reported on the template of 发电."
    ) in rejected.value.message


def test_an_untouched_certification_template_has_no_figures(owner, draft):
    content = excel.build_template(draft.schema, certification=draft)
    with pytest.raises(excel.ImportFileRejected, match="The file has no figures below the header"):
        run(owner, draft, content)


def test_figures_too_large_for_a_month_are_an_error_not_a_server_error(owner, draft):
    # 10^12 t of coal: emissions of about 2 x 10^15 t, beyond the 12 integer digits stored.
    content = xlsx(draft.schema, [{"label": "全厂", **numbers(MONTH), "coal_consumption": 1e12}])
    run(owner, draft, content)
    draft.refresh_from_db()
    assert draft.emissions is None
    assert list(draft.findings.filter(rule="too_large").values_list("item_code", flat=True)) == [
        "coal_consumption"
    ]


def test_more_rows_than_the_limit_are_refused(owner, draft, monkeypatch):
    monkeypatch.setattr("reporting.excel.reader.MAX_DATA_ROWS", 3)
    rows = [{"label": f"{n}号机组", "coal_consumption": n} for n in range(4)]
    with pytest.raises(excel.ImportFileRejected, match="more than 3 rows"):
        run(owner, draft, xlsx(draft.schema, rows))


# Who may upload --------------------------------------------------------------------------------


def test_other_enterprises_users_and_other_provinces_staff_get_404(
    client_as, actor, draft, guangdong_enterprise, guangdong_staff
):
    outsider = users.enterprise_user(guangdong_enterprise, username="ent-guangdong")
    upload_url = reverse("reporting:excel-upload", args=[draft.public_id])
    template_url = reverse("reporting:excel-template")
    for user in (outsider, guangdong_staff):
        client = client_as(user)
        content = xlsx(draft.schema, ONE_ROW)
        assert client.post(upload_url, {"file": as_file(content)}).status_code == 404
        assert client.get(upload_url).status_code == 404
        assert client.get(template_url, {"certification": draft.public_id}).status_code == 404
    draft.refresh_from_db()
    assert draft.values == {}
    with pytest.raises(NotFound):
        run(actor(outsider), draft, xlsx(draft.schema, ONE_ROW))


def test_the_provinces_staff_see_but_may_not_upload(client_as, actor, shandong_staff, draft):
    upload_url = reverse("reporting:excel-upload", args=[draft.public_id])
    assert client_as(shandong_staff).post(
        upload_url, {"file": as_file(xlsx(draft.schema, ONE_ROW))}
    ).status_code == 403  # fmt: skip
    with pytest.raises(PermissionDenied):
        run(actor(shandong_staff), draft, xlsx(draft.schema, ONE_ROW))
    draft.refresh_from_db()
    assert draft.values == {}


def test_the_owner_gets_the_upload_page_and_anonymous_users_the_login(
    client, client_as, shandong_enterprise_user, draft
):
    upload_url = reverse("reporting:excel-upload", args=[draft.public_id])
    assert client.get(upload_url).status_code == 302
    assert client.get(reverse("reporting:excel-template"), {"sector": "power"}).status_code == 302
    response = client_as(shandong_enterprise_user).get(upload_url)
    assert response.status_code == 200
    assert "Download the template" in response.content.decode()


def test_a_user_without_a_role_gets_no_template(client_as, no_role_user):
    url = reverse("reporting:excel-template")
    assert client_as(no_role_user).get(url, {"sector": "power"}).status_code == 404


def test_a_submitted_certification_refuses_uploads(
    client_as, shandong_enterprise_user, owner, draft
):
    services.save_values(actor=owner, certification=draft, values=MONTH)
    MonthlyCertification.objects.filter(pk=draft.pk).update(status=SubmissionStatus.SUBMITTED)
    content = xlsx(draft.schema, [{"label": "全厂", "coal_consumption": 1}])
    with pytest.raises(DomainError, match="A submitted certification is never changed"):
        run(owner, draft, content)
    response = client_as(shandong_enterprise_user).post(
        reverse("reporting:excel-upload", args=[draft.public_id]), {"file": as_file(content)}
    )
    assert response.status_code == 400
    assert "A submitted certification is never changed" in response.content.decode()
    draft.refresh_from_db()
    assert draft.values == MONTH


# Size ------------------------------------------------------------------------------------------


def test_three_thousand_facilities_upload_in_a_fixed_number_of_queries(
    owner, draft, django_assert_max_num_queries
):
    rows = [
        {"label": f"{n}号机组", **numbers(MONTH), "coal_consumption": 30 + n % 7}
        for n in range(1, 3001)
    ]
    content = xlsx(draft.schema, rows)
    with django_assert_max_num_queries(20):
        result = run(owner, draft, content)
    # Coal: 30 + (n mod 7) t for n = 1..3,000. 3,000 = 428 x 7 + 4: 428 full cycles of the
    # residues 0..6 (21 each) and residues 1..4 for the last four rows:
    # 3,000 x 30 + 428 x 21 + (1 + 2 + 3 + 4) = 90,000 + 8,988 + 10 = 98,998 t
    assert result.values["coal_consumption"] == "98998"
    assert result.values["coal_ncv"] == "20.934"
    assert result.rows_used == 3000
