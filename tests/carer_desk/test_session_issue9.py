"""The session's new services (issue 9): refused changes discarded through the session
are reported as changes, so the window redraws; the payment rules the server sent are the
ones a session decides by."""

from __future__ import annotations

from datetime import UTC, datetime

from carer_desk import factories as make
from carer_desk.config import PaymentSettings, Settings
from carer_desk.roles import Role
from carer_desk.rules.payment_rules import PaymentRules, RulesInForce
from carer_desk.session import DeskSession
from carer_desk.wiring.vault_handle import VaultDrafts, VaultRulesInForce, settings_for
from storage.vault import Vault


def test_discarding_a_refused_change_through_the_session_reports_the_record(vault: Vault):
    session = DeskSession(vault, Settings(), role=Role.OUTREACH_WORKER, drafts=VaultDrafts(vault))
    carer = make.carer(given_name="Ref", family_name="Used")
    session.run(lambda s: s.carers.register(carer))
    assert [r.carer_id for r in session.caseload.rows()] == [carer.id]
    change = next(c for c in vault.outbox_pending(10) if c.record_id == carer.id)
    vault.outbox_reject(change.change_id, "not in your team")
    (item,) = session.refused.refused()
    done, changes = session.run(lambda s: s.refused.discard(item.change_id))
    assert not done.server_copy_follows
    assert ("carer", carer.id) in changes.records
    assert session.caseload.rows() == []  # the list no longer shows it


def test_the_rules_the_server_sent_are_kept_sealed_and_decide(vault: Vault):
    told = RulesInForce(
        PaymentRules(payments=PaymentSettings(cap_pence=20_000)),
        received_at=datetime(2025, 6, 1, tzinfo=UTC),
        server="https://carerdesk.example.org",
    )
    VaultRulesInForce(vault).save_rules_in_force(told.to_json())
    assert settings_for(vault, Settings()).payments.cap_pence == 20_000
    assert VaultRulesInForce(vault).load_rules_in_force() == told.to_json()
