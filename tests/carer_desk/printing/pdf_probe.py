"""Reading rendered PDFs back the way a person would see them: text, positions, images."""

from __future__ import annotations

import io
import re

import pdfplumber
import pypdfium2
import zxingcpp
from reportlab.lib.units import mm

from carer_desk.printing.fonts import visual

MM = mm


def pages(pdf: bytes) -> list[pdfplumber.page.Page]:
    doc = pdfplumber.open(io.BytesIO(pdf))
    return list(doc.pages)


def page_text(page) -> str:
    return page.extract_text() or ""


def all_text(pdf: bytes) -> str:
    return "\n".join(page_text(p) for p in pages(pdf))


def shown(text: str) -> str:
    """How a (possibly right-to-left) string appears in extracted PDF text."""
    return visual(text)


def char_boxes(page):
    """(x0, bottom_y, x1, top_y) of each visible glyph, in PDF points from the bottom."""
    height = page.height
    for ch in page.chars:
        if ch["text"].strip():
            yield ch["x0"], height - ch["bottom"], ch["x1"], height - ch["top"], ch


def barcodes(pdf: bytes, page_index: int = 0, dpi: int = 300) -> list[str]:
    doc = pypdfium2.PdfDocument(pdf)
    image = doc[page_index].render(scale=dpi / 72).to_pil()
    return [b.text for b in zxingcpp.read_barcodes(image)]


def words_matching(page, pattern: str):
    regex = re.compile(pattern)
    return [w for w in page.extract_words(keep_blank_chars=True) if regex.search(w["text"])]
