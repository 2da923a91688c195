"""The locality teams a carer's record is routed to (and a worker belongs to)."""

from __future__ import annotations

from carer_desk.records.vocabulary import LabelledEnum


class LocalityTeam(LabelledEnum):
    NORTH = ("north", "North")
    CENTRAL = ("central", "Central")
    SOUTH = ("south", "South")
    CITY = ("city", "City")
