"""Peer-support group use cases: groups, sessions, membership and the attendance
register, including a newcomer met for the first time at a session.

A facilitator's view of carers is the :class:`RegisterEntry` (names, contact, access
needs) and nothing else: this service never hands out a :class:`Carer`, so a register
screen or sign-in sheet cannot show notes, payments or plans. On a facilitator's laptop
the carers are not there at all, only the server's ``register_entry`` projection of each
(:func:`register_entry_of` reads whichever the laptop holds).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, time

from carer_desk.errors import NotFoundError, RuleViolation, ValidationError
from carer_desk.records.carer import Carer, Consent, Referral, ReferralSource
from carer_desk.records.contact_details import ContactDetails
from carer_desk.records.groups import (
    REGISTER_ENTRY_KIND,
    Attendance,
    GroupMember,
    GroupSession,
    PeerGroup,
    RegisterEntry,
    SessionFormat,
    sort_register,
)
from carer_desk.services.base import Service
from carer_desk.services.repository import Repository

logger = logging.getLogger(__name__)


def register_entry_of(repo: Repository, carer_id: str) -> RegisterEntry | None:
    """The register fields of a carer held here: from the whole record where this laptop
    has it (a worker's, an administrator's, a newcomer added here), else from the
    ``register_entry`` projection a facilitator's laptop pulls; None when neither is here."""
    carer = repo.find(Carer, carer_id)
    if carer is not None:
        return RegisterEntry.from_carer(carer)
    try:
        payload = repo.store.get(REGISTER_ENTRY_KIND, carer_id)
    except NotFoundError:
        return None
    return RegisterEntry.from_projection(payload)


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One line of a session's register: who, and what was marked for them."""

    entry: RegisterEntry
    attended: bool | None  # None: not marked yet
    follow_up_requested: bool
    newcomer: bool


