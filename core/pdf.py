"""PDF rendering with WeasyPrint, set up so that Chinese text never comes out as tofu."""

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

# Fontconfig picks the first family in the stack that is installed. The CJK families come before
# the generic fallback because a Latin default font has no Han glyphs: the set-up installs
# Debian's fonts-noto-cjk (or fonts-wqy-microhei).
CJK_FONT_STACK = ", ".join(
    [
        '"Noto Sans CJK SC"',
        '"Noto Serif CJK SC"',
        '"WenQuanYi Micro Hei"',
        '"WenQuanYi Zen Hei"',
        "sans-serif",
    ]
)

BASE_CSS = f"""
@page {{ size: A4; margin: 18mm 15mm; }}
html {{ font-family: {CJK_FONT_STACK}; font-size: 10.5pt; line-height: 1.5; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 0.5pt solid #888; padding: 2pt 4pt; }}
"""


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Render an HTML document to PDF bytes; the document's own CSS overrides the base stack."""
    font_config = FontConfiguration()
    base = CSS(string=BASE_CSS, font_config=font_config)
    document = HTML(string=html, base_url=base_url)
    return document.write_pdf(stylesheets=[base], font_config=font_config)
