"""The public disclosure: no login, published lists only (never a draft, nor a list waiting for
approval or publication, nor a superseded revision), search, downloads, 404s, query counts."""

import io
import re
import subprocess
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.scoping import actor_for
from tests.factories import accounts as users
from tests.factories.units import AnnualEmissionsFactory, EnterpriseFactory, industry, province
from units.lists import services
from units.models import AnnualEmissions, Enterprise, ListEntry, ListStatus, UnitList

YEAR = 2027
DATA_YEAR = YEAR - 2  # the 2027 list is drawn from 2025's verified emissions


def unit(province_, name, tonnes, *, city=None, **extra) -> Enterprise:
    enterprise = EnterpriseFactory(province=province_, city=city, name_zh=name, **extra)
    AnnualEmissionsFactory(enterprise=enterprise, year=DATA_YEAR, direct_emissions=tonnes)
    return enterprise


def advance(province_, *, to: str, staff=None, approver=None) -> UnitList:
    """Take the province's list through the workflow up to `to`, with two different people."""
    staff = staff or users.staff(province_)
    approver = approver or users.staff(province_, username=f"approver-{province_.code}")
    actor = actor_for(staff)
    unit_list = services.formulate(actor=actor, province=province_, year=YEAR)
    if to != ListStatus.DRAFT:
        unit_list = services.submit(actor=actor, unit_list=unit_list)
    if to in (ListStatus.APPROVED, ListStatus.PUBLISHED):
        unit_list = services.approve(actor=actor_for(approver), unit_list=unit_list)
    if to == ListStatus.PUBLISHED:
        unit_list = services.publish(actor=actor, unit_list=unit_list)
    assert unit_list.status == to
    return unit_list


@pytest.fixture
def approver(shandong):
    return users.staff(shandong, username="shandong-approver")


@pytest.fixture
def listed(shandong, jinan):
    return {
        "market": unit(shandong, "山东公开发电有限公司", 120_000, city=jinan),
        "reporting": unit(
            shandong,
            "山东甲醇化工有限公司",
            60_000,
            city=jinan,
            industry=industry("2614", "chemical"),
        ),
        "below": unit(shandong, "山东小型发电有限公司", 1_000, city=jinan),
    }


@pytest.fixture
def published(listed, shandong, shandong_staff, approver):
    return advance(shandong, to=ListStatus.PUBLISHED, staff=shandong_staff, approver=approver)


@pytest.fixture
def unpublished(guangdong, guangdong_staff):
    """A draft, a submitted and an approved list, each of another province."""
    unit(guangdong, "广东草稿发电有限公司", 90_000)
    draft = advance(guangdong, to=ListStatus.DRAFT, staff=guangdong_staff)
    beijing, tianjin = province("110000"), province("120000")
    unit(beijing, "北京待批发电有限公司", 90_000)
    unit(tianjin, "天津已批未发布发电有限公司", 90_000)
    return [
        draft,
        advance(beijing, to=ListStatus.SUBMITTED),
        advance(tianjin, to=ListStatus.APPROVED),
    ]


HIDDEN_NAMES = ["广东草稿发电有限公司", "北京待批发电有限公司", "天津已批未发布发电有限公司"]


def page(client, name, query=None, **kwargs):
    return client.get(reverse(f"lists:{name}", kwargs=kwargs), query)


# --- without login, published only ---------------------------------------------------------------


@pytest.mark.django_db
def test_index_lists_published_lists_without_login(client, published, unpublished):
    response = page(client, "index")

    assert response.status_code == 200
    text = response.content.decode()
    assert reverse("lists:province", kwargs={"year": YEAR, "code": "370000"}) in text
    assert "山东省" in text
    for other in ("广东省", "北京市", "天津市", "440000", "110000", "120000"):
        assert other not in text


@pytest.mark.django_db
def test_province_page_shows_the_market_and_reporting_sections(client, published, listed):
    response = page(client, "province", year=YEAR, code="370000")

    assert response.status_code == 200
    text = response.content.decode()
    market, reporting = text.split('id="reporting_only"')
    assert listed["market"].name_zh in market and listed["market"].uscc in market
    assert listed["reporting"].name_zh in reporting
    assert listed["below"].name_zh not in text, "a unit not included is never disclosed"


