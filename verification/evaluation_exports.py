"""A published evaluation of verification institutions as an official document: the rows, the
xlsx and the PDF. Pure: the round and its evaluations in, bytes out; the views fetch them through
the published-only reads. The documents are Chinese texts whatever the reader's language."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.pdf import render_pdf
from core.xlsx import workbook_bytes
from verification.evaluation_figures import bands_shown, grade_label, rubric_of
from verification.scoring import Rubric

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
SHEET_NAME = "机构评估结果"
WIDTHS = (7, 40, 24, 12, 12, 12, 12, 10, 12, 34)
FIRST_DATA_ROW = 4
SCORE_COLUMNS = (5, 6, 7, 8)
# What spreadsheet programs take as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Row:
    number: int
    institution: str
    uscc: str
    reports: int
    timeliness: Decimal
    quality: Decimal
    compliance: Decimal
    total: Decimal
    grade: str
    remark: str

    def values(self) -> tuple:
        return (
            self.number,
            self.institution,
            self.uscc,
            self.reports,
            self.timeliness,
            self.quality,
            self.compliance,
            self.total,
            self.grade,
            self.remark,
        )


@dataclass(frozen=True)
class Document:
    province: str
    year: int
    published_on: date | None
    rubric: Rubric
    rows: list[Row]

    @property
    def title(self) -> str:
        return f"{self.province}{self.year}年度核查技术服务机构评估结果"

    @property
    def subtitle(self) -> str:
        return f"（{self.year - 1}年度温室气体排放报告核查工作）"

    @property
    def headers(self) -> tuple[str, ...]:
        weights = self.rubric.weights
        return (
            "序号",
            "核查技术服务机构",
            "统一社会信用代码",
            "核查报告数（份）",
            f"及时性（{weights.get('timeliness', 0)}分）",
            f"工作质量（{weights.get('quality', 0)}分）",
            f"合规性（{weights.get('compliance', 0)}分）",
            "总分",
            "评估等级",
            "备注",
        )

    @property
    def notes(self) -> list[str]:
        """The rubric in words, printed under the table: how the figures were reached."""
        rubric = self.rubric
        deductions = rubric.deductions
        ranges = [
            f"{label}（{minimum}分及以上）" if minimum else f"{label}（低于{below}分）"
            for label, minimum, below in bands_shown(rubric, language="zh-hans")
        ]
        return [
            "及时性：按期（不晚于核查截止日期）提交核查结论的报告占比乘以该项分值。",
            "工作质量：每份报告满分100分，复核申请被支持一次扣"
            f"{deductions.get('objection_upheld', 0)}分，核查结论每被退回一次扣"
            f"{deductions.get('conclusion_returned', 0)}分，抽查发现实质性偏差每次扣"
            f"{deductions.get('spot_check_deviation', 0)}分，各报告得分的平均值折算为该项分值。",
            "合规性：按合规性检查清单中非否决项的符合比例折算；否决项不符合的，评估等级为"
            f"“{rubric.lowest_band.get('zh', '')}”。",
            "评估等级：" + "；".join(ranges) + "。",
            f"核查报告数少于{rubric.min_reports}份的机构不予评级。",
        ]

    def filename(self, extension: str) -> str:
        return f"{self.province}{self.year}年度核查技术服务机构评估结果.{extension}"


def remark(evaluation, rubric: Rubric) -> str:
    parts = []
    if evaluation.vetoed:
        parts.append("否决项不符合")
    if not evaluation.grade:
        parts.append(f"报告数少于{rubric.min_reports}份，不予评级")
    return "；".join(parts)


def document(round_, evaluations) -> Document:
    evaluations = list(evaluations)
    rubric = rubric_of(evaluations[0]) if evaluations else Rubric.of(round_.scheme)
    rows = [
        Row(
            number=number,
            institution=evaluation.institution.name_zh,
            uscc=evaluation.institution.uscc,
            reports=evaluation.reports,
            timeliness=evaluation.timeliness,
            quality=evaluation.quality,
            compliance=evaluation.compliance,
            total=evaluation.total,
            grade=grade_label(evaluation, language="zh-hans") or "不予评级",
            remark=remark(evaluation, rubric),
        )
        for number, evaluation in enumerate(evaluations, start=1)
    ]
    published_on = timezone.localdate(round_.published_at) if round_.published_at else None
    return Document(round_.province.name_zh, round_.year, published_on, rubric, rows)


def evaluation_xlsx(doc: Document) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    _write(sheet, doc)
    return workbook_bytes(workbook)


def _write(sheet: Worksheet, doc: Document) -> None:
    last = get_column_letter(len(doc.headers))
    dated = f"公布日期：{doc.published_on:%Y年%m月%d日}" if doc.published_on else ""
    for row, text, size in ((1, doc.title, 14), (2, f"{doc.subtitle} {dated}".strip(), 10)):
        cell = _put(sheet, row, 1, text)
        cell.font = Font(bold=True, size=size)
        cell.alignment = Alignment(horizontal="center")
        sheet.merge_cells(f"A{row}:{last}{row}")
    thin = Side(style="thin", color="888888")
    for column, header in enumerate(doc.headers, start=1):
        cell = _put(sheet, FIRST_DATA_ROW - 1, column, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F6")
        cell.border = Border(bottom=thin)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for row, item in enumerate(doc.rows, start=FIRST_DATA_ROW):
        for column, value in enumerate(item.values(), start=1):
            cell = _put(sheet, row, column, value)
            if column in SCORE_COLUMNS:
                cell.number_format = "0.00"
    notes_row = FIRST_DATA_ROW + len(doc.rows) + 1
    _put(sheet, notes_row, 1, "说明：").font = Font(bold=True)
    for offset, note in enumerate(doc.notes, start=1):
        _put(sheet, notes_row + offset, 1, f"{offset}. {note}")
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    sheet.page_setup.orientation = "landscape"


def _put(sheet: Worksheet, row: int, column: int, value):
    cell = sheet.cell(row=row, column=column)
    if not isinstance(value, str):
        cell.value = value
    elif value:
        cell.value = value
        # openpyxl stores a string that starts with "=" as a formula: names are data.
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    return cell


def evaluation_pdf(doc: Document) -> bytes:
    return render_pdf(render_to_string("verification/public/evaluation_pdf.html", {"doc": doc}))
