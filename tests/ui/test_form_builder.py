"""Fields built from a form's specs, as the person sees them."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QWidget

from ui.forms.fields import DATE_HINT, FieldSpec, Kind
from ui.views.form_builder import FieldWidget


def test_a_date_box_shows_the_format_and_no_example_year_that_fits_only_a_birth(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    for key, label in (("date_of_birth", "Date of birth"), ("review_date", "Review date")):
        box = FieldWidget(FieldSpec(key, label, Kind.DATE), parent).widget
        assert isinstance(box, QLineEdit)
        assert box.placeholderText() == "day/month/year"
        assert box.accessibleDescription() == DATE_HINT
