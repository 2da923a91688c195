"""Text fitting: whatever the text, it never leaves its box."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from carer_desk.printing.fit import ELLIPSIS, fit_text, wrap
from carer_desk.printing.fonts import REGULAR, string_width

NAMES = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyzÆØÅæøåëéóÓŁłễịđ'- عائشة")),
    min_size=1,
    max_size=200,
)


@settings(max_examples=60, deadline=None)
@given(text=NAMES, width=st.floats(20, 300), height=st.floats(8, 80))
def test_fitted_text_never_overflows_its_box(text, width, height):
    fitted = fit_text(text, REGULAR, width, height, max_size=14, min_size=6)
    assert 6 <= fitted.size <= 14
    for line in fitted.lines:
        assert string_width(line, REGULAR, fitted.size) <= width + 0.01
    assert fitted.height <= max(height, fitted.leading) + 0.01


@settings(max_examples=60, deadline=None)
@given(text=NAMES)
def test_wrapping_keeps_every_letter_unless_truncated(text):
    fitted = fit_text(text, REGULAR, 80, 400, max_size=10, min_size=6)
    if not fitted.truncated:
        assert "".join(fitted.lines).replace(" ", "") == text.replace(" ", "")


def test_long_name_shrinks_before_it_is_cut():
    name = "Zoë Ó'Brien-Wójcik Bartholomew-Fitzwilliam"
    roomy = fit_text(name, REGULAR, 400, 20, max_size=12, min_size=6)
    tight = fit_text(name, REGULAR, 120, 10, max_size=12, min_size=6)
    assert roomy.size == 12 and roomy.lines == (name,)
    assert tight.size < 12


def test_text_too_long_for_the_box_is_cut_with_an_ellipsis():
    fitted = fit_text("word " * 200, REGULAR, 100, 20, max_size=10, min_size=6)
    assert fitted.truncated and fitted.lines[-1].endswith(ELLIPSIS)


def test_a_word_wider_than_the_line_is_broken():
    lines = wrap("Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch", REGULAR, 10, 60)
    assert len(lines) > 1 and all(string_width(x, REGULAR, 10) <= 60 for x in lines)
