"""Chinese text in a PDF must be drawn with a CJK font, not as tofu boxes."""

import re
import zlib

from core.pdf import render_pdf

TITLE = "重点排放单位名录"
CJK_FONT_NAME = re.compile(rb"Noto-?Sans-?CJK|Noto-?Serif-?CJK|WenQuanYi", re.IGNORECASE)


def inflated(pdf: bytes) -> bytes:
    """The PDF with its streams decompressed: WeasyPrint packs fonts and objects into Flate."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            parts.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def base_fonts(content: bytes) -> list[bytes]:
    return re.findall(rb"/BaseFont\s*/([^\s/<>\[\]()]+)", content)


def unicode_mapped(content: bytes) -> set[str]:
    """Characters the ToUnicode maps give back, so the text can be searched and copied."""
    codes = re.findall(rb"<[0-9a-fA-F]+>\s*<([0-9a-fA-F]{4})>", content)
    return {chr(int(code, 16)) for code in codes}


def test_chinese_text_is_drawn_with_a_cjk_font():
    content = inflated(render_pdf(f"<h1>{TITLE}</h1><p>{TITLE}（2026年度）</p>"))

    fonts = base_fonts(content)
    # A Latin font standing in for Han characters is exactly what draws tofu boxes.
    assert fonts, "no font embedded"
    assert all(CJK_FONT_NAME.search(name) for name in fonts), fonts
    assert set(TITLE) <= unicode_mapped(content)


def test_chinese_stays_readable_when_the_document_sets_its_own_font():
    content = inflated(render_pdf('<p style="font-family: serif">重点排放单位</p>'))

    assert any(CJK_FONT_NAME.search(name) for name in base_fonts(content)), base_fonts(content)
