"""Fitting text into a fixed box: wrap first, then shrink, never overflow.

A card or a sign-in row has a box of fixed size; a long name or address must wrap, then
get smaller down to a floor that is still legible, and only then be cut with an
ellipsis. Text never runs outside its box.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reportlab.pdfgen.canvas import Canvas

from carer_desk.printing.fonts import clip_to_width, register_fonts, string_width, visual
from carer_desk.printing.geometry import Box

ELLIPSIS = "…"
# DejaVu Sans's ascent and descent as a share of the size (accented capitals such as "Ó"
# reach the ascent); a line's leading is a little more than both together.
ASCENT = 0.93
DESCENT = 0.24
LEADING_RATIO = 1.18
SIZE_STEP = 0.25
# No printable glyph is narrower than this share of its size (DejaVu's narrowest, the
# thin marks, are wider): a box holds at most width / (size x this) of them a line.
NARROWEST_GLYPH = 0.1


class Align(StrEnum):
    LEFT = "left"
    CENTRE = "centre"
    RIGHT = "right"


@dataclass(frozen=True)
class FittedText:
    """The outcome of fitting: the size chosen and the (logical-order) lines."""

    size: float
    lines: tuple[str, ...]
    leading: float
    truncated: bool

    @property
    def height(self) -> float:
        return self.leading * len(self.lines)


def _break_word(word: str, font: str, size: float, width: float) -> list[str]:
    """Cut one over-long word into pieces that each fit the width."""
    pieces: list[str] = []
    current = ""
    for ch in word:
        if current and string_width(current + ch, font, size) > width:
            pieces.append(current)
            current = ch
        else:
            current += ch
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap; words wider than the line are broken between letters."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if string_width(candidate, font, size) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            if string_width(word, font, size) <= width:
                current = word
            else:
                *full, current = _break_word(word, font, size, width)
                lines.extend(full)
        lines.append(current)
    return lines


def _truncate(line: str, font: str, size: float, width: float) -> str:
    if string_width(line + ELLIPSIS, font, size) <= width:
        return line.rstrip() + ELLIPSIS
    return clip_to_width(line, font, size, width, ELLIPSIS, always=True)


def _most_that_fits(width: float, height: float, min_size: float, max_lines: int | None) -> int:
    """More characters than the box could ever show at ``min_size``: text beyond this is
    cut with an ellipsis anyway, so it is never wrapped (wrapping is what takes the time:
    a 99,000-character name must not make printing run for minutes)."""
    lines = max(1, int(height // (min_size * LEADING_RATIO)) + 1)
    if max_lines is not None:
        lines = min(lines, max_lines)
    return lines * (int(width / (min_size * NARROWEST_GLYPH)) + 1)


def fit_text(
    text: str,
    font: str,
    box_width: float,
    box_height: float,
    *,
    max_size: float,
    min_size: float,
    max_lines: int | None = None,
) -> FittedText:
    """The largest size between ``min_size`` and ``max_size`` at which the wrapped text
    fits the box; at ``min_size`` the last line that fits is cut with an ellipsis."""
    register_fonts()
    most = _most_that_fits(box_width, box_height, min_size, max_lines)
    if len(text) > most:
        text = text[:most]
    size = max_size
    while True:
        leading = size * LEADING_RATIO
        lines = wrap(text, font, size, box_width)
        room = max(1, int((box_height + 0.001) // leading))
        if max_lines is not None:
            room = min(room, max_lines)
        if len(lines) <= room:
            return FittedText(size, tuple(lines), leading, truncated=False)
        if size - SIZE_STEP < min_size:
            kept = lines[:room]
            kept[-1] = _truncate(kept[-1], font, size, box_width)
            return FittedText(size, tuple(kept), leading, truncated=True)
        size -= SIZE_STEP


def draw_fitted(
    canvas: Canvas,
    text: str,
    box: Box,
    font: str,
    *,
    max_size: float,
    min_size: float,
    align: Align = Align.LEFT,
    max_lines: int | None = None,
    valign_middle: bool = False,
) -> FittedText:
    """Draw ``text`` inside ``box`` (wrapped, shrunk as needed); returns what was drawn."""
    fitted = fit_text(
        text,
        font,
        box.width,
        box.height,
        max_size=max_size,
        min_size=min_size,
        max_lines=max_lines,
    )
    block = fitted.height
    top = box.top - (box.height - block) / 2 if valign_middle else box.top
    spare = fitted.leading - (ASCENT + DESCENT) * fitted.size
    baseline = top - ASCENT * fitted.size - spare / 2
    canvas.setFont(font, fitted.size)
    for line in fitted.lines:
        shown = visual(line)
        if align is Align.CENTRE:
            canvas.drawCentredString(box.x + box.width / 2, baseline, shown)
        elif align is Align.RIGHT:
            canvas.drawRightString(box.right, baseline, shown)
        else:
            canvas.drawString(box.x, baseline, shown)
        baseline -= fitted.leading
    return fitted
