"""What the 24-hour line's tests need from the demo office: real card numbers, as the
server holds them, and a card reissued (lost) by an administrator's laptop the way an
office does it — so the operator's look-ups meet the server's real answers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from carer_desk.config import Settings
from carer_desk.records.calls import EmergencyCall
from carer_desk.records.codec import from_payload
from carer_desk.records.plan import EmergencyCard, EmergencyPlan
from carer_desk.services.cards import CardService
from carer_desk.wiring.demo_office import DemoOffice
from carer_desk.wiring.sync_gateway import ServerSyncGateway, wipe_vault
from storage.kdf import KdfParams
from storage.vault import Vault
from sync.server.__main__ import DEMO_PASSWORD
from sync.server.store import open_store

_FAST_KDF = KdfParams(memory_kib=1024, iterations=1, lanes=1)


@dataclass(frozen=True)
class OfficeCard:
    card: EmergencyCard
    plan: EmergencyPlan | None


def office_cards(office: DemoOffice) -> list[OfficeCard]:
    """Every card the office server holds, with its plan."""
    store = open_store(office.settings.database_url, office.settings.key_file)
    try:
        with store.transaction() as tx:
            cards = [from_payload("card", r.payload) for r in tx.records_of_kind("card")]
            plans = {
                r.record_id: from_payload("plan", r.payload) for r in tx.records_of_kind("plan")
            }
    finally:
        store.close()
    return [OfficeCard(c, plans.get(c.plan_id)) for c in cards]


def office_calls(office: DemoOffice) -> list[EmergencyCall]:
    """Every call to the line the office server holds."""
    store = open_store(office.settings.database_url, office.settings.key_file)
    try:
        with store.transaction() as tx:
            return [
                from_payload("emergency_call", r.payload)
                for r in tx.records_of_kind("emergency_call")
                if r.payload is not None
            ]
    finally:
        store.close()


def ready_card(office: DemoOffice) -> OfficeCard:
    """A live card whose plan may be read out (consent given, contacts, needs, a way in)
    and gives the cared-for person's own address, so the answer is complete whatever the
    server sends with it."""
    for found in office_cards(office):
        plan = found.plan
        if (
            found.card.is_live
            and plan is not None
            and plan.consent_to_share_with_emergency_service
            and not plan.consent_withdrawn
            and all(p.address is not None for p in plan.cared_for)
        ):
            return found
    raise AssertionError("the demo office has no card with a complete plan")


def withdrawn_card(office: DemoOffice) -> OfficeCard:
    for found in office_cards(office):
        if found.card.is_live and found.plan is not None and found.plan.consent_withdrawn:
            return found
    raise AssertionError("the demo office has no card whose consent was withdrawn")


def reissue_as_admin(office: DemoOffice, root: Path, card_id: str) -> EmergencyCard:
    """An administrator's laptop reissues a lost card (old number revoked) and syncs it to
    the office; returns the new card."""
    path = root / "admin-laptop" / "vault.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    vault = Vault.create(path, "admin passphrase", actor="demo-admin", kdf=_FAST_KDF)
    try:
        url = office.start()
        gateway = ServerSyncGateway(vault, server=url)
        gateway.enrol(url, "demo-admin", DEMO_PASSWORD, "admin laptop")
        gateway.sync_now()
        new = CardService(vault, Settings()).reissue_card(card_id, "lost")
        report = gateway.sync_now()
        assert not report.refused, report.refused
        return new
    finally:
        wipe_vault(vault)