class GroupService(Service):
    # --- groups and sessions ---------------------------------------------------------

    def _get(self, cls: type, record_id: str, what: str):
        try:
            return self.repo.get(cls, record_id)
        except NotFoundError:
            raise NotFoundError(f"There is no {what} with id {record_id} on this laptop.") from None

    def group(self, group_id: str) -> PeerGroup:
        return self._get(PeerGroup, group_id, "group")

    def session(self, session_id: str) -> GroupSession:
        return self._get(GroupSession, session_id, "group session")

    def groups(self, *, active_only: bool = True) -> list[PeerGroup]:
        found = [g for g in self.repo.all(PeerGroup) if g.active or not active_only]
        return sorted(found, key=lambda g: (g.name.casefold(), g.id))

    def create_group(self, group: PeerGroup) -> PeerGroup:
        if self.repo.find(PeerGroup, group.id) is not None:
            raise RuleViolation(f"A group with id {group.id} already exists.")
        self.repo.save(group, action="create")
        return group

    def update_group(self, group: PeerGroup) -> PeerGroup:
        self.group(group.id)
        self.repo.save(group, action="edit")
        return group

    def schedule_session(
        self,
        group_id: str,
        on: date,
        *,
        starts_at: time | None = None,
        format: SessionFormat | None = None,
        venue: str | None = None,
        online_link: str | None = None,
        notes: str | None = None,
    ) -> GroupSession:
        """A session of the group; format, venue and link default to the group's usual."""
        group = self.group(group_id)
        if not group.active:
            raise RuleViolation(f"{group.name} is no longer running; reopen the group first.")
        session = GroupSession(
            group_id=group.id,
            on=on,
            starts_at=starts_at,
            format=format or group.format,
            venue=venue or group.venue,
            online_link=online_link or group.online_link,
            notes=notes,
        )
        self.repo.save(session, action="create")
        return session

    def update_session(self, session: GroupSession) -> GroupSession:
        """Move a session to another day, time or place (it stays in its group)."""
        held = self.session(session.id)
        if session.group_id != held.group_id:
            raise RuleViolation("A session stays in its own group; schedule a new one instead.")
        self.repo.save(session, action="edit")
        return session

    def sessions(self, group_id: str) -> list[GroupSession]:
        return sorted(
            self.repo.where(GroupSession, group_id=group_id),
            key=lambda s: (s.on, s.starts_at or time(0), s.id),
        )

    # --- membership ------------------------------------------------------------------

    def members(self, group_id: str, on: date | None = None) -> list[GroupMember]:
        day = on or self.clock.today()
        return [m for m in self.repo.where(GroupMember, group_id=group_id) if m.is_member_on(day)]

    def groups_of(self, carer_id: str) -> list[tuple[PeerGroup, GroupMember]]:
        """The groups a carer belongs to (or belonged to), with their membership."""
        found = []
        for member in self.repo.where(GroupMember, carer_id=carer_id):
            group = self.repo.find(PeerGroup, member.group_id)
            if group is not None:
                found.append((group, member))
        return sorted(found, key=lambda gm: (gm[0].name.casefold(), gm[1].joined_on))

    def _membership(self, group_id: str, carer_id: str, on: date) -> GroupMember | None:
        return next(
            (m for m in self.members(group_id, on) if m.carer_id == carer_id),
            None,
        )

    def add_member(
        self,
        group_id: str,
        carer_id: str,
        *,
        joined_on: date | None = None,
        wants_buddy: bool = False,
    ) -> GroupMember:
        self.group(group_id)
        self._known_carer(carer_id)
        day = joined_on or self.clock.today()
        existing = self._membership(group_id, carer_id, day)
        if existing is not None:
            return existing
        member = GroupMember(
            group_id=group_id, carer_id=carer_id, joined_on=day, wants_buddy=wants_buddy
        )
        self.repo.save(member, action="create")
        return member

    def leave_group(self, group_id: str, carer_id: str) -> GroupMember:
        today = self.clock.today()
        member = self._membership(group_id, carer_id, today)
        if member is None:
            raise NotFoundError("This carer is not a member of the group.")
        # left_on is exclusive (is_member_on), so a carer leaving on the day they joined
        # still leaves a valid record.
        left = replace(member, left_on=max(today, member.joined_on))
        self.repo.save(left, action="edit")
        return left

    # --- the register ----------------------------------------------------------------

    def _attendance(self, session_id: str) -> dict[str, Attendance]:
        return {a.carer_id: a for a in self.repo.where(Attendance, session_id=session_id)}

    def attendance(self, session_id: str) -> list[Attendance]:
        """What has been marked for a session (ids and ticks only; no carer's details)."""
        return list(self._attendance(session_id).values())

    def _known_carer(self, carer_id: str) -> None:
        if register_entry_of(self.repo, carer_id) is None:
            raise NotFoundError(f"There is no carer with id {carer_id} on this laptop.")

    def _register_entries(self, session: GroupSession) -> list[RegisterEntry]:
        ids = dict.fromkeys(m.carer_id for m in self.members(session.group_id, session.on))
        ids.update(dict.fromkeys(self._attendance(session.id)))
        entries = []
        for carer_id in ids:
            entry = register_entry_of(self.repo, carer_id)
            if entry is None:
                # A member synced before their carer: leave them off rather than fail.
                logger.warning("register: carer %s not on this laptop", carer_id)
                continue
            entries.append(entry)
        return entries

    def register(self, session_id: str) -> tuple[RegisterEntry, ...]:
        """Who is expected at the session (members on that day, and anyone already marked
        for it), as register entries only, sorted by name. Audited as a view."""
        session = self.session(session_id)
        entries = sort_register(self._register_entries(session))
        self.store.audit(
            "view",
            record_id=session.id,
            kind="session",
            details={"document": "register", "carers": len(entries)},
        )
        return entries

    def register_rows(self, session_id: str) -> tuple[RegisterRow, ...]:
        """The register with what has been marked for each carer."""
        marks = self._attendance(session_id)
        rows = []
        for entry in self.register(session_id):
            mark = marks.get(entry.carer_id)
            rows.append(
                RegisterRow(
                    entry=entry,
                    attended=mark.attended if mark else None,
                    follow_up_requested=bool(mark and mark.follow_up_requested),
                    newcomer=bool(mark and mark.newcomer),
                )
            )
        return tuple(rows)

    def mark_attendance(
        self,
        session_id: str,
        carer_id: str,
        *,
        attended: bool = True,
        follow_up: bool | None = None,
    ) -> Attendance:
        """Mark a carer present or absent; marking again changes the same entry."""
        session = self.session(session_id)
        self._known_carer(carer_id)
        existing = self._attendance(session.id).get(carer_id)
        if existing is None:
            mark = Attendance(
                session_id=session.id,
                carer_id=carer_id,
                attended=attended,
                follow_up_requested=bool(follow_up),
            )
        else:
            mark = replace(
                existing,
                attended=attended,
                follow_up_requested=(
                    existing.follow_up_requested if follow_up is None else follow_up
                ),
            )
        self.repo.save(mark, action="create" if existing is None else "edit")
        return mark

    def flag_follow_up(self, session_id: str, carer_id: str) -> Attendance:
        """Ask the office for a follow-up conversation with this carer."""
        existing = self._attendance(session_id).get(carer_id)
        attended = existing.attended if existing is not None else True
        return self.mark_attendance(session_id, carer_id, attended=attended, follow_up=True)

    def follow_ups(self) -> list[Attendance]:
        """Every follow-up a facilitator asked for (the office's to-do list)."""
        return [a for a in self.repo.all(Attendance) if a.follow_up_requested]

    def add_newcomer(
        self,
        session_id: str,
        *,
        given_name: str,
        family_name: str,
        consent_given: bool,
        phone: str | None = None,
        email: str | None = None,
        follow_up: bool = False,
        join_group: bool = True,
    ) -> RegisterEntry:
        """A carer met for the first time at a session: a minimal carer record with their
        consent, marked present, and (by default) a member of the group so they are on the
        next register. All written in one transaction."""
        if consent_given is not True:
            raise RuleViolation(
                "A newcomer can only be recorded with their consent; ask them, or note their "
                "name on the paper sign-in sheet only."
            )
        session = self.session(session_id)
        today = self.clock.today()
        carer = Carer(
            given_name=given_name,
            family_name=family_name,
            contact=ContactDetails(phone=phone, email=email),
            referral=Referral(
                date=today,
                source=ReferralSource.PEER_SUPPORT_GROUP,
                source_detail=self.group(session.group_id).name,
            ),
            consent=Consent(given=True, date=today),
            created_at=self.clock.now(),
        )
        if follow_up and carer.contact.phone is None and carer.contact.email is None:
            # The office cannot follow up with someone it has no way to reach.
            raise ValidationError(
                [("phone", "a follow-up is asked for; add a phone number or an email address")]
            )
        records: list[object] = [
            carer,
            Attendance(
                session_id=session.id,
                carer_id=carer.id,
                attended=True,
                follow_up_requested=follow_up,
                newcomer=True,
            ),
        ]
        if join_group:
            records.append(
                GroupMember(group_id=session.group_id, carer_id=carer.id, joined_on=session.on)
            )
        self.repo.save_many(
            records,
            action="create",
            audit_details={"reason": "newcomer at a group session", "session": session.id},
        )
        logger.info("newcomer %s added at session %s", carer.id, session.id)
        return RegisterEntry.from_carer(carer)
