"""Small building blocks every view uses, so each screen looks and reads the same: headings,
hints, primary buttons, form rows with their error line, and notices.

Layout and styling only. Every control built here gets an accessible name; where a
label is visible the name repeats it, so a screen reader says what the eye reads.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.icons import set_icon


def _styled(label: QLabel, role: str) -> QLabel:
    label.setProperty("role", role)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def heading(text: str, parent: QWidget | None = None) -> QLabel:
    label = _styled(QLabel(text, parent), "heading")
    label.setAccessibleName(text)
    return label


def subheading(text: str, parent: QWidget | None = None) -> QLabel:
    label = _styled(QLabel(text, parent), "subheading")
    label.setAccessibleName(text)
    return label


def hint(text: str, parent: QWidget | None = None, *, name: str | None = None) -> QLabel:
    label = _styled(QLabel(text, parent), "hint")
    label.setAccessibleName(name or "Hint")
    return label


def paragraph(text: str = "", parent: QWidget | None = None, *, name: str) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setAccessibleName(name)
    return label


def banner(text: str = "", parent: QWidget | None = None, *, name: str) -> QLabel:
    """A notice across the top of a page (offline, demo, a refusal's reason)."""
    label = _styled(QLabel(text, parent), "banner")
    label.setAccessibleName(name)
    return label


def field_error(parent: QWidget | None = None, *, for_field: str) -> QLabel:
    """The message under a field; hidden while empty."""
    label = _styled(QLabel("", parent), "field-error")
    label.setAccessibleName(f"Problem with {for_field}")
    label.setVisible(False)
    return label


def show_error(label: QLabel, message: str | None) -> None:
    label.setText(message or "")
    label.setVisible(bool(message))
    label.setAccessibleDescription(message or "")


def button(
    text: str,
    *,
    name: str,
    description: str = "",
    icon_name: str | None = None,
    primary: bool = False,
    parent: QWidget | None = None,
) -> QPushButton:
    b = QPushButton(text, parent)
    b.setAccessibleName(name)
    if description:
        b.setAccessibleDescription(description)
        b.setToolTip(description)
    if icon_name:
        set_icon(b, icon_name)
    if primary:
        b.setProperty("primary", True)
        b.setDefault(True)
        b.setAutoDefault(True)
    return b


def line_edit(
    *, name: str, placeholder: str = "", password: bool = False, parent: QWidget | None = None
) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setAccessibleName(name)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        # No completion, no drag-out, no context-menu copy of a secret.
        edit.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        edit.setDragEnabled(False)
    return edit


class FormRow(QWidget):
    """A field with its error message underneath (both in the form's second column)."""

    def __init__(self, field: QWidget, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.error = field_error(self, for_field=label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(field)
        layout.addWidget(self.error)

    def set_error(self, message: str | None) -> None:
        show_error(self.error, message)


def add_row(form: QFormLayout, label: str, field: QWidget) -> FormRow:
    """Add ``label: field`` with an error line, the label a buddy of the field (Alt+key)."""
    row = FormRow(field, label.replace("&", ""))
    caption = QLabel(label)
    caption.setBuddy(field)
    caption.setAccessibleName(label.replace("&", ""))
    if not field.accessibleName():
        field.setAccessibleName(label.replace("&", ""))
    form.addRow(caption, row)
    return row


def form_layout() -> QFormLayout:
    form = QFormLayout()
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return form


def button_row(*buttons: QWidget, stretch_first: bool = True) -> QHBoxLayout:
    row = QHBoxLayout()
    if stretch_first:
        row.addStretch(1)
    for b in buttons:
        row.addWidget(b)
    return row


def centred_panel(content: QWidget, parent: QWidget | None = None, *, max_em: int = 36) -> QWidget:
    """``content`` centred at a readable width (in text units, so it scales)."""
    outer = QWidget(parent)
    layout = QHBoxLayout(outer)
    layout.addStretch(1)
    width = content.fontMetrics().averageCharWidth() * max_em * 2
    content.setMaximumWidth(width)
    content.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
    layout.addWidget(content, 10)
    layout.addStretch(1)
    wrapper = QWidget(parent)
    v = QVBoxLayout(wrapper)
    v.addStretch(1)
    v.addWidget(outer)
    v.addStretch(2)
    return wrapper


class Dialog(QDialog):
    """A dialog as tall as its text needs at the width it has.

    Qt sizes a window from its layout's minimum, which leaves out wrapped text (a label's
    height depends on its width): a dialog whose sentences wrap, or that shows a problem
    after it opened, or one capped at two thirds of a small or 200 % screen, was shorter
    than its contents, and its layout squeezed the fixed-height fields until their text
    was cut off at the bottom. Here the least height follows the width, on every layout
    change and resize (never taller than the screen)."""

    def event(self, event: QEvent) -> bool:
        done = super().event(event)
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Show):
            self.fit_height()
        return done

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fit_height()

    def fit_height(self) -> None:
        layout = self.layout()
        if layout is None or not layout.hasHeightForWidth():
            return
        need = max(layout.totalHeightForWidth(self.width()), layout.totalMinimumSize().height())
        screen = self.screen()
        if screen is not None:
            frame = self.frameGeometry().height() - self.height()
            need = min(need, screen.availableGeometry().height() - max(frame, 0))
        if need != self.minimumHeight():
            self.setMinimumHeight(need)


def rule(parent: QWidget | None = None) -> QFrame:
    line = QFrame(parent)
    line.setFrameShape(QFrame.Shape.HLine)
    line.setAccessibleName("Separator")
    return line


def follow_in_tab_order(anchor: QWidget, content: QWidget) -> None:
    """Tab from ``anchor`` reaches ``content``'s controls next, in the order they were
    made. A part built after the page's buttons (a tab filled in when first shown) would
    otherwise come after them, so Tab from its tabs jumped to Print or Save."""
    prev = anchor.focusProxy() or anchor
    for w in content.findChildren(QWidget):
        if w.focusProxy() is not None or not w.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        if w.window() is not anchor.window():
            continue
        QWidget.setTabOrder(prev, w)
        prev = w


def tab_keys(tabs: QTabWidget, page: QWidget) -> None:
    """Ctrl+Tab and Ctrl+Shift+Tab move between ``tabs`` wherever focus is on ``page``:
    a tab widget hears them only with focus inside it, and a page opens on Back."""

    def move(step: int) -> None:
        if tabs.count():
            tabs.setCurrentIndex((tabs.currentIndex() + step) % tabs.count())

    for keys, step in (
        (QKeySequence.StandardKey.NextChild, 1),
        (QKeySequence.StandardKey.PreviousChild, -1),
    ):
        shortcut = QShortcut(QKeySequence(keys), page)
        shortcut.activated.connect(lambda step=step: move(step))


def focus_when_loaded(target: QWidget, page: QWidget) -> None:
    """A list that came back from the vault takes the keyboard, so arrows and Enter work
    on it at once: a page shown before its rows had arrived gave focus to nothing, and
    it fell on the status bar's Sync button. Only then: focus anywhere else (the work
    areas being arrowed through, the search box, a field of the page, a dialog) stays."""
    if not target.isVisible():
        return
    focused = QApplication.focusWidget()
    if focused is None or (
        isinstance(focused, QAbstractButton)
        and focused.window() is target.window()
        and not page.isAncestorOf(focused)
    ):
        target.setFocus(Qt.FocusReason.OtherFocusReason)


class _FocusFollower(QObject):
    """Scrolls its scroll area to whatever inside it takes the keyboard."""

    def __init__(self, scroll: QScrollArea) -> None:
        super().__init__(scroll)
        self._scroll = scroll
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._moved)

    @Slot(QWidget, QWidget)
    def _moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        inner = self._scroll.widget()
        if new is not None and inner is not None and inner.isAncestorOf(new):
            self._scroll.ensureWidgetVisible(new)


def follow_focus(scroll: QScrollArea) -> QScrollArea:
    """``scroll`` shows the control that takes the keyboard, however it got there: Tab
    scrolls by itself, but an Alt+letter or a red field given focus left the control
    out of sight, so what was typed went in blind."""
    _FocusFollower(scroll)
    return scroll


def first_control(page: QWidget) -> QWidget | None:
    """The first control of ``page`` that Tab would reach, in the order they were made."""
    if isinstance(page, QScrollArea) and page.widget() is not None:
        page = page.widget()
    return next(
        (
            w
            for w in page.findChildren(QWidget)
            if w.focusPolicy() & Qt.FocusPolicy.TabFocus
            and w.focusProxy() is None
            and w.isVisibleTo(page)
        ),
        None,
    )


class _TabFocus(QObject):
    """Notices the keyboard pushed off a tab's page as it was hidden by a move to
    another tab, and gives it to the new page's first control."""

    def __init__(self, tabs: QTabWidget) -> None:
        super().__init__(tabs)
        self._tabs = tabs
        self._pushed = False
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._moved)
        # After the tab's own handlers: a tab may be built when first shown.
        tabs.currentChanged.connect(lambda _i: QTimer.singleShot(0, self, self._settle))

    @Slot(QWidget, QWidget)
    def _moved(self, old: QWidget | None, _new: QWidget | None) -> None:
        tabs = self._tabs
        if (
            old is not None
            and old is not tabs.tabBar()
            and tabs.isAncestorOf(old)
            and not old.isVisible()
        ):
            self._pushed = True  # its page was hidden under it

    def _settle(self) -> None:
        tabs, page = self._tabs, self._tabs.currentWidget()
        focused = QApplication.focusWidget()
        stranded = focused is not None and not focused.isVisible()
        if not (self._pushed or stranded) or page is None:
            return
        self._pushed = False
        if focused is not None and (
            focused is tabs.tabBar() or (focused is not page and page.isAncestorOf(focused))
        ):
            return
        (first_control(page) or tabs.tabBar()).setFocus(Qt.FocusReason.TabFocusReason)


def focus_follows_tab(tabs: QTabWidget) -> None:
    """Moving to another tab (its Alt+letter, Ctrl+Tab) takes the keyboard along when it
    was on the tab left behind: Qt passed it on to whatever came next in the Tab order
    (the search box, a button), so what was typed next went somewhere unseen."""
    _TabFocus(tabs)
