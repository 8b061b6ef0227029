"""The Excel path of the monthly certification: a template per sector schema, and an upload that
fills a draft exactly as the web form does.

The upload is untrusted and all-or-nothing, in the manner of units.imports (whose error types
it reuses; the file checks and limits are core.xlsx's): the file is checked as a whole, then
every cell, and only a file without a single error is combined into one month's values and
saved through services.save_values, so validation and emissions are the form's.

- `layout`: sheet names, header rows, and how each item's rows combine into the month;
- `template`: `build_template()`;
- `reader`: the file-level checks and the raw data rows;
- `rows`: every cell checked, errors by Excel row and column;
- `combine`: the month's values from the rows;
- `service`: `upload()`.
"""

from reporting.excel.layout import DATA_SHEET, INSTRUCTIONS_SHEET, Rule, rule_for
from reporting.excel.service import UploadResult, upload
from reporting.excel.template import build_template
from units.imports.columns import XLSX_CONTENT_TYPE
from units.imports.errors import ImportFileRejected, ImportRejected, RowError

__all__ = [
    "DATA_SHEET",
    "INSTRUCTIONS_SHEET",
    "XLSX_CONTENT_TYPE",
    "ImportFileRejected",
    "ImportRejected",
    "RowError",
    "Rule",
    "UploadResult",
    "build_template",
    "rule_for",
    "upload",
]