@pytest.mark.django_db
def test_national_page_never_shows_unpublished_lists(client, published, listed, unpublished):
    text = page(client, "national", year=YEAR).content.decode()

    assert listed["market"].name_zh in text
    assert listed["reporting"].name_zh in text
    assert listed["below"].name_zh not in text
    for name in HIDDEN_NAMES:
        assert name not in text


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["province", "province-xlsx", "province-pdf"])
@pytest.mark.parametrize("code", ["440000", "110000", "120000"])
def test_unpublished_lists_are_not_found(client, published, unpublished, name, code):
    assert page(client, name, year=YEAR, code=code).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/lists/2030/",
        "/lists/2030/xlsx/",
        "/lists/2030/pdf/",
        "/lists/2027/999999/",
        "/lists/2030/370000/",
        "/lists/2030/370000/pdf/",
        "/lists/2027/37/",
        "/lists/2027/shandong/",
    ],
)
def test_unknown_years_and_provinces_are_not_found(client, published, url):
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_no_year_at_all_is_not_found_either(client, unpublished):
    assert page(client, "national", year=YEAR).status_code == 404
    assert "广东" not in page(client, "index").content.decode()


@pytest.mark.django_db
def test_the_published_lists_link_is_there_when_logged_out(client):
    response = client.get(reverse("accounts:login"))

    assert f'href="{reverse("lists:index")}"' in response.content.decode()


# --- revisions -----------------------------------------------------------------------------------


def republish(unit_list, *, staff, approver) -> UnitList:
    """A correction: a revision, recalculated from the corrected data, approved and published."""
    actor = actor_for(staff)
    services.start_revision(actor=actor, unit_list=unit_list, reason="核查数据更正")
    revision = services.formulate(actor=actor, province=unit_list.province, year=unit_list.year)
    revision = services.submit(actor=actor, unit_list=revision)
    revision = services.approve(actor=actor_for(approver), unit_list=revision)
    return services.publish(actor=actor, unit_list=revision)


