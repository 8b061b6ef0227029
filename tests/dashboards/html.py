"""Reading the dashboards' tables back from the HTML (cells by their data attributes) and from
the xlsx downloads."""

import io
from html.parser import HTMLParser

from openpyxl import load_workbook


class _Cells(HTMLParser):
    """Every <td>/<th> with its attributes, its row's attributes and its table's, and its text."""

    def __init__(self):
        super().__init__()
        self.cells: list[dict] = []
        self._table: dict = {}
        self._row: dict = {}
        self._cell: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs
        elif tag == "tr":
            self._row = attrs
        elif tag in ("td", "th"):
            self._cell = {"attrs": attrs, "row": self._row, "table": self._table, "text": ""}

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._cell["text"] = " ".join(self._cell["text"].split())
            self.cells.append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data


def cells(response) -> list[dict]:
    parser = _Cells()
    parser.feed(response.content.decode())
    return parser.cells


def table_cells(response, table: str) -> list[dict]:
    return [cell for cell in cells(response) if cell["table"].get("data-table") == table]


def number(text: str) -> int:
    return int(text.replace(",", ""))


def measures_by(response, table: str, row_attribute: str) -> dict[str, dict[str, str]]:
    """{row key: {measure: text}} of the cells with a data-measure in one table."""
    result: dict[str, dict[str, str]] = {}
    for cell in table_cells(response, table):
        measure = cell["attrs"].get("data-measure")
        key = cell["row"].get(row_attribute)
        if measure and key is not None:
            result.setdefault(key, {})[measure] = cell["text"]
    return result


def sheet_rows(response) -> tuple[str, list, list[list]]:
    """(heading, header row, data rows) of a dashboard xlsx download."""
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return rows[0][0], rows[2], rows[3:]
