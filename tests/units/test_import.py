"""Excel import of key emission units: all-or-nothing, every error named, scoped to the importer."""

import io
import time
import zipfile
from collections.abc import Iterable

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from core.errors import PermissionDenied
from core.models import AuditAction, AuditEvent
from tests.factories.units import uscc_for
from units import imports, uscc
from units.models import Enterprise

IMPORT_URL = reverse("units:enterprise-import")
TEMPLATE_URL = reverse("units:enterprise-import-template")
ERRORS_URL = reverse("units:enterprise-import-errors")
KEYS = [column.key for column in imports.COLUMNS]
HEADERS = {column.key: column.zh for column in imports.COLUMNS}


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in their English source, whatever the Chinese catalog says."""
    with translation.override("en"):
        yield


def row(number: int, **cells: str) -> dict[str, str]:
    """A valid row for unit `number` (Jinan, thermal power); `cells` override columns."""
    values = {
        "uscc": uscc_for(number),
        "name_zh": f"导入测试电厂{number}",
        "city": "济南市",
        "industry_code": "4411",
    }
    return values | cells


def xlsx(rows: Iterable[dict[str, str]], *, template: bytes | None = None) -> bytes:
    """The import template with `rows` written below its header, as an uploaded file would be."""
    workbook = load_workbook(io.BytesIO(template or imports.build_template()))
    sheet = workbook[imports.DATA_SHEET]
    for number, values in enumerate(rows, start=2):
        for index, key in enumerate(KEYS, start=1):
            if key in values:
                sheet.cell(row=number, column=index, value=values[key])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "重点排放单位.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=imports.XLSX_CONTENT_TYPE)


def run_import(actor, province, content: bytes, name: str = "重点排放单位.xlsx"):
    return imports.import_enterprises(
        actor=actor, province=province, uploaded_file=upload(content, name)
    )


def rejected_errors(actor, province, rows, *, existing: int = 0) -> list[imports.RowError]:
    with pytest.raises(imports.ImportRejected) as rejected:
        run_import(actor, province, xlsx(rows))
    assert Enterprise.objects.count() == existing
    return rejected.value.errors


# The service ---------------------------------------------------------------------------------


def test_a_good_file_of_2000_rows_imports_in_one_transaction(
    shandong, jinan, shandong_staff, actor, django_assert_max_num_queries
):
    content = xlsx(row(number) for number in range(1, 2001))
    importer = actor(shandong_staff)
    started = time.perf_counter()
    with django_assert_max_num_queries(20):
        result = run_import(importer, shandong, content, name="2026年名录.xlsx")
    elapsed = time.perf_counter() - started

    assert result.created == 2000
    assert Enterprise.objects.filter(province=shandong, city=jinan).count() == 2000
    events = AuditEvent.objects.filter(action=AuditAction.IMPORT, tenant_code="370000")
    assert events.count() == 2000
    event = events.get(target_id=str(Enterprise.objects.get(uscc=uscc_for(7)).pk))
    assert event.actor == shandong_staff
    assert event.changes["uscc"] == {"before": None, "after": uscc_for(7)}
    assert "2026年名录.xlsx" in event.note
    assert elapsed < 10, f"2,000 rows took {elapsed:.1f}s"


def test_three_bad_rows_import_nothing_and_each_is_named(shandong, jinan, shandong_staff, actor):
    rows = [row(number) for number in range(1, 51)]
    good_code = uscc_for(11)
    wrong_check = "0" if good_code[-1] != "0" else "1"
    rows[10]["uscc"] = good_code[:17] + wrong_check
    rows[20]["industry_code"] = "9999"
    rows[30]["uscc"] = rows[4]["uscc"]

    errors = rejected_errors(actor(shandong_staff), shandong, rows)

    assert [(error.row, error.column) for error in errors] == [
        (12, "统一社会信用代码"),
        (22, "行业代码"),
        (32, "统一社会信用代码"),
    ]
    bad_check, unknown_industry, duplicate = errors
    assert f"should be {uscc.check_character(good_code[:17])}, not {wrong_check}" in (
        bad_check.message
    )
    assert bad_check.value == rows[10]["uscc"]
    assert "9999 is not a known industry code" in unknown_industry.message
    assert "rows 6 and 32" in duplicate.message
    assert not AuditEvent.objects.exists()


def test_lower_case_and_spaced_codes_are_normalised(shandong, jinan, shandong_staff, actor):
    code = uscc.make("91370100MA3C5K7L2")
    typed = f" {code[:8]} {code[8:].lower()}\t"
    result = run_import(actor(shandong_staff), shandong, xlsx([row(5, uscc=typed)]))
    assert [enterprise.uscc for enterprise in result.enterprises] == [code]
    assert Enterprise.objects.get().uscc == code


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"name_zh": ""}, "单位名称", "This cell is required."),
        ({"name_zh": "长" * 201}, "单位名称", "At most 200 characters"),
        ({"uscc": ""}, "统一社会信用代码", "This cell is required."),
        ({"uscc": "91370100MA3C"}, "统一社会信用代码", "must have 18 characters"),
        ({"city": "广州市"}, "地市", "广州市 is not a city of 山东省."),
        ({"industry_code": ""}, "行业代码", "This cell is required."),
        ({"industry_code": "2614"}, "行业类别", "belongs to several sectors"),
        ({"industry_code": "2614", "sector": "发电"}, "行业类别", "not to this sector"),
        ({"sector": "能源"}, "行业类别", "Use one of: 发电"),
        ({"status": "停产"}, "状态", "Use one of: 在运、关停、合并."),
        ({"contact_email": "not-an-address"}, "联系邮箱", "not a valid e-mail address"),
        ({"is_in_pilot_market": "maybe"}, "是否试点市场", "Use 是 (yes) or 否 (no)."),
        ({"contact_phone": '=HYPERLINK("http://x")'}, "联系电话", "Formulas are not accepted"),
    ],
)
def test_each_bad_cell_is_named(shandong, jinan, shandong_staff, actor, cells, column, message):
    errors = rejected_errors(actor(shandong_staff), shandong, [row(1), row(2, **cells)])
    assert [(error.row, error.column) for error in errors] == [(3, column)]
    assert message in errors[0].message


def test_optional_columns_are_parsed(shandong, jinan, shandong_staff, actor):
    rows = [
        row(1, industry_code="2614", sector="化工", status="关停", is_in_pilot_market="是"),
        row(2, industry_code="2614", sector="petrochemical", status="merged", city=""),
        row(3, contact_email="energy@example.cn", name_en="Jinan Power", address="经十路1号"),
        # Typed without the template's text format, codes and phone numbers arrive as numbers.
        row(4, industry_code=3011, contact_phone=13800138000),
    ]
    run_import(actor(shandong_staff), shandong, xlsx(rows))

    first, second, third, fourth = Enterprise.objects.order_by("uscc")
    assert (first.industry.sector, first.status, first.is_in_pilot_market) == (
        "chemical",
        "closed",
        True,
    )
    assert (second.industry.sector, second.status, second.city) == ("petrochemical", "merged", None)
    assert (third.status, third.contact_email, third.name_en) == (
        "active",
        "energy@example.cn",
        "Jinan Power",
    )
    assert (fourth.industry.code, fourth.contact_phone) == ("3011", "13800138000")


def test_a_code_registered_elsewhere_is_refused_without_naming_the_other_province(
    shandong, jinan, guangdong, guangdong_enterprise, shandong_enterprise, shandong_staff, actor
):
    rows = [row(1, uscc=guangdong_enterprise.uscc), row(2, uscc=shandong_enterprise.uscc.lower())]
    other, own = rejected_errors(actor(shandong_staff), shandong, rows, existing=2)
    assert other.message == f"The code {guangdong_enterprise.uscc} is already registered."
    assert "广东" not in other.message
    assert own.message.endswith(f"already registered, as {shandong_enterprise.name_zh}.")


def test_a_code_registered_during_the_import_rejects_the_file(
    shandong, jinan, shandong_enterprise, shandong_staff, actor, monkeypatch
):
    monkeypatch.setattr("units.imports.rows._registered", lambda actor, codes: {})
    rows = [row(1), row(2, uscc=shandong_enterprise.uscc)]
    with pytest.raises(imports.ImportFileRejected, match="registered by someone else"):
        run_import(actor(shandong_staff), shandong, xlsx(rows))
    assert Enterprise.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"uscc,name\n913701000000000012,x\n", "units.csv", r"Only \.xlsx files"),
        (b"just some text, not a workbook", "units.xlsx", r"Only \.xlsx files"),
        (b"", "units.xlsx", "The file is empty."),
    ],
)
def test_files_that_are_not_workbooks_are_refused(
    shandong, shandong_staff, actor, content, name, message
):
    with pytest.raises(imports.ImportFileRejected, match=message):
        run_import(actor(shandong_staff), shandong, content, name=name)
    assert not Enterprise.objects.exists()


def test_a_foreign_zip_named_xlsx_is_refused(shandong, shandong_staff, actor):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    with pytest.raises(imports.ImportFileRejected, match=r"Only \.xlsx files"):
        run_import(actor(shandong_staff), shandong, buffer.getvalue())


def test_a_workbook_with_a_damaged_sheet_is_refused_not_a_server_error(
    shandong, jinan, shandong_staff, actor
):
    source = zipfile.ZipFile(io.BytesIO(xlsx([row(1)])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                content = content[: len(content) // 2]  # the sheet's XML cut off
            archive.writestr(info, content)
    with pytest.raises(imports.ImportFileRejected, match="could not be read as an Excel workbook"):
        run_import(actor(shandong_staff), shandong, buffer.getvalue())
    assert not Enterprise.objects.exists()


def test_a_file_over_the_size_limit_is_refused(shandong, jinan, shandong_staff, actor, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(imports.ImportFileRejected, match=r"files of at most 1\.0.KB"):
        run_import(actor(shandong_staff), shandong, xlsx([row(1)]))
    assert not Enterprise.objects.exists()


def test_a_header_that_does_not_match_the_template_is_refused(shandong, shandong_staff, actor):
    workbook = Workbook()
    workbook.active.append([column.zh for column in imports.COLUMNS[:-1]] + ["备注"])
    workbook.active.append([uscc_for(1), "某电厂"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(imports.ImportFileRejected) as refused:
        run_import(actor(shandong_staff), shandong, buffer.getvalue())
    assert "missing columns: 是否试点市场" in refused.value.message
    assert "unknown columns: 备注" in refused.value.message


def test_a_file_with_too_many_rows_is_refused(shandong, jinan, shandong_staff, actor, monkeypatch):
    monkeypatch.setattr("units.imports.reader.MAX_DATA_ROWS", 2)
    with pytest.raises(imports.ImportFileRejected, match="more than 2 rows"):
        run_import(actor(shandong_staff), shandong, xlsx([row(1), row(2), row(3)]))


def test_a_template_without_rows_is_refused(shandong, shandong_staff, actor):
    with pytest.raises(imports.ImportFileRejected, match="no data rows"):
        run_import(actor(shandong_staff), shandong, xlsx([]))


def test_staff_of_another_province_cannot_import_into_it(shandong, jinan, guangdong_staff, actor):
    with pytest.raises(PermissionDenied):
        run_import(actor(guangdong_staff), shandong, xlsx([row(1)]))
    assert not Enterprise.objects.exists()


def test_city_staff_cannot_import_rows_of_another_city(
    shandong, jinan, qingdao, jinan_staff, actor
):
    rows = [row(1), row(2, city="青岛市"), row(3, city="")]
    errors = rejected_errors(actor(jinan_staff), shandong, rows)
    assert [(error.row, error.column) for error in errors] == [(3, "地市"), (4, "地市")]
    assert "only add key emission units of the city you work for" in errors[0].message

    run_import(actor(jinan_staff), shandong, xlsx([row(1)]))
    assert Enterprise.objects.get().city == jinan


def test_the_error_report_lists_every_error_and_runs_no_formula():
    errors = [
        imports.RowError(3, "地市", "=1+1", "=1+1 is not a city of 山东省."),
        imports.RowError(9, "行业代码", "9999", "9999 is not a known industry code."),
    ]
    sheet = load_workbook(io.BytesIO(imports.error_report(errors))).active
    assert [[cell.value for cell in line] for line in sheet.iter_rows(min_row=2)] == [
        [3, "地市", "=1+1", "=1+1 is not a city of 山东省."],
        [9, "行业代码", "9999", "9999 is not a known industry code."],
    ]
    assert sheet["C2"].data_type == "s"


# The pages -----------------------------------------------------------------------------------


@pytest.fixture
def english_client(client_as):
    def login(user):
        client = client_as(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return login


def test_staff_import_through_the_page(shandong, jinan, shandong_staff, english_client):
    client = english_client(shandong_staff)
    assert client.get(IMPORT_URL).status_code == 200
    content = xlsx([row(1), row(2)])

    response = client.post(IMPORT_URL, {"file": upload(content)})

    assert response.status_code == 302
    assert response["Location"] == reverse("units:enterprise-list")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Imported 2 key emission units."
    ]
    assert Enterprise.objects.filter(province=shandong).count() == 2


def test_bad_rows_are_listed_on_the_page_and_in_the_report(
    shandong, jinan, shandong_staff, english_client
):
    client = english_client(shandong_staff)
    content = xlsx([row(1), row(2, industry_code="9999")])

    response = client.post(IMPORT_URL, {"file": upload(content)})

    assert response.status_code == 400
    html = response.content.decode()
    assert "9999 is not a known industry code" in html
    assert "The file has 1 error; nothing was imported." in html
    assert ERRORS_URL in html
    assert not Enterprise.objects.exists()
    report = client.get(ERRORS_URL)
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.content)).active
    assert [cell.value for cell in sheet[2]][:3] == [3, "行业代码", "9999"]


def test_the_error_report_belongs_to_the_session_that_uploaded(
    shandong, jinan, shandong_staff, english_client
):
    english_client(shandong_staff).post(IMPORT_URL, {"file": upload(xlsx([row(1, city="x")]))})
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(shandong_staff)
    assert other.get(ERRORS_URL).status_code == 404


def test_a_refused_file_shows_the_reason(shandong, shandong_staff, english_client):
    client = english_client(shandong_staff)
    response = client.post(IMPORT_URL, {"file": upload(b"a,b\n", "units.csv")})
    assert response.status_code == 400
    assert "Only .xlsx files made from the template are accepted." in response.content.decode()
    assert client.get(ERRORS_URL).status_code == 404


def test_the_page_imports_into_the_users_own_province(
    shandong, guangdong, guangdong_staff, english_client
):
    client = english_client(guangdong_staff)
    content = xlsx([row(1, city="")])
    response = client.post(IMPORT_URL, {"file": upload(content), "province": shandong.pk})
    assert response.status_code == 302
    assert not Enterprise.objects.filter(province=shandong).exists()
    assert Enterprise.objects.get().province == guangdong


def test_an_administrator_chooses_the_province(shandong, guangdong, admin_user, english_client):
    client = english_client(admin_user)
    assert 'name="province"' in client.get(IMPORT_URL).content.decode()
    content = xlsx([row(1, city="")])
    response = client.post(IMPORT_URL, {"file": upload(content), "province": guangdong.pk})
    assert response.status_code == 302
    assert Enterprise.objects.get().province == guangdong


@pytest.mark.parametrize("persona", ["ministry_user", "no_role_user", "shandong_enterprise_user"])
@pytest.mark.parametrize("url", [IMPORT_URL, TEMPLATE_URL, ERRORS_URL])
def test_only_staff_and_administrators_may_open_the_import(
    db, request, english_client, persona, url
):
    client = english_client(request.getfixturevalue(persona))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("persona", ["ministry_user", "no_role_user"])
def test_only_staff_and_administrators_may_upload(request, shandong, english_client, persona):
    client = english_client(request.getfixturevalue(persona))
    response = client.post(IMPORT_URL, {"file": upload(xlsx([row(1, city="")]))})
    assert response.status_code == 403
    assert not Enterprise.objects.exists()


def test_the_template_download(shandong, shandong_staff, english_client):
    response = english_client(shandong_staff).get(TEMPLATE_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == imports.XLSX_CONTENT_TYPE
    assert "filename*=utf-8''%E9%87%8D%E7%82%B9" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["重点排放单位", "填写说明", "行业代码"]
    sheet = workbook["重点排放单位"]
    headers = [cell.value.split("\n") for cell in sheet[1]]
    assert [zh for zh, _en in headers] == [
        "统一社会信用代码", "单位名称", "英文名称", "地市", "行业代码", "行业类别", "状态", "地址",
        "联系人", "联系电话", "联系邮箱", "是否试点市场",
    ]  # fmt: skip
    assert headers[0][1] == "Unified social credit code"
    assert sheet.freeze_panes == "A2"
    validated = {str(validation.sqref) for validation in sheet.data_validations.dataValidation}
    assert {"F2:F10001", "G2:G10001", "L2:L10001"} <= validated
    instructions = " ".join(
        str(cell.value) for line in workbook["填写说明"].iter_rows() for cell in line if cell.value
    )
    assert "all-or-nothing" in instructions and "10 MB" in instructions
    codes = [(line[0].value, line[1].value) for line in workbook["行业代码"].iter_rows(min_row=2)]
    assert ("2614", "石化") in codes and ("2614", "化工") in codes
