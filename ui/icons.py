"""Icons from one bundled, licensed family: Material Design Icons (Pictogrammers, Apache
2.0), through qtawesome. Views ask for an icon by what it means, never by glyph name, so
the family can change in one place.

Status is never shown by colour alone: every sync state has an icon AND a word
(DESIGN.md: synced ✓, waiting ↻, conflict ⚠, refused ✕).
"""

from __future__ import annotations

import weakref
from functools import cache

from PySide6.QtGui import QAction, QIcon, QPalette
from PySide6.QtWidgets import QAbstractButton, QApplication

GLYPHS = {
    "caseload": "mdi6.account-multiple",
    "reviews": "mdi6.calendar-clock",
    "plans": "mdi6.clipboard-text",
    "cards": "mdi6.card-account-details",
    "groups": "mdi6.account-group",
    "requests": "mdi6.cash-check",
    "payments": "mdi6.cash-multiple",
    "lookup": "mdi6.phone-in-talk",
    "reports": "mdi6.chart-bar",
    "admin": "mdi6.account-key",
    "sync": "mdi6.sync",
    "new-carer": "mdi6.account-plus",
    "search": "mdi6.magnify",
    "lock": "mdi6.lock",
    "unlock": "mdi6.lock-open-variant",
    "settings": "mdi6.cog",
    "help": "mdi6.help-circle",
    "save": "mdi6.content-save",
    "add": "mdi6.plus",
    "remove": "mdi6.minus-circle",
    "edit": "mdi6.pencil",
    "back": "mdi6.arrow-left",
    "warning": "mdi6.alert",
    "info": "mdi6.information",
    "offline": "mdi6.wifi-off",
    "online": "mdi6.wifi",
    "print": "mdi6.printer",
    # a mark in a list (drawn as an icon: Fusion's own item check box all but vanishes in
    # the dark palette)
    "checked": "mdi6.checkbox-marked",
    "unchecked": "mdi6.checkbox-blank-outline",
    # sync states
    "state-synced": "mdi6.check-circle",
    "state-new": "mdi6.sync",
    "state-changed": "mdi6.sync",
    "state-sending": "mdi6.upload",
    "state-conflict": "mdi6.alert",
    "state-rejected": "mdi6.close-circle",
    "damaged": "mdi6.file-alert",
}


def _text_colour() -> str:
    return QApplication.palette().color(QPalette.ColorRole.WindowText).name()


@cache
def _icon(glyph: str, colour: str) -> QIcon:
    import qtawesome  # imported on first use: it loads icon fonts (start-up time)

    return qtawesome.icon(glyph, color=colour)


def icon(meaning: str) -> QIcon:
    """The icon for ``meaning`` in the palette's text colour (light or dark)."""
    return _icon(GLYPHS[meaning], _text_colour())


@cache
def _item_icon(glyph: str, colour: str, selected: str) -> QIcon:
    import qtawesome

    return qtawesome.icon(glyph, color=colour, color_selected=selected)


def item_icon(meaning: str) -> QIcon:
    """The icon for ``meaning`` inside a list: the text colour, and the selected text's
    colour on a selected row (so it keeps its contrast on the accent)."""
    palette = QApplication.palette()
    return _item_icon(
        GLYPHS[meaning],
        palette.color(QPalette.ColorRole.Text).name(),
        palette.color(QPalette.ColorRole.HighlightedText).name(),
    )


# Buttons and actions showing an icon, so a switch between light and dark redraws them in
# the new text colour (weak: a widget that goes takes its entry with it).
_SHOWN: weakref.WeakKeyDictionary[object, str] = weakref.WeakKeyDictionary()


_ready = False  # icons drawn yet? (not before the first window is on screen)


def set_icon(target: QAction | QAbstractButton, meaning: str) -> None:
    """Give ``target`` the icon for ``meaning``, redrawn whenever the palette changes.
    Until the first window is up, the icon is only noted: loading the icon fonts would
    hold up the unlock window."""
    _SHOWN[target] = meaning
    if _ready:
        target.setIcon(icon(meaning))


def enable_icons() -> None:
    """The first window is on screen: draw every icon noted so far, and from now on."""
    global _ready
    _ready = True
    refresh_icons()


def refresh_icons() -> None:
    """After a palette change: every registered icon again, in the new colour."""
    if not _ready:
        return
    for target, meaning in list(_SHOWN.items()):
        try:
            target.setIcon(icon(meaning))
        except RuntimeError:  # the C++ object is gone
            continue
