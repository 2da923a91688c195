"""Bundled fonts and text shaping for every printed document.

Printed documents must show names exactly as the carer writes them (Zoë Ó'Brien-Wójcik,
Ægir, Nguyễn, عائشة), on any office PC, so the TTFs are shipped in ``resources/fonts``
rather than taken from the operating system. DejaVu Sans covers Latin Extended, Vietnamese
and the Arabic presentation forms; ReportLab 5 does not shape Arabic itself, so
right-to-left text is shaped with arabic-reshaper and put into visual order with
python-bidi before it is drawn (:func:`visual`).
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from importlib import resources

import arabic_reshaper
from bidi import get_display
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from carer_desk.errors import CarerDeskError

logger = logging.getLogger(__name__)

REGULAR = "CarerDeskSans"
BOLD = "CarerDeskSans-Bold"
FAMILY = "CarerDeskSans"

_FONT_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_lock = threading.Lock()
_registered = False


class FontsMissing(CarerDeskError):
    """The bundled fonts could not be loaded (a damaged installation)."""


def register_fonts() -> None:
    """Register the bundled fonts with ReportLab once per process (thread-safe)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        folder = resources.files("resources").joinpath("fonts")
        for name, filename in _FONT_FILES.items():
            path = folder.joinpath(filename)
            try:
                # ReportLab wants a real file path; resources are plain files in both the
                # source tree and the PyInstaller bundle.
                pdfmetrics.registerFont(TTFont(name, str(path)))
            except Exception as exc:  # ReportLab raises bare TTFError/IOError here
                raise FontsMissing(
                    f"The printing font {filename} is missing or damaged. "
                    "Reinstall Carer Desk to restore it."
                ) from exc
        addMapping(FAMILY, 0, 0, REGULAR)
        addMapping(FAMILY, 1, 0, BOLD)
        addMapping(FAMILY, 0, 1, REGULAR)
        addMapping(FAMILY, 1, 1, BOLD)
        _registered = True
        logger.debug("registered bundled fonts %s", sorted(_FONT_FILES.values()))


def has_rtl(text: str) -> bool:
    """True if the text holds any right-to-left letter (Arabic, Hebrew, ...)."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


# First-strong isolate and pop-directional isolate: a name embedded in an English line
# keeps its own direction without dragging the numbers that follow it along.
_FSI, _PDI = "\u2068", "\u2069"
_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f\u202a\u202b\u202c\u202d\u202e")
)


def isolate(value: str) -> str:
    """Wrap a person's text (a name, an address) so it is ordered on its own."""
    return f"{_FSI}{value}{_PDI}" if has_rtl(value) else value


def visual(text: str) -> str:
    """Text in the order and shapes it must be drawn in.

    Left-to-right text is returned unchanged (and NFC-normalised so a decomposed "ë"
    draws as one glyph). Arabic is joined into its contextual forms and the line is put
    into visual order; call this on a single line, after wrapping.
    """
    text = unicodedata.normalize("NFC", text)
    if not has_rtl(text):
        return text.translate(_BIDI_CONTROLS)
    # The controls have done their work once the line is in visual order; the font has
    # no glyph for them, so they must not reach the page.
    # Every document is English, so lines run left to right; an Arabic name inside one
    # ("عائشة خان (daughter)") is reversed as a run and the brackets stay in place.
    return get_display(arabic_reshaper.reshape(text), base_dir="L").translate(_BIDI_CONTROLS)


def string_width(text: str, font: str, size: float) -> float:
    """Width in points of ``text`` as it will be drawn."""
    register_fonts()
    return pdfmetrics.stringWidth(visual(text), font, size)


def clip_to_width(
    text: str, font: str, size: float, width: float, mark: str = "…", *, always: bool = False
) -> str:
    """The longest start of ``text`` that fits ``width`` with ``mark`` after it (``text``
    itself when it fits, unless ``always``). Found by halving, so a pasted 99,000-character
    name takes milliseconds, not minutes, whatever is printed."""
    register_fonts()
    if not always and pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    low, high = 0, len(text)  # text[:low] + mark fits; text[:high] + mark does not
    if pdfmetrics.stringWidth(mark, font, size) > width:
        return ""
    while high - low > 1:
        middle = (low + high) // 2
        if pdfmetrics.stringWidth(text[:middle] + mark, font, size) <= width:
            low = middle
        else:
            high = middle
    return text[:low].rstrip() + mark
