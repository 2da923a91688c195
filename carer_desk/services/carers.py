"""Carer use cases: register, update, import, list, find, open and show.

The decrypted caseload (light rows and the search index, built from the payloads in one
pass) is the :class:`~carer_desk.services.caseload.CaseloadService`'s, shared with this
service in a session, so the carers are decrypted once per unlock and search-as-you-type
never touches disk. A full :class:`Carer` is decoded only when one is asked for.
:meth:`CarerService.forget` drops all of it (the desktop's lock does).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from carer_desk.changes import Changes
from carer_desk.clock import SYSTEM_CLOCK, Clock
from carer_desk.config import Settings
from carer_desk.errors import (
    CarerDeskError,
    NotFoundError,
    RecordIntegrityError,
    ValidationError,
)
from carer_desk.formatting import iso_date, long_date
from carer_desk.ports import RecordStore
from carer_desk.records.carer import Carer, YoungCarerReferral, months_between
from carer_desk.services.base import Service
from carer_desk.services.caseload import CaseloadService, IdentityKey
from carer_desk.services.search import fold


def identity_key(carer: Carer) -> IdentityKey:
    """Same folded names and date of birth: the same person, for import purposes."""
    return (fold(carer.given_name), fold(carer.family_name), carer.date_of_birth)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A carer record that cannot be shown, and why in words: it is named, never silently
    left out of a list."""

    record_id: str
    reason: str
    what_to_do: str = (
        "Sync to take the office's copy back, or restore it from a backup; "
        "'vault check' lists every damaged record."
    )


@dataclass(frozen=True, slots=True)
class Registered:
    """A carer just registered, and what the person registering must know about them."""

    carer: Carer
    notices: tuple[str, ...]  # e.g. a young carer, referred on to the young carers' service


@dataclass(frozen=True, slots=True)
class MovingToAdultServices:
    """A young carer approaching 18 (from 17½ by default): plan their move across."""

    carer_id: str
    name: str
    date_of_birth: date
    turns_adult_on: date


