"""The accessibility walk: every control a person can reach must have a name a screen
reader can say, and must be reachable with the Tab key."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

CONTROLS = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractItemView,
    QPlainTextEdit,
    QTextEdit,
    QAbstractSpinBox,
    QTabBar,
)


def describe(w: QWidget) -> str:
    name = w.objectName() or ""
    text = getattr(w, "text", lambda: "")()
    return f"{type(w).__name__}({name!r}, {text!r})"


def accessible_name(w: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(w)
    return interface.text(QAccessible.Text.Name).strip() if interface is not None else ""


def controls_of(top: QWidget) -> list[QWidget]:
    found = []
    for w in top.findChildren(QWidget):
        if not isinstance(w, CONTROLS) or not w.isVisibleTo(top) or not w.isEnabled():
            continue
        if w.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        # Parts of a composite control (a combo box's list, a spin box's line edit) are
        # named and reached through the control itself.
        parent = w.parentWidget()
        if isinstance(parent, QComboBox | QAbstractSpinBox):
            continue
        if type(w).__name__ in ("QToolButton",) and isinstance(parent, QTabBar):
            continue  # the tab bar's scroll arrows
        found.append(w)
    return found


@dataclass
class WalkResult:
    unnamed: list[str]
    unreachable: list[str]
    checked: int  # how many controls the walk looked at


def walk(top: QWidget, *, first: QWidget | None = None) -> WalkResult:
    """Name every control; then Tab through the screen and list what Tab never reaches."""
    controls = controls_of(top)
    unnamed = [describe(w) for w in controls if not accessible_name(w)]
    top.activateWindow()
    start = first or next((w for w in controls if w.focusPolicy() & Qt.FocusPolicy.TabFocus), None)
    reached: set[int] = set()
    if start is not None:
        start.setFocus(Qt.FocusReason.TabFocusReason)
        QApplication.processEvents()
        for _ in range(len(controls) * 2 + 20):
            focused = QApplication.focusWidget()
            if focused is not None:
                reached.add(id(focused))
                # A control's inner widget holding focus counts as the control.
                parent = focused.parentWidget()
                while parent is not None:
                    reached.add(id(parent))
                    parent = parent.parentWidget()
                QTest.keyClick(focused, Qt.Key.Key_Tab)
                QApplication.processEvents()
    tabbable = [w for w in controls if w.focusPolicy() & Qt.FocusPolicy.TabFocus]
    unreachable = [describe(w) for w in tabbable if id(w) not in reached]
    return WalkResult(unnamed, unreachable, len(controls))
