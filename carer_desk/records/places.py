"""Where a carer lives: postal addresses, UK postcodes and Oxfordshire's districts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from carer_desk.records.vocabulary import LabelledEnum
from carer_desk.validation import Problems, clean_optional_text, clean_text, set_field


class District(LabelledEnum):
    """Oxfordshire's five district council areas (reports break figures down by these)."""

    CHERWELL = ("cherwell", "Cherwell")
    OXFORD_CITY = ("oxford_city", "Oxford City")
    SOUTH_OXFORDSHIRE = ("south_oxfordshire", "South Oxfordshire")
    VALE_OF_WHITE_HORSE = ("vale_of_white_horse", "Vale of White Horse")
    WEST_OXFORDSHIRE = ("west_oxfordshire", "West Oxfordshire")


# UK postcode shape (outward code, space, inward code), after normalisation. GIR 0AA is
# the one historic exception still in use.
_POSTCODE_RE = re.compile(r"^(?:GIR 0AA|[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2})$")


def normalise_postcode(raw: str) -> str:
    """Upper-case, drop stray spaces and put one space before the inward code.

    "ox12ab" -> "OX1 2AB". Does not check the result; see :func:`is_uk_postcode`.
    """
    compact = re.sub(r"\s+", "", raw).upper()
    if len(compact) >= 5:
        return f"{compact[:-3]} {compact[-3:]}"
    return compact


def is_uk_postcode(value: str) -> bool:
    return bool(_POSTCODE_RE.match(normalise_postcode(value)))


@dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    line1: str
    line2: str | None = None
    town: str
    postcode: str
    district: District | None = None

    def __post_init__(self) -> None:
        clean_text(self, "line1", "town")
        clean_optional_text(self, "line2")
        problems = Problems()
        problems.require_text("line1", self.line1, "the house number or name and street")
        problems.optional_text("line2", self.line2)
        problems.require_text("town", self.town, "the town or village")
        if not isinstance(self.postcode, str) or not self.postcode.strip():
            problems.add("postcode", "must not be blank; use the form OX1 2AB")
        elif not is_uk_postcode(self.postcode):
            problems.add(
                "postcode",
                f"{self.postcode.strip()!r} is not a UK postcode; use the form OX1 2AB",
            )
        else:
            set_field(self, "postcode", normalise_postcode(self.postcode))
        problems.require_enum("district", self.district, District, optional=True)
        problems.raise_if_any()

    def lines(self) -> tuple[str, ...]:
        """The address as printable lines, skipping what is not recorded."""
        return tuple(p for p in (self.line1, self.line2, self.town, self.postcode) if p)
