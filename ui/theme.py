"""The look of the window, in one place: Fusion with a light and a dark palette that follow
the system, one accent colour, a visible focus ring, and text that honours the system
font size (and a larger-text setting on top).

Views never name a colour: they use palette roles, and the few styled details (focus
ring, headings, the DEMO badge, banners) come from the style sheet built here. Every text
and control colour pair below is checked against WCAG 2.2 AA in the tests (4.5:1 for
text, 3:1 for control borders and the focus ring).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from ui.resources import app_root

LARGE_TEXT_FACTOR = 1.25
# The arrows of combo and spin boxes, ticks and dots: per palette, in its text and muted
# colours.
ARROWS = app_root() / "resources" / "icons" / "arrows"


@dataclass(frozen=True)
class Colours:
    window: str
    base: str
    alternate: str
    text: str
    muted: str  # secondary text (captions, hints)
    border: str  # control outlines
    accent: str  # primary buttons, selection, focus ring
    on_accent: str  # text on the accent
    banner: str  # background of notices (offline, demo)
    banner_text: str
    warning_text: str  # the word beside a warning icon
    danger_text: str
    link: str


LIGHT = Colours(
    window="#F4F5F7",
    base="#FFFFFF",
    alternate="#F0F2F5",
    text="#1B1F24",
    muted="#4A5361",
    border="#7A8392",
    accent="#1D5AA6",
    on_accent="#FFFFFF",
    banner="#FFF4D6",
    banner_text="#3D2E00",
    warning_text="#7A4B00",
    danger_text="#A1262B",
    link="#1D5AA6",
)

DARK = Colours(
    window="#1F2227",
    base="#16181C",
    alternate="#23272D",
    text="#E9EBEE",
    muted="#B4BBC6",
    border="#7D8794",
    accent="#8AB8F0",
    on_accent="#0B1B30",
    banner="#3A3015",
    banner_text="#FBEFC9",
    warning_text="#F5C879",
    danger_text="#FF9C9C",
    link="#8AB8F0",
)


def colours_for(dark: bool) -> Colours:
    return DARK if dark else LIGHT


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def palette_for(c: Colours) -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    for r, value in (
        (role.Window, c.window),
        (role.WindowText, c.text),
        (role.Base, c.base),
        (role.AlternateBase, c.alternate),
        (role.Text, c.text),
        (role.Button, c.alternate),
        (role.ButtonText, c.text),
        (role.ToolTipBase, c.base),
        (role.ToolTipText, c.text),
        (role.PlaceholderText, c.muted),
        (role.Highlight, c.accent),
        (role.HighlightedText, c.on_accent),
        (role.Link, c.link),
        (role.BrightText, c.danger_text),
        (role.Mid, c.border),
        (role.Dark, c.border),
        (role.Light, c.base),
        (role.Midlight, c.alternate),
        (role.Shadow, c.border),
        (role.Accent, c.accent),
    ):
        p.setColor(r, QColor(value))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.Text, role.WindowText, role.ButtonText):
        p.setColor(disabled, r, QColor(c.muted))
    return p


def style_sheet(c: Colours, base_points: float = 10.0, line_px: int | None = None) -> str:
    """The few styled details. Heading sizes follow the base text size (Qt's style
    sheets take font sizes in points, not em), padding in em scales with the text.

    A text field's padding is in pixels worked out from the line height ``line_px`` (a
    logical pixel, so it holds at any scaling): the focus ring is a pixel thicker than the
    plain border, and the field's padding is a pixel less while it has the focus, so the
    room for the text stays the same (the same for buttons; a check box keeps a clear
    2-pixel border that the focus colours). Qt sizes a control once, unfocused: a thicker
    border taking a pixel a side from the text clipped its descenders."""
    if line_px is None:
        line_px = round(base_points * 96 / 72 * 1.2)
    pad_v = max(2, round(line_px * 0.2))
    pad_h = max(3, round(line_px * 0.35))
    btn_v = max(2, round(line_px * 0.35))
    btn_h = max(4, round(line_px * 0.9))
    fields = "QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QSpinBox, QDateEdit"
    # A combo box's and a spin box's arrows, a check box's tick and a radio button's dot:
    # drawn from one small set of files, since Qt leaves a styled field's button half-drawn
    # (a stray corner line over a tiny arrow), and Fusion outlines a box in a shade of the
    # window colour, all but invisible in the dark palette.
    button_px = max(14, round(line_px * 1.1))
    arrow_px = max(8, round(line_px * 0.65))
    box_px = max(11, round(line_px * 0.85))  # a check box's or radio button's box
    look = "dark" if c == DARK else "light"

    def arrow(direction: str, disabled: bool = False) -> str:
        name = f"{direction}-{look}{'-disabled' if disabled else ''}.svg"
        return (ARROWS / name).as_posix()

    focused_fields = ", ".join(f"{f.strip()}:focus" for f in fields.split(","))
    h1 = round(base_points * 1.45, 1)
    h2 = round(base_points * 1.15, 1)
    nav = round(base_points * 1.05, 1)
    line = round(base_points * 1.35, 1)  # the 24-hour line's plan: read under pressure
    line_head = round(base_points * 1.7, 1)
    return f"""
