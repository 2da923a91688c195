"""Closed vocabularies whose members carry a label for screens and print."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A closed vocabulary whose members carry a human label for screens and print.

    Members are declared as ``NAME = ("value", "Label")``; a member declared with just a
    value gets its label from the value ("short_break" -> "Short break"). The value is
    what is stored and sent; the label is only ever shown.
    """

    label: str

    def __new__(cls, value: str, label: str | None = None) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label if label is not None else value.replace("_", " ").capitalize()
        return member

    @classmethod
    def choices(cls) -> tuple[tuple[str, str], ...]:
        """``(value, label)`` pairs in declaration order, for pick-lists."""
        return tuple((m.value, m.label) for m in cls)