@pytest.mark.django_db
def test_only_the_current_revision_is_disclosed(
    client, published, listed, shandong, jinan, shandong_staff, approver
):
    wrong = unit(shandong, "山东数据有误发电有限公司", 40_000, city=jinan)
    second = republish(published, staff=shandong_staff, approver=approver)
    # The data are corrected: `wrong` falls below the threshold, another unit comes in.
    AnnualEmissions.objects.filter(enterprise=wrong).update(direct_emissions=2_000)
    added = unit(shandong, "山东更正新增发电有限公司", 80_000, city=jinan)
    third = republish(second, staff=shandong_staff, approver=approver)
    second.refresh_from_db()
    assert second.status == ListStatus.SUPERSEDED
    assert second.entries.filter(enterprise=wrong, decision="new").exists()

    for name, kwargs in (
        ("national", {"year": YEAR}),
        ("province", {"year": YEAR, "code": "370000"}),
    ):
        text = page(client, name, **kwargs).content.decode()
        assert text.count(listed["market"].name_zh) == 1, name
        assert added.name_zh in text, name
        assert wrong.name_zh not in text, name
    index = client.get(reverse("lists:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"revision {third.revision}" in index


# --- search --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["national", "province"])
def test_search_by_name_or_code(client, published, listed, name):
    kwargs = {"year": YEAR} if name == "national" else {"year": YEAR, "code": "370000"}
    market, reporting = listed["market"], listed["reporting"]

    by_name = page(client, name, query={"q": "公开发电"}, **kwargs).content.decode()
    assert market.name_zh in by_name and reporting.name_zh not in by_name

    by_code = page(client, name, query={"q": reporting.uscc.lower()}, **kwargs).content.decode()
    assert reporting.name_zh in by_code and market.name_zh not in by_code

    nothing = page(client, name, query={"q": "不存在的单位"}, **kwargs).content.decode()
    assert market.name_zh not in nothing and reporting.name_zh not in nothing


# --- downloads -----------------------------------------------------------------------------------


def attachment_name(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    return unquote(re.search(r"filename\*=utf-8''(\S+)", disposition).group(1))


@pytest.mark.django_db
def test_province_xlsx_download(client, published, listed, unpublished):
    response = page(client, "province-xlsx", year=YEAR, code="370000")

    assert response.status_code == 200
    assert attachment_name(response) == "山东省2027年度重点排放单位名录.xlsx"
    workbook = load_workbook(io.BytesIO(response.content))
    market, reporting = workbook["重点排放单位名录"], workbook["年度排放报告管理单位"]
    assert market["D4"].value == listed["market"].name_zh
    assert market["G4"].value == "新增"
    assert reporting["D4"].value == listed["reporting"].name_zh
    assert market.max_row == 4 and reporting.max_row == 4


@pytest.mark.django_db
def test_national_downloads(client, published, listed, unpublished):
    xlsx = page(client, "national-xlsx", year=YEAR)
    pdf = page(client, "national-pdf", year=YEAR)

    assert attachment_name(xlsx) == "全国2027年度重点排放单位名录.xlsx"
    assert attachment_name(pdf) == "全国2027年度重点排放单位名录.pdf"
    names = [
        row[3]
        for sheet in load_workbook(io.BytesIO(xlsx.content))
        for row in sheet.iter_rows(min_row=4, values_only=True)
    ]
    assert sorted(names) == sorted([listed["market"].name_zh, listed["reporting"].name_zh])
    text = pdf_text(pdf.content)
    assert "2027年度全国碳排放权交易市场重点排放单位名录（全国汇总）" in text
    assert "范围：全国" in text
    assert listed["market"].name_zh in text
    assert not any(name in text for name in HIDDEN_NAMES)


@pytest.mark.django_db
def test_province_pdf_download(client, published, listed):
    response = page(client, "province-pdf", year=YEAR, code="370000")

    assert response["Content-Type"] == "application/pdf"
    assert attachment_name(response) == "山东省2027年度重点排放单位名录.pdf"
    text = pdf_text(response.content)
    assert listed["market"].name_zh in text and listed["reporting"].name_zh in text
    published_on = timezone.localdate(published.published_at)
    assert f"公布日期：{published_on.year}年{published_on.month}月{published_on.day}日" in text


@pytest.mark.django_db
def test_a_pdf_is_rendered_once_per_published_list(
    client, published, shandong, jinan, shandong_staff, approver, django_assert_num_queries
):
    for name, kwargs in (("province-pdf", {"code": "370000"}), ("national-pdf", {})):
        first = page(client, name, year=YEAR, **kwargs)
        # Only the published list is looked up; the rendering is the one kept.
        with django_assert_num_queries(1):
            again = page(client, name, year=YEAR, **kwargs)
        assert again.content == first.content

    added = unit(shandong, "山东更正新增发电有限公司", 80_000, city=jinan)
    republish(published, staff=shandong_staff, approver=approver)
    for name, kwargs in (("province-pdf", {"code": "370000"}), ("national-pdf", {})):
        assert added.name_zh in pdf_text(page(client, name, year=YEAR, **kwargs).content)


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return re.sub(r"\s+", "", done.stdout.decode())


# --- query counts --------------------------------------------------------------------------------


def more_entries(unit_list: UnitList, count: int) -> None:
    """Rows straight into the published list: only the number of rows matters here."""
    enterprises = EnterpriseFactory.create_batch(count, province=unit_list.province)
    ListEntry.objects.bulk_create(
        ListEntry(
            unit_list=unit_list,
            enterprise=enterprise,
            scope="market",
            proposed="new",
            decision="new",
            reason_code="at_or_above_threshold",
        )
        for enterprise in enterprises
    )


def more_lists(count: int) -> None:
    for code in ("110000", "120000", "130000", "140000", "150000")[:count]:
        UnitList.objects.create(
            province=province(code), year=YEAR, status=ListStatus.PUBLISHED,
            published_at=timezone.now(),
        )  # fmt: skip


PAGES = [
    ("index", {}, 1),
    ("national", {"year": YEAR}, 3),
    ("national", {"year": YEAR, "query": {"q": "发电"}}, 3),
    ("province", {"year": YEAR, "code": "370000"}, 2),
    ("province", {"year": YEAR, "code": "370000", "query": {"q": "9137"}}, 2),
    ("province-xlsx", {"year": YEAR, "code": "370000"}, 2),
    ("national-xlsx", {"year": YEAR}, 2),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs", "queries"), PAGES)
def test_query_counts_do_not_grow_with_rows(
    client, published, django_assert_num_queries, name, kwargs, queries
):
    with django_assert_num_queries(queries):
        assert page(client, name, **kwargs).status_code == 200
    more_entries(published, 30)
    more_lists(3)
    with django_assert_num_queries(queries):
        assert page(client, name, **kwargs).status_code == 200


def test_a_published_list_keeps_the_name_and_code_it_was_published_under(client, published):
    """A unit renamed after publication still shows on its published list as it was."""
    entry = (
        published.entries.filter(decision__in=["new", "continuing"])
        .select_related("enterprise")
        .first()
    )
    old_name = entry.enterprise.name_zh
    Enterprise.objects.filter(pk=entry.enterprise_id).update(name_zh="改名后的单位有限公司")

    url = reverse(
        "lists:province", kwargs={"year": published.year, "code": published.province.code}
    )
    page = client.get(url).content.decode()
    assert old_name in page and "改名后的单位有限公司" not in page
    assert old_name in client.get(url, {"q": old_name}).content.decode()
    xlsx_url = reverse(
        "lists:province-xlsx", kwargs={"year": published.year, "code": published.province.code}
    )
    sheet = load_workbook(io.BytesIO(client.get(xlsx_url).content)).worksheets[0]
    names = {cell.value for row in sheet.iter_rows() for cell in row}
    assert old_name in names and "改名后的单位有限公司" not in names