QWidget:focus {{ outline: none; }}
{focused_fields}, QAbstractItemView:focus, QPushButton:focus, QToolButton:focus,
QCheckBox:focus, QRadioButton:focus, QTabBar::tab:focus {{
    border: 2px solid {c.accent};
}}
{fields} {{
    border: 1px solid {c.border}; border-radius: 3px; padding: {pad_v}px {pad_h}px;
    background: {c.base}; color: {c.text};
}}
{focused_fields} {{ padding: {pad_v - 1}px {pad_h - 1}px; }}
QCheckBox::indicator, QRadioButton::indicator {{
    width: {box_px}px; height: {box_px}px; border: 1px solid {c.border}; background: {c.base};
}}
QCheckBox::indicator {{ border-radius: 2px; }}
QRadioButton::indicator {{ border-radius: {(box_px + 2) // 2}px; }}
QCheckBox::indicator:checked {{ image: url("{arrow("check")}"); }}
QCheckBox::indicator:checked:disabled {{ image: url("{arrow("check", True)}"); }}
QRadioButton::indicator:checked {{ image: url("{arrow("dot")}"); }}
QRadioButton::indicator:checked:disabled {{ image: url("{arrow("dot", True)}"); }}
QCheckBox::indicator:disabled, QRadioButton::indicator:disabled {{ border-color: {c.muted}; }}
QComboBox::drop-down {{
    subcontrol-origin: border; subcontrol-position: center right; width: {button_px}px;
    border: none;
}}
QComboBox::down-arrow {{
    image: url("{arrow("down")}"); width: {arrow_px}px; height: {arrow_px}px;
}}
QComboBox::down-arrow:disabled {{ image: url("{arrow("down", True)}"); }}
QSpinBox::up-button, QDateEdit::up-button, QSpinBox::down-button, QDateEdit::down-button {{
    subcontrol-origin: border; width: {button_px}px; border: none;
    border-left: 1px solid {c.border}; background: {c.alternate};
}}
QSpinBox::up-button, QDateEdit::up-button {{
    subcontrol-position: top right; border-top-right-radius: 3px;
}}
QSpinBox::down-button, QDateEdit::down-button {{
    subcontrol-position: bottom right; border-bottom-right-radius: 3px;
}}
QSpinBox::up-arrow, QDateEdit::up-arrow {{
    image: url("{arrow("up")}"); width: {arrow_px}px; height: {arrow_px}px;
}}
QSpinBox::down-arrow, QDateEdit::down-arrow {{
    image: url("{arrow("down")}"); width: {arrow_px}px; height: {arrow_px}px;
}}
QSpinBox::up-arrow:disabled, QDateEdit::up-arrow:disabled, QSpinBox::up-arrow:off,
QDateEdit::up-arrow:off {{ image: url("{arrow("up", True)}"); }}
QSpinBox::down-arrow:disabled, QDateEdit::down-arrow:disabled, QSpinBox::down-arrow:off,
QDateEdit::down-arrow:off {{ image: url("{arrow("down", True)}"); }}
QPushButton {{
    border: 1px solid {c.border}; border-radius: 4px; padding: {btn_v}px {btn_h}px;
    background: {c.alternate}; color: {c.text};
}}
QPushButton:focus {{ padding: {btn_v - 1}px {btn_h - 1}px; }}
QCheckBox, QRadioButton {{ border: 2px solid transparent; padding: 1px 2px; }}
QPushButton[primary="true"] {{
    background: {c.accent}; color: {c.on_accent}; border: 1px solid {c.accent};
    font-weight: bold;
}}
QPushButton[primary="true"]:focus {{ border: 2px solid {c.text}; }}
QPushButton:disabled {{ color: {c.muted}; }}
QLabel[role="heading"] {{ font-size: {h1}pt; font-weight: bold; }}
QLabel[role="subheading"] {{ font-size: {h2}pt; font-weight: bold; }}
QLabel[role="hint"] {{ color: {c.muted}; }}
QLabel[role="field-error"] {{ color: {c.danger_text}; font-weight: bold; }}
QLabel[role="warning"] {{ color: {c.warning_text}; font-weight: bold; }}
QLabel[role="banner"], QFrame[role="banner"] {{
    background: {c.banner}; color: {c.banner_text}; padding: 0.4em 0.7em; border-radius: 4px;
}}
QLabel[role="demo-badge"] {{
    background: {c.banner}; color: {c.banner_text}; font-weight: bold;
    padding: 0.1em 0.6em; border: 1px solid {c.banner_text}; border-radius: 3px;
}}
QListWidget#navigation {{ font-size: {nav}pt; }}
QLabel[role="line"], QGroupBox[role="line"], QLineEdit[role="line-number"] {{
    font-size: {line}pt;
}}
QLabel[role="line-strong"], QLabel[role="line-error"] {{ font-size: {line}pt; font-weight: bold; }}
QLabel[role="line-error"] {{ color: {c.danger_text}; }}
QLabel[role="line-banner"] {{
    background: {c.banner}; color: {c.banner_text}; padding: 0.4em 0.7em; border-radius: 4px;
    font-size: {line}pt; font-weight: bold;
}}
QLabel[role="line-headline"] {{ font-size: {line_head}pt; font-weight: bold; }}
QGroupBox[role="line"] {{ font-weight: bold; }}
QListWidget#navigation::item {{ padding: 0.45em 0.6em; }}
QListWidget#navigation::item:selected {{ background: {c.accent}; color: {c.on_accent}; }}
QTableView {{ gridline-color: {c.alternate}; }}
QTableView::item:selected {{ background: {c.accent}; color: {c.on_accent}; }}
"""


def base_font() -> QFont:
    """The system's UI font at the system's size (never below it)."""
    return QGuiApplication.font()


class Theme:
    """Applies the palette, style sheet and text size; re-applies when the system's
    light/dark preference changes."""

    def __init__(self, app: QApplication, *, large_text: bool = False) -> None:
        self.app = app
        self.large_text = large_text
        self._system_font = QFont(app.font())
        self.dark = False
        # None follows the system; True or False fixes the palette (screenshots, and
        # platforms that cannot say which the person prefers).
        self.forced_dark: bool | None = None
        app.setStyle("Fusion")
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _s: self.apply())
        self.apply()

    @property
    def colours(self) -> Colours:
        return colours_for(self.dark)

    def set_large_text(self, on: bool) -> None:
        self.large_text = on
        self.apply()

    def force_dark(self, dark: bool | None) -> None:
        self.forced_dark = dark
        self.apply()

    def apply(self) -> None:
        self.dark = system_prefers_dark() if self.forced_dark is None else self.forced_dark
        c = self.colours
        font = QFont(self._system_font)
        if self.large_text:
            size = font.pointSizeF()
            if size > 0:
                font.setPointSizeF(size * LARGE_TEXT_FACTOR)
            else:
                font.setPixelSize(round(font.pixelSize() * LARGE_TEXT_FACTOR))
        self.app.setFont(font)
        self.app.setPalette(palette_for(c))
        points = font.pointSizeF() if font.pointSizeF() > 0 else font.pixelSize() * 0.75
        self.app.setStyleSheet(style_sheet(c, points, QFontMetrics(font).height()))
        from ui.icons import refresh_icons  # icons are drawn in the palette's text colour

        refresh_icons()


def relative_luminance(colour: str) -> float:
    q = QColor(colour)

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(q.redF()) + 0.7152 * channel(q.greenF()) + 0.0722 * channel(q.blueF())


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
