"""Peer-support groups, their sessions, who belongs and who came (BRIEF §5).

Facilitators see only what a register needs (names, contact, access needs): the
:class:`RegisterEntry` view is built from a carer's record and carries nothing else, so
a register screen or a printed sign-in sheet cannot leak conversation notes, payments or
plans.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from carer_desk.ids import new_id
from carer_desk.records.carer import Carer
from carer_desk.records.vocabulary import LabelledEnum
from carer_desk.validation import Problems, clean_optional_text, clean_text

logger = logging.getLogger(__name__)

#: The kind a facilitator's laptop holds each register carer as: the server's read-only
#: projection of the carer (``sync.protocol.ProjectionKind.REGISTER_ENTRY``; a test keeps
#: the two equal), stored under the carer's id. The whole carer record never reaches it.
REGISTER_ENTRY_KIND = "register_entry"


class GroupKind(LabelledEnum):
    GENERAL = ("general", "General carers' group")
    DEMENTIA = ("dementia", "Dementia")
    PARKINSONS = ("parkinsons", "Parkinson's")
    STROKE = ("stroke", "Stroke")
    MENTAL_HEALTH = ("mental_health", "Mental health")
    PARENT_CARERS = ("parent_carers", "Parent carers")
    YOUNG_ADULT_CARERS = ("young_adult_carers", "Young adult carers")
    OTHER = ("other", "Other")


class SessionFormat(LabelledEnum):
    IN_PERSON = ("in_person", "In person")
    ONLINE = ("online", "Online")
    HYBRID = ("hybrid", "In person and online")


_LINK_RE = re.compile(r"^https://\S+$")


def _check_link(p: Problems, path: str, link: str | None) -> None:
    if link is not None and not _LINK_RE.match(link):
        p.add(path, f"{link!r} is not a web link; paste the full https:// address")


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerGroup:
    id: str = field(default_factory=new_id)
    name: str
    kind: GroupKind = GroupKind.GENERAL
    format: SessionFormat = SessionFormat.IN_PERSON  # the usual format of its sessions
    town: str | None = None
    venue: str | None = None
    online_link: str | None = None
    facilitator: str | None = None  # username of the usual facilitator
    active: bool = True

    def __post_init__(self) -> None:
        clean_text(self, "name")
        clean_optional_text(self, "town", "venue", "online_link", "facilitator")
        p = Problems()
        p.require_id("id", self.id)
        p.require_text("name", self.name, "the group's name")
        p.require_enum("kind", self.kind, GroupKind)
        p.require_enum("format", self.format, SessionFormat)
        _check_link(p, "online_link", self.online_link)
        p.require_bool("active", self.active)
        p.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupSession:
    id: str = field(default_factory=new_id)
    group_id: str
    on: date
    starts_at: time | None = None
    format: SessionFormat = SessionFormat.IN_PERSON
    venue: str | None = None
    online_link: str | None = None
    notes: str | None = None  # practical notes about the session, not about carers

    def __post_init__(self) -> None:
        clean_optional_text(self, "venue", "online_link", "notes")
        p = Problems()
        p.require_id("id", self.id)
        p.require_id("group_id", self.group_id)
        p.require_date("on", self.on)
        if self.starts_at is not None and not isinstance(self.starts_at, time):
            p.add("starts_at", "must be a time of day (HH:MM)")
        p.require_enum("format", self.format, SessionFormat)
        _check_link(p, "online_link", self.online_link)
        p.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupMember:
    """A carer who belongs to a group (listed on its register and sign-in sheet)."""

    id: str = field(default_factory=new_id)
    group_id: str
    carer_id: str
    joined_on: date
    left_on: date | None = None
    wants_buddy: bool = False

    def __post_init__(self) -> None:
        p = Problems()
        p.require_id("id", self.id)
        p.require_id("group_id", self.group_id)
        p.require_id("carer_id", self.carer_id)
        joined = p.require_date("joined_on", self.joined_on)
        if (
            p.require_date("left_on", self.left_on, optional=True)
            and joined
            and self.left_on < self.joined_on
        ):  # type: ignore[operator]
            p.add("left_on", "must not be before they joined")
        p.require_bool("wants_buddy", self.wants_buddy)
        p.raise_if_any()

    def is_member_on(self, on: date) -> bool:
        return self.joined_on <= on and (self.left_on is None or on < self.left_on)


@dataclass(frozen=True, slots=True, kw_only=True)
class Attendance:
    id: str = field(default_factory=new_id)
    session_id: str
    carer_id: str
    attended: bool = True
    follow_up_requested: bool = False  # the facilitator asks for a follow-up conversation
    newcomer: bool = False

    def __post_init__(self) -> None:
        p = Problems()
        p.require_id("id", self.id)
        p.require_id("session_id", self.session_id)
        p.require_id("carer_id", self.carer_id)
        p.require_bool("attended", self.attended)
        p.require_bool("follow_up_requested", self.follow_up_requested)
        p.require_bool("newcomer", self.newcomer)
        p.raise_if_any()


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterEntry:
    """What a facilitator may see of a carer: nothing beyond what a register needs."""

    carer_id: str
    display_name: str
    phone: str | None = None
    email: str | None = None
    access_needs: tuple[str, ...] = ()

    @classmethod
    def from_carer(cls, carer: Carer) -> RegisterEntry:
        needs = [fmt.label for fmt in carer.accessible_formats]
        if carer.interpreter_needed and carer.language:
            needs.append(f"Interpreter ({carer.language})")
        return cls(
            carer_id=carer.id,
            display_name=carer.display_name,
            phone=carer.contact.best_phone,
            email=carer.contact.email,
            access_needs=tuple(needs),
        )

    @classmethod
    def from_projection(cls, payload: Mapping[str, Any]) -> RegisterEntry:
        """The entry as the server sent it to a facilitator (``register_entry``): only the
        listed fields are read, so anything else in the payload never reaches a screen."""
        p = Problems()
        carer_id, name = payload.get("carer_id"), payload.get("display_name")
        phone, email = payload.get("phone"), payload.get("email")
        needs = payload.get("access_needs") or []
        p.require_text("carer_id", carer_id, "the carer's id")
        p.require_text("display_name", name, "the carer's name")
        p.optional_text("phone", phone)
        p.optional_text("email", email)
        if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
            p.add("access_needs", "must be a list of texts")
        p.raise_if_any()
        return cls(
            carer_id=carer_id,  # type: ignore[arg-type]
            display_name=name.strip(),  # type: ignore[union-attr]
            phone=phone or None,
            email=email or None,
            access_needs=tuple(needs),
        )


def sort_register(entries: Iterable[RegisterEntry]) -> tuple[RegisterEntry, ...]:
    """Entries sorted by name, as a register and a sign-in sheet list them."""
    return tuple(sorted(entries, key=lambda e: (e.display_name.casefold(), e.carer_id)))


def build_register(carers: Iterable[Carer]) -> tuple[RegisterEntry, ...]:
    """Register entries for these carers, sorted by name as a sign-in sheet lists them."""
    return sort_register(RegisterEntry.from_carer(c) for c in carers)
