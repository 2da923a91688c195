"""Page and card geometry, in one place, as named constants (ReportLab points).

Every measurement a printer, a card stock or a test depends on is here, so a change of
stock is a change of constants and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.pagesizes import A4 as _A4
from reportlab.lib.units import mm

A4_WIDTH, A4_HEIGHT = _A4

# --- ISO/IEC 7810 ID-1 ("CR80"): the size of a bank card ------------------------------
CR80_WIDTH = 85.6 * mm
CR80_HEIGHT = 54.0 * mm
CR80_CORNER_RADIUS = 3.18 * mm
# Nothing is printed closer than this to a card's edge: cutters and card printers drift
# by up to about 1 mm and the corners are rounded.
CARD_SAFE_MARGIN = 3.0 * mm

# --- A4 perforated business-card stock, 10 per sheet (Avery C32010 style) -------------
# 85 × 54 mm cards in 2 columns × 5 rows; 15 mm side margins, a 10 mm gutter between
# the columns and 13.5 mm top and bottom margins, no gap between rows. The layout is
# symmetric, so a back page lands on the same cells whichever edge the sheet is turned on.
SHEET_CARD_WIDTH = 85.0 * mm
SHEET_CARD_HEIGHT = 54.0 * mm
SHEET_COLUMNS = 2
SHEET_ROWS = 5
SHEET_LEFT_MARGIN = 15.0 * mm
SHEET_TOP_MARGIN = 13.5 * mm
SHEET_COLUMN_GAP = 10.0 * mm
SHEET_ROW_GAP = 0.0 * mm

# --- Key-fob inserts: 50 × 30 mm, cut by hand from plain A4 ---------------------------
FOB_WIDTH = 50.0 * mm
FOB_HEIGHT = 30.0 * mm
FOB_COLUMNS = 3
FOB_ROWS = 7
FOB_LEFT_MARGIN = 20.0 * mm
FOB_TOP_MARGIN = 28.5 * mm
FOB_COLUMN_GAP = 10.0 * mm
FOB_ROW_GAP = 5.0 * mm

# --- Crop marks -------------------------------------------------------------------------
CROP_MARK_LENGTH = 5.0 * mm
CROP_MARK_OFFSET = 1.5 * mm  # gap between the cut line and the start of its mark
CROP_MARK_WIDTH = 0.25

# --- A4 documents (plans, letters, registers) -----------------------------------------
DOC_MARGIN_LEFT = 20.0 * mm
DOC_MARGIN_RIGHT = 20.0 * mm
DOC_MARGIN_TOP = 22.0 * mm
DOC_MARGIN_BOTTOM = 22.0 * mm
DOC_HEADER_Y = A4_HEIGHT - 12.0 * mm  # baseline of the running header
DOC_FOOTER_Y = 10.0 * mm  # baseline of "Page X of Y"
# Large print adds room for the bigger running header and footer.
DOC_LARGE_MARGIN_TOP = 28.0 * mm
DOC_LARGE_MARGIN_BOTTOM = 28.0 * mm


@dataclass(frozen=True)
class Box:
    """A rectangle in points; ``x``/``y`` is its bottom-left corner."""

    x: float
    y: float
    width: float
    height: float

    @property
    def top(self) -> float:
        return self.y + self.height

    @property
    def right(self) -> float:
        return self.x + self.width

    def inset(self, dx: float, dy: float | None = None) -> Box:
        dy = dx if dy is None else dy
        return Box(self.x + dx, self.y + dy, self.width - 2 * dx, self.height - 2 * dy)

    def contains(self, other: Box, tolerance: float = 0.01) -> bool:
        return (
            other.x >= self.x - tolerance
            and other.y >= self.y - tolerance
            and other.right <= self.right + tolerance
            and other.top <= self.top + tolerance
        )


@dataclass(frozen=True)
class GridLayout:
    """Items laid out in a grid on a page, numbered row by row from the top left."""

    page_width: float
    page_height: float
    item_width: float
    item_height: float
    columns: int
    rows: int
    left_margin: float
    top_margin: float
    column_gap: float
    row_gap: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def cell(self, column: int, row: int) -> Box:
        x = self.left_margin + column * (self.item_width + self.column_gap)
        top = self.page_height - self.top_margin - row * (self.item_height + self.row_gap)
        return Box(x, top - self.item_height, self.item_width, self.item_height)


CARD_SHEET = GridLayout(
    page_width=A4_WIDTH,
    page_height=A4_HEIGHT,
    item_width=SHEET_CARD_WIDTH,
    item_height=SHEET_CARD_HEIGHT,
    columns=SHEET_COLUMNS,
    rows=SHEET_ROWS,
    left_margin=SHEET_LEFT_MARGIN,
    top_margin=SHEET_TOP_MARGIN,
    column_gap=SHEET_COLUMN_GAP,
    row_gap=SHEET_ROW_GAP,
)

FOB_SHEET = GridLayout(
    page_width=A4_WIDTH,
    page_height=A4_HEIGHT,
    item_width=FOB_WIDTH,
    item_height=FOB_HEIGHT,
    columns=FOB_COLUMNS,
    rows=FOB_ROWS,
    left_margin=FOB_LEFT_MARGIN,
    top_margin=FOB_TOP_MARGIN,
    column_gap=FOB_COLUMN_GAP,
    row_gap=FOB_ROW_GAP,
)
