"""Excel import of key emission units: the template, the all-or-nothing import, the error report.

The uploaded file is untrusted: its size and type are checked before it is parsed, formulas are
refused rather than evaluated, and every row is validated before anything is written, so a bureau
gets one complete list of what to fix and the registry never holds half a file.

The package, by step:

- `columns`: the template's layout (sheet names, columns, choice labels);
- `template`: `build_template()`, the downloadable template;
- `reader`: checking and reading the uploaded file, its limits;
- `rows`: validating each row into an unsaved enterprise or row errors;
- `service`: `import_enterprises()`, the permission check and the audited save;
- `report`: `error_report()`, the row errors as an xlsx;
- `errors`: `RowError` and the two ways an import is refused.
"""

from units.imports.columns import COLUMNS, DATA_SHEET, XLSX_CONTENT_TYPE, Column
from units.imports.errors import ImportFileRejected, ImportRejected, RowError
from units.imports.report import error_report
from units.imports.service import ImportResult, import_enterprises
from units.imports.template import build_template

__all__ = [
    "COLUMNS",
    "DATA_SHEET",
    "XLSX_CONTENT_TYPE",
    "Column",
    "ImportFileRejected",
    "ImportRejected",
    "ImportResult",
    "RowError",
    "build_template",
    "error_report",
    "import_enterprises",
]