class CarerService(Service):
    def __init__(
        self,
        store: RecordStore,
        settings: Settings,
        clock: Clock = SYSTEM_CLOCK,
        *,
        caseload: CaseloadService | None = None,
    ) -> None:
        super().__init__(store, settings, clock)
        self.caseload = caseload or CaseloadService(store, settings, clock)

    # --- the cache ---------------------------------------------------------------------

    @property
    def holds_decrypted_data(self) -> bool:
        """Whether anything decrypted is held in memory (False after :meth:`forget`)."""
        return self.caseload.holds_decrypted_data

    def forget(self) -> None:
        """Drop every decrypted row, index entry and fact held in memory."""
        self.caseload.forget()

    def refresh(self, carer_ids: Iterable[str]) -> None:
        """Reload these carers from the store (written elsewhere: a pull, another
        service); a carer gone from the store (deleted, merged away) is dropped."""
        self.caseload.refresh(Changes.of(("carer", carer_id) for carer_id in carer_ids))

    # --- reading ---------------------------------------------------------------------

    def _record(self, carer_id: str) -> Carer:
        return self.repo.get(Carer, carer_id)

    def list_carers(self) -> list[Carer]:
        """Every carer of the caseload as a full, validated record, in name order: for
        exports. A list on screen wants the caseload's rows, which decode nothing."""
        return [self._record(carer_id) for carer_id in self.caseload.ids()]

    def search(self, query: str, limit: int | None = None) -> list[Carer]:
        """Carers matching what has been typed so far; only the hits are decoded."""
        found = self.caseload.search(query)
        return [self._record(carer_id) for carer_id in (found[:limit] if limit else found)]

    def readable(self, carer_ids: Iterable[str]) -> tuple[list[Carer], list[Unreadable]]:
        """The carers of ``carer_ids`` that can be read, and each one that cannot, with
        why: a record written by a newer Carer Desk in a way this one cannot read is named
        like a damaged one, never dropped silently."""
        carers, bad = [], []
        for carer_id in carer_ids:
            try:
                carers.append(self._record(carer_id))
            except ValidationError as exc:
                bad.append(Unreadable(carer_id, f"holds values this version cannot read ({exc})"))
            except RecordIntegrityError:
                bad.append(Unreadable(carer_id, "failed its integrity check"))
        return carers, bad

    def unreadable(self) -> list[Unreadable]:
        """Carer records this laptop holds but cannot open (damaged or altered)."""
        self.caseload.ids()  # reading the caseload finds them
        return [
            Unreadable(record_id, "failed its integrity check")
            for record_id, kind in self.damaged()
            if kind == "carer"
        ]

    def get_carer(self, carer_id: str) -> Carer:
        """One carer's record; the view is written to the audit log."""
        carer = self._record(carer_id)
        self.store.audit("view", record_id=carer_id, kind="carer")
        return carer

    def sync_state(self, carer_id: str) -> str:
        return str(self.store.meta(carer_id).sync_state)

    def damaged(self) -> list[tuple[str, str]]:
        return self.repo.damaged()

    # --- writing ---------------------------------------------------------------------

    def register(self, carer: Carer) -> Carer:
        """A new carer, e.g. met for the first time on a visit (see :meth:`register_new`
        for what to tell the person registering them)."""
        return self.register_new(carer).carer

    def register_new(self, carer: Carer) -> Registered:
        """A new carer. Someone under 18 is a young carer: the registration records their
        referral to the young carers' service (``age_bands.young_carers_service``) today,
        and the notices say so."""
        if self.repo.find(Carer, carer.id) is not None:
            raise CarerDeskError(f"A carer with id {carer.id} already exists.")
        today = self.clock.today()
        bands = self.settings.age_bands
        age = carer.age_on(today)
        if age is not None and age < bands.young_carer_under and carer.young_carer_referral is None:
            carer = replace(
                carer,
                young_carer_referral=YoungCarerReferral(
                    referred_on=today, to=bands.young_carers_service, by=self.store.actor
                ),
            )
        self.repo.save(carer, action="create")
        self.refresh([carer.id])
        return Registered(carer, self.notices(carer))

    def notices(self, carer: Carer) -> tuple[str, ...]:
        """What anyone working with this carer should know about their age: a young carer
        and their referral, or a move to adult services coming up."""
        today = self.clock.today()
        bands = self.settings.age_bands
        age = carer.age_on(today)
        found = []
        if age is not None and age < bands.young_carer_under:
            referral = carer.young_carer_referral
            referred = (
                f"They were referred to {referral.to} on {long_date(referral.referred_on)}."
                if referral is not None
                else f"Refer them to {bands.young_carers_service}."
            )
            found.append(
                f"{carer.display_name} is {age}: a young carer (under "
                f"{bands.young_carer_under}). {referred} Their needs are assessed under the "
                "Children Act, not as an adult carer's."
            )
        if carer.in_transition_to_adult_services(bands, today):
            found.append(
                f"{carer.display_name} turns {bands.young_carer_under} on "
                f"{long_date(_adult_on(carer.date_of_birth, bands.young_carer_under))}: plan "
                "their move from young carers' to adult carers' support."
            )
        return tuple(found)

    def moving_to_adult_services(self) -> list[MovingToAdultServices]:
        """Young carers from 17½ (``age_bands.transition_referral_months``) until they
        turn 18, soonest first: the transition list."""
        today = self.clock.today()
        bands = self.settings.age_bands
        found = []
        for row in self.caseload.rows():
            born = row.date_of_birth
            if born is None:
                continue
            months = months_between(born, today)
            if bands.transition_referral_months <= months < bands.young_carer_under * 12:
                found.append(
                    MovingToAdultServices(
                        row.carer_id,
                        row.display_name,
                        born,
                        _adult_on(born, bands.young_carer_under),
                    )
                )
        return sorted(found, key=lambda m: (m.turns_adult_on, m.carer_id))

    def update(self, carer: Carer) -> Carer:
        if self.repo.find(Carer, carer.id) is None:
            raise NotFoundError(f"There is no carer with id {carer.id}: register them first.")
        self.repo.save(carer, action="edit")
        self.refresh([carer.id])
        return carer

    def import_carers(self, carers: Iterable[Carer], *, source: str) -> int:
        """Write every carer in ONE transaction, or none: a carer already in the vault
        (same id, or same names and date of birth) refuses the whole import."""
        carers = list(carers)
        by_identity = self.caseload.identities()
        problems: list[tuple[str, str]] = []
        for pos, carer in enumerate(carers, start=1):
            if carer.id in self.caseload:
                problems.append((f"carer {pos}", f"id {carer.id} is already in the vault"))
            elif (twin := by_identity.get(identity_key(carer))) is not None:
                problems.append(
                    (
                        f"carer {pos}",
                        f"{carer.full_name} (born "
                        f"{carer.date_of_birth or 'date not recorded'}) is already in the vault "
                        f"as {twin}",
                    )
                )
        if problems:
            raise ValidationError(problems)
        written = self.repo.save_many(
            carers, action="import", audit_details={"source": source, "count": len(carers)}
        )
        # A whole caseload may have arrived: reading it again at the next look is
        # cheaper than bringing thousands of rows up to date one by one.
        self.forget()
        return written

    # --- showing ---------------------------------------------------------------------

    def describe(self, carer: Carer) -> list[str]:
        """Human-readable lines about one carer, skipping what is not recorded."""
        lines = [f"{carer.display_name}  ({carer.id})"]

        def add(label: str, value: object) -> None:
            if value not in (None, "", ()):
                lines.append(f"  {label}: {value}")

        add("Full name", carer.full_name if carer.preferred_name else None)
        add("Born", iso_date(carer.date_of_birth) if carer.date_of_birth else None)
        add(
            "Age band",
            (band.label if (band := carer.age_band(self.settings, self.clock.today())) else None),
        )
        add("Phone", carer.contact.phone)
        add("Mobile", carer.contact.mobile)
        add("Email", carer.contact.email)
        if carer.address:
            add("Address", ", ".join(carer.address.lines()))
            add("District", carer.address.district.label if carer.address.district else None)
        add("Language", carer.language)
        add("Interpreter needed", "yes" if carer.interpreter_needed else None)
        add("Accessible formats", ", ".join(f.label for f in carer.accessible_formats))
        add("GP practice", carer.gp_practice)
        add("Carer types", ", ".join(t.label for t in carer.carer_types))
        add("Hours of care a week", carer.hours_of_care_per_week)
        add("Referred", f"{iso_date(carer.referral.date)} by {carer.referral.source.label}")
        add(
            "Consent",
            f"{'given' if carer.consent.given else 'not given'}; lawful basis: "
            f"{carer.consent.lawful_basis.label}",
        )
        add("Team", carer.team.label if carer.team else None)
        add("Worker", carer.worker)
        add("Safeguarding", "concern flagged" if carer.safeguarding_flag else None)
        for person in carer.cared_for:
            conditions = ", ".join(c.label for c in person.conditions)
            add(
                "Cares for",
                f"{person.name} ({person.relationship})"
                + (f": {conditions}" if conditions else ""),
            )
        for contact in carer.contacts:
            add("Contact", f"{contact.name} ({contact.relationship})")
        add("Sync", self.sync_state(carer.id))
        return lines


def _adult_on(born: date, adult_age: int) -> date:
    """The birthday on which someone born on ``born`` turns ``adult_age`` (29 February
    birthdays fall on 1 March in other years)."""
    try:
        return born.replace(year=born.year + adult_age)
    except ValueError:
        return date(born.year + adult_age, 3, 1)
