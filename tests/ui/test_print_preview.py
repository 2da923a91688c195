"""Print preview: shows the PDF from memory, is keyboard-operable and labelled, and
records a print only when pages really went to the printer."""

from __future__ import annotations

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from carer_desk.printing.card_content import CardContent
from carer_desk.printing.cards import Duplex, render_card_sheets
from carer_desk.rules.card_numbers import format_card_number, generate_card_number
from carer_desk.services.printing import Rendered
from ui.print_preview import PrintPreviewDialog, preview_dialog
from ui.print_preview_controller import PreviewError, PrintPreviewController


def _sheet_pdf(count: int = 12) -> bytes:
    cards = []
    for _ in range(count):
        number = generate_card_number()
        cards.append(CardContent(number, format_card_number(number), "0345 050 8725"))
    return render_card_sheets(cards, duplex=Duplex.SHORT_EDGE)


@pytest.fixture
def printed():
    return []


@pytest.fixture
def dialog(qtbot, printed):
    rendered = Rendered(
        _sheet_pdf(),
        "card-sheet",
        (("c" * 32, "card", "d" * 32),),
        cards=("d" * 32,),
        details=(("duplex", "short-edge"),),
    )
    dlg = preview_dialog(rendered, on_printed=lambda: printed.append(True))
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def test_every_control_has_an_accessible_name_and_takes_focus(dialog):
    controls = dialog.findChildren(QAbstractButton) + dialog.findChildren(QLabel)
    assert controls
    for widget in controls:
        assert widget.accessibleName(), widget
    for button in dialog.findChildren(QAbstractButton):
        assert button.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert dialog.view.accessibleName() == "Document page"


def test_keyboard_moves_between_pages_and_zooms(qtbot, dialog):
    assert dialog.page_label.text() == "Page 1 of 4"
    assert not dialog.previous_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_PageDown)
    assert dialog.page_label.text() == "Page 2 of 4"
    assert dialog.previous_button.isEnabled()
    for _ in range(5):
        qtbot.keyClick(dialog, Qt.Key.Key_PageDown)
    assert dialog.page_label.text() == "Page 4 of 4" and not dialog.next_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert dialog.zoom_label.text() == "125%"
    qtbot.keyClick(dialog, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dialog, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert dialog.zoom_label.text() == "75%"


def test_printing_paints_every_page_at_true_size_and_records_once(dialog, printed, tmp_path):
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog.controller.prepare_printer(printer)
    assert dialog.controller.duplex_mode() == QPrinter.DuplexMode.DuplexShortSide
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert dialog.controller.print_to(printer) == 4
    assert printed == [True]
    pages = PdfReader(tmp_path / "printed.pdf").pages
    assert len(pages) == 4
    # A4 in, A4 out: the cards land where the stock's perforations are.
    assert abs(float(pages[0].mediabox.width) - 595.28) < 1.5
    assert abs(float(pages[0].mediabox.height) - 841.89) < 1.5


def test_cancelling_the_print_dialog_records_nothing(dialog, printed, monkeypatch):
    from PySide6.QtPrintSupport import QPrintDialog

    monkeypatch.setattr(QPrintDialog, "exec", lambda self: 0)
    assert dialog.print_document() is False
    assert printed == []


def test_unreadable_bytes_are_refused_with_a_message(qtbot):
    with pytest.raises(PreviewError, match="could not be opened"):
        PrintPreviewController(b"not a pdf", title="x")


def test_dialog_can_be_built_from_a_controller(qtbot):
    controller = PrintPreviewController(_sheet_pdf(1), title="Emergency card sheet")
    dlg = PrintPreviewDialog(controller)
    qtbot.addWidget(dlg)
    assert "Emergency card sheet" in dlg.windowTitle()
    assert isinstance(dlg.view, QWidget)
