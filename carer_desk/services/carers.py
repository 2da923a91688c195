"""Carer use cases: register, update, import, list, find and show.

Decrypted carers are held in memory only while the store is unlocked (the service is
created per unlocked session and dropped on lock), so search-as-you-type never touches
disk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from carer_desk.config import Settings
from carer_desk.errors import (
    CarerDeskError,
    NotFoundError,
    RecordIntegrityError,
    ValidationError,
    VaultLocked,
)
from carer_desk.ports import RecordStore
from carer_desk.records.carer import Carer
from carer_desk.records.codec import from_payload, to_payload
from carer_desk.services.repository import Repository
from carer_desk.services.search import SearchEntry, SearchIndex, fold


def search_entry(carer: Carer) -> SearchEntry:
    return search_entry_from_payload(carer.id, to_payload(carer))


def search_entry_from_payload(carer_id: str, payload: Mapping[str, Any]) -> SearchEntry:
    """Searchable text straight from the stored payload: building the index this way
    skips constructing and validating 20,000 Carer objects before the first keystroke."""
    address = payload.get("address") or {}
    contact = payload.get("contact") or {}
    texts = (
        payload.get("given_name"),
        payload.get("family_name"),
        payload.get("preferred_name"),
        address.get("postcode"),
        address.get("town"),
        contact.get("phone"),
        contact.get("mobile"),
    )
    return SearchEntry(carer_id, tuple(t for t in texts if isinstance(t, str) and t))


def _sort_key(carer: Carer) -> tuple[str, str, str]:
    return (fold(carer.family_name), fold(carer.given_name), carer.id)


def identity_key(carer: Carer) -> tuple[str, str, date | None]:
    """Same folded names and date of birth: the same person, for import purposes."""
    return (fold(carer.given_name), fold(carer.family_name), carer.date_of_birth)


class CarerService:
    def __init__(
        self,
        store: RecordStore,
        settings: Settings,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.store = store
        self.settings = settings
        self.today = today
        self.repo = Repository(store)
        # Decrypted payloads, and the Carer objects built from them on demand: search
        # needs only the payloads, so the first keystroke does not wait for 20,000
        # records to be validated.
        self._payloads: dict[str, dict[str, Any]] | None = None
        self._carers: dict[str, Carer] = {}
        self._index: SearchIndex | None = None

    # --- reading ---------------------------------------------------------------------

    def _stored(self) -> dict[str, dict[str, Any]]:
        # Lock means locked: once the store is locked, what was decrypted is dropped and
        # nothing is answered from memory.
        if not getattr(self.store, "is_unlocked", True):
            self.forget()
            raise VaultLocked("The vault is locked: unlock it with your passphrase first.")
        if self._payloads is None:
            self._payloads = dict(self.store.iter_kind("carer"))
        return self._payloads

    def _carer(self, carer_id: str) -> Carer:
        carer = self._carers.get(carer_id)
        if carer is None:
            carer = from_payload("carer", self._stored()[carer_id])
            self._carers[carer_id] = carer
        return carer

    def _loaded(self) -> dict[str, Carer]:
        return {carer_id: self._carer(carer_id) for carer_id in self._stored()}

    def forget(self) -> None:
        """Drop every decrypted payload, record and index entry held in memory."""
        self._payloads = None
        self._carers = {}
        self._index = None

    def refresh(self, carer_ids: Iterable[str]) -> None:
        """Reload these carers from the store (written elsewhere: a pull, another
        service); a carer gone from the store (deleted, merged away) is dropped."""
        if self._payloads is None:
            return  # nothing cached yet: the next read loads everything fresh
        stored = self._stored()
        for carer_id in carer_ids:
            self._carers.pop(carer_id, None)
            try:
                payload = self.store.get("carer", carer_id)
            except (NotFoundError, RecordIntegrityError):
                stored.pop(carer_id, None)
                if self._index is not None:
                    self._index.remove(carer_id)
                continue
            stored[carer_id] = payload
            if self._index is not None:
                self._index.replace(search_entry_from_payload(carer_id, payload))

    def list_carers(self) -> list[Carer]:
        return sorted(self._loaded().values(), key=_sort_key)

    def get_carer(self, carer_id: str) -> Carer:
        """One carer's record; the view is written to the audit log."""
        carer = self.repo.get(Carer, carer_id)
        self.store.audit("view", record_id=carer_id, kind="carer")
        return carer

    def search(self, query: str, limit: int | None = None) -> list[Carer]:
        """Carers matching what has been typed so far; only the hits are built."""
        if self._index is None:
            self._index = SearchIndex.build(
                search_entry_from_payload(i, p) for i, p in self._stored().items()
            )
        return [self._carer(i) for i in self._index.search(query, limit=limit)]

    def sync_state(self, carer_id: str) -> str:
        return str(self.store.meta(carer_id).sync_state)

    def damaged(self) -> list[tuple[str, str]]:
        return self.repo.damaged()

    # --- writing ---------------------------------------------------------------------

    def register(self, carer: Carer) -> Carer:
        """A new carer, e.g. met for the first time on a visit."""
        if carer.id in self._stored():
            raise CarerDeskError(f"A carer with id {carer.id} already exists.")
        self.repo.save(carer, action="create")
        self._remember(carer)
        return carer

    def update(self, carer: Carer) -> Carer:
        if carer.id not in self._stored():
            raise CarerDeskError(f"No carer with id {carer.id}: register them first.")
        self.repo.save(carer, action="edit")
        self._remember(carer)
        return carer

    def import_carers(self, carers: Iterable[Carer], *, source: str) -> int:
        """Write every carer in ONE transaction, or none: a carer already in the vault
        (same id, or same names and date of birth) refuses the whole import."""
        carers = list(carers)
        existing = self._loaded()  # every carer is validated here, once, before the import
        by_identity = {identity_key(c): c for c in existing.values()}
        problems: list[tuple[str, str]] = []
        for pos, carer in enumerate(carers, start=1):
            if carer.id in existing:
                problems.append((f"carer {pos}", f"id {carer.id} is already in the vault"))
            elif (twin := by_identity.get(identity_key(carer))) is not None:
                problems.append(
                    (
                        f"carer {pos}",
                        f"{carer.full_name} (born "
                        f"{carer.date_of_birth or 'date not recorded'}) is already in the vault "
                        f"as {twin.id}",
                    )
                )
        if problems:
            raise ValidationError(problems)
        written = self.repo.save_many(
            carers, action="import", audit_details={"source": source, "count": len(carers)}
        )
        for carer in carers:
            self._remember(carer)
        return written

    def _remember(self, carer: Carer) -> None:
        self._stored()[carer.id] = to_payload(carer)
        self._carers[carer.id] = carer
        if self._index is not None:
            self._index.replace(search_entry(carer))

    # --- showing ---------------------------------------------------------------------

    def describe(self, carer: Carer) -> list[str]:
        """Human-readable lines for `carer-desk show carer`, skipping what is not recorded."""
        lines = [f"{carer.display_name}  ({carer.id})"]

        def add(label: str, value: object) -> None:
            if value not in (None, "", ()):
                lines.append(f"  {label}: {value}")

        add("Full name", carer.full_name if carer.preferred_name else None)
        add("Born", carer.date_of_birth.isoformat() if carer.date_of_birth else None)
        add(
            "Age band",
            (band.label if (band := carer.age_band(self.settings, self.today())) else None),
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
        add("Referred", f"{carer.referral.date.isoformat()} by {carer.referral.source.label}")
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
