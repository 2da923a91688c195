"""A4 documents built from headed sections: plans, support plans, subject-access exports.

One engine, three layouts, because the same plan must be readable by a paramedic in a
hallway (standard), by a carer with poor sight (large print, every letter at least 16 pt)
and by a carer who finds dense text hard (easy read: short lines, one idea per line,
generous spacing). Each page carries who the document is about, the printed date, the
review date and "Page X of Y", in the manner of pretix's renderer.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus.flowables import HRFlowable

from carer_desk.errors import ValidationError
from carer_desk.formatting import long_date, money
from carer_desk.printing.fonts import BOLD, FAMILY, REGULAR, clip_to_width, register_fonts, visual
from carer_desk.printing.geometry import (
    A4_HEIGHT,
    A4_WIDTH,
    DOC_FOOTER_Y,
    DOC_HEADER_Y,
    DOC_LARGE_MARGIN_BOTTOM,
    DOC_LARGE_MARGIN_TOP,
    DOC_MARGIN_BOTTOM,
    DOC_MARGIN_LEFT,
    DOC_MARGIN_RIGHT,
    DOC_MARGIN_TOP,
)

BRAND = HexColor("#00565B")
INK = HexColor("#1A1A1A")
MUTED = HexColor("#4D4D4D")
NOT_RECORDED = "Not recorded"
PDF_CREATOR = "Carer Desk"


class Layout(StrEnum):
    STANDARD = "standard"
    LARGE_PRINT = "large-print"
    EASY_READ = "easy-read"


@dataclass(frozen=True)
class Entry:
    """One line of a section: an optional label ("Dose") and its text."""

    label: str | None
    text: str


@dataclass(frozen=True)
class Section:
    heading: str
    entries: tuple[Entry, ...] = ()
    note: str | None = None  # a sentence under the heading, e.g. why this comes first


@dataclass(frozen=True)
class Document:
    title: str
    about: str  # whose document it is, shown on every page
    printed_on: date
    sections: tuple[Section, ...]
    review_on: date | None = None
    intro: str | None = None
    footer_note: str = "Confidential: keep this somewhere safe."
    keywords: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Typography:
    body: float
    heading: float
    title: float
    running: float  # header and footer
    leading: float  # as a multiple of the size
    space_after_entry: float
    split_sentences: bool  # easy read: one idea per line


TYPOGRAPHY = {
    Layout.STANDARD: Typography(10.5, 13.5, 20, 8.5, 1.3, 3, split_sentences=False),
    Layout.LARGE_PRINT: Typography(16, 20, 26, 16, 1.3, 6, split_sentences=False),
    Layout.EASY_READ: Typography(14, 18, 24, 12, 1.6, 10, split_sentences=True),
}


# What one printed entry may hold: printing time must stay bounded whatever the data (a
# record written before input bounds, or pasted by a tool, can hold anything).
LABEL_MAX = 300
ENTRY_MAX = 20_000
WORD_MAX = 120  # longer runs without a space are broken, or wrapping turns quadratic
_LONG_RUN = re.compile(rf"\S{{{WORD_MAX + 1},}}")


def printable(text: str, limit: int = ENTRY_MAX) -> str:
    """``text`` cut to ``limit`` characters (with an ellipsis), with any run of more than
    ``WORD_MAX`` characters without a space broken into pieces that can wrap."""
    if len(text) > limit:
        text = text[:limit].rstrip() + "…"
    return _LONG_RUN.sub(
        lambda m: " ".join(m[0][i : i + WORD_MAX] for i in range(0, len(m[0]), WORD_MAX)), text
    )


def markup(text: str, limit: int = ENTRY_MAX) -> str:
    """User text made safe for a Paragraph: bounded, shaped, XML-escaped, line breaks
    kept."""
    lines = printable(text, limit).splitlines()
    return "<br/>".join(escape(visual(line)) for line in lines) or ""


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", text.strip())
    return [p for p in (part.strip() for part in parts) if p]


def _styles(t: Typography) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body",
        fontName=REGULAR,
        fontSize=t.body,
        leading=t.body * t.leading,
        textColor=INK,
        spaceAfter=t.space_after_entry,
    )
    return {
        "body": base,
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=BOLD,
            fontSize=t.title,
            leading=t.title * 1.2,
            textColor=BRAND,
            spaceAfter=t.body,
        ),
        "heading": ParagraphStyle(
            "heading",
            parent=base,
            fontName=BOLD,
            fontSize=t.heading,
            leading=t.heading * 1.25,
            textColor=BRAND,
            spaceBefore=t.heading * 0.9,
            spaceAfter=t.body * 0.4,
        ),
        "note": ParagraphStyle("note", parent=base, textColor=MUTED),
        "label": ParagraphStyle("label", parent=base, fontName=BOLD, spaceAfter=0),
    }


def _entry_flowables(entry: Entry, t: Typography, styles: dict[str, ParagraphStyle]) -> list:
    text = entry.text.strip() or NOT_RECORDED
    if t.split_sentences:
        out = []
        if entry.label:
            out.append(Paragraph(markup(entry.label, LABEL_MAX), styles["label"]))
        out.extend(Paragraph(markup(s), styles["body"]) for s in sentences(text))
        return out
    if entry.label:
        return [
            Paragraph(
                f"<font name='{BOLD}'>{markup(entry.label, LABEL_MAX)}:</font> {markup(text)}",
                styles["body"],
            )
        ]
    return [Paragraph(markup(text), styles["body"])]


def _story(doc: Document, layout: Layout) -> list:
    t = TYPOGRAPHY[layout]
    styles = _styles(t)
    story: list = [
        Paragraph(markup(doc.title, LABEL_MAX), styles["title"]),
        Paragraph(markup(doc.about, LABEL_MAX), styles["heading"]),
    ]
    dates = [f"Printed {long_date(doc.printed_on)}"]
    if doc.review_on:
        dates.append(f"Review by {long_date(doc.review_on)}")
    story.append(
        Paragraph(
            markup(" · ".join(dates))
            if not t.split_sentences
            else "<br/>".join(markup(d) for d in dates),
            styles["note"],
        )
    )
    if doc.intro:
        story.append(Paragraph(markup(doc.intro), styles["body"]))
    for section in doc.sections:
        head = [
            HRFlowable(width="100%", thickness=0.6, color=BRAND, spaceBefore=t.body * 0.6),
            Paragraph(markup(section.heading), styles["heading"]),
        ]
        if section.note:
            head.append(Paragraph(markup(section.note), styles["note"]))
        entries = section.entries or (Entry(None, NOT_RECORDED),)
        first, *rest = entries
        # A heading is never left alone at the foot of a page.
        story.append(KeepTogether([*head, *_entry_flowables(first, t, styles)]))
        for entry in rest:
            story.append(KeepTogether(_entry_flowables(entry, t, styles)))
        if layout is Layout.EASY_READ:
            story.append(Spacer(1, t.body))
    return story


def _numbered_canvas(doc: Document, layout: Layout) -> type[Canvas]:
    """A canvas that holds pages back until the end so each can say "Page X of Y"."""
    t = TYPOGRAPHY[layout]
    dates = f"Printed {long_date(doc.printed_on)}"
    if doc.review_on:
        dates += f" · Review by {long_date(doc.review_on)}"
    header = visual(printable(f"{doc.title} — {doc.about}", LABEL_MAX))

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved: list[dict] = []

        def showPage(self):
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved)
            for number, state in enumerate(self._saved, start=1):
                self.__dict__.update(state)
                self._running(number, total)
                super().showPage()
            super().save()

        def _running(self, number: int, total: int) -> None:
            self.saveState()
            self.setFillColor(MUTED)
            width = A4_WIDTH - DOC_MARGIN_LEFT - DOC_MARGIN_RIGHT
            self.setFont(REGULAR, t.running)
            self.drawString(DOC_MARGIN_LEFT, DOC_HEADER_Y, _clip(header, t.running, width))
            page = f"Page {number} of {total}"
            if layout is not Layout.STANDARD:
                # Two lines: large dates and the page number do not share one A4 line.
                self.drawString(
                    DOC_MARGIN_LEFT, DOC_FOOTER_Y + t.running * 1.25, _clip(dates, t.running, width)
                )
                self.drawString(DOC_MARGIN_LEFT, DOC_FOOTER_Y, page)
            else:
                self.drawString(
                    DOC_MARGIN_LEFT,
                    DOC_FOOTER_Y,
                    _clip(
                        f"{dates} · {doc.footer_note}",
                        t.running,
                        width - self.stringWidth(page, REGULAR, t.running) - 12,
                    ),
                )
                self.drawRightString(A4_WIDTH - DOC_MARGIN_RIGHT, DOC_FOOTER_Y, page)
            self.restoreState()

    return NumberedCanvas


def _clip(text: str, size: float, width: float) -> str:
    return clip_to_width(text, REGULAR, size, width)


def render_document(doc: Document, layout: Layout = Layout.STANDARD) -> bytes:
    """The document as PDF bytes."""
    if not doc.sections:
        raise ValidationError([("sections", "there is nothing to print in this document")])
    register_fonts()
    buffer = io.BytesIO()
    large = layout is Layout.LARGE_PRINT
    template = SimpleDocTemplate(
        buffer,
        pagesize=(A4_WIDTH, A4_HEIGHT),
        leftMargin=DOC_MARGIN_LEFT,
        rightMargin=DOC_MARGIN_RIGHT,
        topMargin=DOC_LARGE_MARGIN_TOP if large else DOC_MARGIN_TOP,
        bottomMargin=DOC_LARGE_MARGIN_BOTTOM if large else DOC_MARGIN_BOTTOM,
        title=doc.title,
        author=PDF_CREATOR,
        creator=PDF_CREATOR,
        invariant=1,
    )
    template.build(_story(doc, layout), canvasmaker=_numbered_canvas(doc, layout))
    return buffer.getvalue()


def entries(pairs: Sequence[tuple[str | None, object]]) -> tuple[Entry, ...]:
    """Entries from (label, value) pairs, leaving out every missing value.

    ``None``, empty strings and empty lists are left out rather than printed as "None";
    lists become "a, b, c"; ``bool`` becomes Yes/No; dates are written out in words.
    """
    out = []
    for label, value in pairs:
        text = plain(value)
        if text:
            out.append(Entry(label, text))
    return tuple(out)


def plain(value: object) -> str:
    """A value as words for a printed page; "" when there is nothing to show."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return long_date(value)
    if isinstance(value, StrEnum):
        return str(value).replace("_", " ").replace("-", " ").capitalize()
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(p for p in (plain(v) for v in value) if p)
    return str(value).strip()


__all__ = [
    "FAMILY",
    "NOT_RECORDED",
    "Document",
    "Entry",
    "Layout",
    "Section",
    "entries",
    "plain",
    "render_document",
]


def _humanise(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def flatten_entries(value: Any, label: str, out: list[Entry]) -> None:
    """Nested payload values as labelled lines; missing values are left out, not "None"."""
    if value is None or value == [] or value == {} or value == "":
        return
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if key.endswith("_pence") and isinstance(inner, int) and not isinstance(inner, bool):
                # Money is stored in pence; a person reads pounds.
                name = _humanise(key.removesuffix("_pence"))
                out.append(Entry(f"{label} › {name}" if label else name, money(inner)))
                continue
            flatten_entries(inner, f"{label} › {_humanise(key)}" if label else _humanise(key), out)
    elif isinstance(value, list):
        if all(not isinstance(v, Mapping | list) for v in value):
            out.append(Entry(label, ", ".join(str(v) for v in value)))
        else:
            for index, inner in enumerate(value, start=1):
                flatten_entries(inner, f"{label} {index}", out)
    elif isinstance(value, bool):
        out.append(Entry(label, "Yes" if value else "No"))
    else:
        out.append(Entry(label, str(value)))
