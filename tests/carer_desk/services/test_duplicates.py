"""Possible duplicates on a real vault: flag, keep apart, merge (keeping every record of
both carers), and finish a merge the laptop stopped half way through."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carer_desk import factories as make
from carer_desk.errors import CarerDeskError, NotFoundError, RuleViolation
from carer_desk.records.carer import Referral, ReferralSource
from carer_desk.records.codec import KINDS
from carer_desk.records.duplicates import DuplicateOutcome
from carer_desk.records.payment import WellbeingPaymentRequest
from carer_desk.services.duplicates import ConflictsFirst, DuplicateService
from carer_desk.services.repository import Repository
from tests.carer_desk.services.service_support import (
    TODAY,
    add_carer,
    full_plan,
    make_settings,
)
from tests.vaults import make_vault

BORN = date(1961, 3, 4)


def _service(vault, clock) -> DuplicateService:
    return DuplicateService(vault, make_settings(), clock)


def _request(carer_id: str, pence: int, on: date = TODAY) -> WellbeingPaymentRequest:
    return make.payment_request(
        carer_id, amount_pence=pence, wellbeing_outcome="A few days' rest", requested_on=on
    )


def _linked(carer_id: str) -> list[object]:
    """One record of every kind that points at a carer."""
    plan = full_plan(carer_id)
    return [
        make.conversation(carer_id, template_id="guided"),
        _request(carer_id, 5000),
        plan,
        make.card(plan, number="123456789012"),
        make.attendance("a" * 32, carer_id),
        make.member("b" * 32, carer_id, joined_on=TODAY),
    ]


def _pointing_at(vault, carer_id: str) -> set[tuple[str, str]]:
    return {
        (kind, record_id)
        for kind in KINDS
        if kind not in ("carer", "duplicate_decision")
        for record_id, payload in vault.iter_kind(kind)
        if payload.get("carer_id") == carer_id
    }


@pytest.fixture
def twins(vault):
    """The same carer registered twice: once by the office, once on a visit offline."""
    known = add_carer(vault, "Ann", "Smith", date_of_birth=BORN)
    met = add_carer(
        vault,
        "Anne",
        "Smyth",
        date_of_birth=BORN,
        contact=make.contact_details(phone="01865 999999", email="ann@example.org"),
        cared_for=(make.cared_for_person(name="Bob Smith"),),
        contacts=(
            make.contact(
                name="Sue Hill",
                relationship="neighbour",
                phone=None,
                consent_given=False,
                consent_date=None,
            ),
        ),
        safeguarding_flag=True,
    )
    return known, met


def test_a_carer_registered_twice_is_flagged_with_reasons(vault, clock, twins) -> None:
    known, met = twins
    add_carer(vault, "Peter", "Jones", date_of_birth=date(1950, 12, 1))
    found = _service(vault, clock).possible_duplicates()
    assert [{f.carer_id, f.other_id} for f in found] == [{known.id, met.id}]
    assert "same date of birth" in found[0].reasons
    assert {found[0].carer_name, found[0].other_name} == {"Ann Smith", "Anne Smyth"}


def test_a_pair_kept_apart_is_not_flagged_again_even_on_a_fresh_start(vault, clock, twins) -> None:
    known, met = twins
    decision = _service(vault, clock).keep_apart(met.id, known.id, "Mother and daughter")
    assert decision.decision == DuplicateOutcome.KEEP_APART
    assert decision.carer_ids == tuple(sorted((known.id, met.id)))
    # A new service (another session, or another laptop after sync) reads the decision.
    again = _service(vault, clock)
    assert again.possible_duplicates() == []
    assert again.keep_apart(known.id, met.id).id == decision.id  # deciding twice: one record
    assert {rid for rid, _ in vault.iter_kind("carer")} >= {known.id, met.id}


def test_merge_keeps_every_record_of_both_carers(vault, clock, twins) -> None:
    known, met = twins
    repo = Repository(vault)
    for record in _linked(known.id) + _linked(met.id):
        repo.save(record, action="create")
    before = _pointing_at(vault, known.id) | _pointing_at(vault, met.id)
    amounts = {rid: p["amount_pence"] for rid, p in vault.iter_kind("payment_request")}

    result = _service(vault, clock).merge(known.id, met.id)

    assert _pointing_at(vault, met.id) == set()
    assert _pointing_at(vault, known.id) == before  # nothing lost, nothing created
    assert {rid: p["amount_pence"] for rid, p in vault.iter_kind("payment_request")} == amounts
    assert all(p["status"] == "draft" for _, p in vault.iter_kind("payment_request"))
    carers = {rid: p for rid, p in vault.iter_kind("carer")}
    assert met.id not in carers
    merged = carers[known.id]
    assert merged["given_name"] == "Ann"  # the kept record's own value
    assert merged["contact"]["email"] == "ann@example.org"  # a gap filled
    assert [p["name"] for p in merged["cared_for"]] == ["Bob Smith"]
    assert [c["name"] for c in merged["contacts"]] == ["Sue Hill"]
    assert merged["safeguarding_flag"] is True
    # Values that differed are in the decision's note, not dropped.
    note = result.decision.note or ""
    assert "'Anne'" in note and "'01865 999999'" in note
    assert result.decision.kept_id == known.id and result.decision.absorbed_id == met.id
    assert [d.id for d in _service(vault, clock).decisions()] == [result.decision.id]
    assert any("2 emergency plans" in w for w in result.warnings)
    assert not result.resumed


def test_merge_warns_when_the_merged_carer_is_over_the_payment_cap(vault, clock, twins) -> None:
    known, met = twins
    repo = Repository(vault)
    repo.save(_request(known.id, 20000), action="create")
    repo.save(_request(met.id, 15000, TODAY - timedelta(days=40)), action="create")
    result = _service(vault, clock).merge(known.id, met.id)
    warning = next(w for w in result.warnings if "limit" in w)
    assert "£350.00" in warning and "£300.00" in warning
    assert sorted(p["amount_pence"] for _, p in vault.iter_kind("payment_request")) == [
        15000,
        20000,
    ]


def test_merge_does_not_warn_within_the_cap(vault, clock, twins) -> None:
    known, met = twins
    Repository(vault).save(_request(met.id, 10000), action="create")
    result = _service(vault, clock).merge(known.id, met.id)
    assert not any("limit" in w for w in result.warnings)


class _PowerCut(Exception):
    pass


class _DiesBeforeDelete:
    """The real vault, with the laptop dying after the merge's transaction and before the
    absorbed carer is deleted."""

    def __init__(self, vault) -> None:
        self._vault = vault

    def __getattr__(self, name: str):
        return getattr(self._vault, name)

    def delete(self, kind: str, record_id: str) -> None:
        raise _PowerCut


def test_a_merge_cut_short_is_finished_by_running_it_again(vault, clock, twins) -> None:
    known, met = twins
    repo = Repository(vault)
    for record in _linked(known.id) + _linked(met.id):
        repo.save(record, action="create")
    before = _pointing_at(vault, known.id) | _pointing_at(vault, met.id)
    with pytest.raises(_PowerCut):
        DuplicateService(_DiesBeforeDelete(vault), make_settings(), clock).merge(known.id, met.id)
    # Half way: the absorbed record is still there and nothing is lost.
    assert met.id in {rid for rid, _ in vault.iter_kind("carer")}
    assert _pointing_at(vault, known.id) == before
    service = _service(vault, clock)
    assert [d.absorbed_id for d in service.unfinished_merges()] == [met.id]

    result = service.merge(known.id, met.id)

    assert result.resumed
    assert met.id not in {rid for rid, _ in vault.iter_kind("carer")}
    assert _pointing_at(vault, known.id) == before
    assert len(service.decisions()) == 1 and service.unfinished_merges() == []
    assert "'Anne'" in (result.decision.note or "")


def test_records_of_the_absorbed_carer_arriving_later_are_moved_by_a_second_run(
    vault, clock, twins
) -> None:
    known, met = twins
    service = _service(vault, clock)
    service.merge(known.id, met.id)
    late = _request(met.id, 4000)  # synced in from a colleague's laptop after the merge
    Repository(vault).save(late, action="create")
    result = service.merge(known.id, met.id)
    assert result.moved == (("payment_request", late.id),)
    assert vault.get("payment_request", late.id)["carer_id"] == known.id


def test_merge_refusals_say_what_to_do(vault, clock, twins) -> None:
    known, met = twins
    service = _service(vault, clock)
    with pytest.raises(CarerDeskError, match="two different"):
        service.merge(known.id, known.id)
    with pytest.raises(NotFoundError, match="no carer with id"):
        service.merge(known.id, "f" * 32)
    service.merge(known.id, met.id)
    with pytest.raises(RuleViolation, match="other way round"):
        service.merge(met.id, known.id)
    with pytest.raises(RuleViolation, match="already merged"):
        service.keep_apart(known.id, met.id)


def test_merge_waits_for_a_conflict_on_a_record_it_would_change(vault, clock, twins) -> None:
    known, met = twins
    request = _request(met.id, 5000)
    Repository(vault).save(request, action="create")
    vault.mark_conflict(request.id, {"fields": ["amount_pence"]})
    # The message names no command (the desktop shows it too); the CLI adds its hint.
    with pytest.raises(ConflictsFirst, match="Resolve them first"):
        _service(vault, clock).merge(known.id, met.id)
    # Nothing was written: the conflict and both carers are as they were.
    assert vault.conflict_details(request.id) == {"fields": ["amount_pence"]}
    assert vault.get("payment_request", request.id)["carer_id"] == met.id
    assert {rid for rid, _ in vault.iter_kind("carer")} == {known.id, met.id}
    assert _service(vault, clock).decisions() == []


def test_a_pair_kept_apart_can_still_be_merged_later_with_one_decision(vault, clock, twins) -> None:
    known, met = twins
    service = _service(vault, clock)
    apart = service.keep_apart(known.id, met.id)
    merged = service.merge(known.id, met.id)
    assert merged.decision.id == apart.id
    assert [d.decision for d in service.decisions()] == [DuplicateOutcome.MERGED]


def test_a_section_whose_filled_fields_would_break_a_rule_is_kept_whole(
    vault, clock, twins
) -> None:
    known, met = twins
    repo = Repository(vault)
    # Filling the first-contact date from the other record into this referral would put
    # first contact before the referral: the kept referral stays whole, the other noted.
    repo.save(
        replace(known, referral=make.referral(date(2025, 3, 3), source=ReferralSource.GP_PRACTICE))
    )
    repo.save(
        replace(
            met,
            referral=make.referral(date(2025, 1, 6), contacted_on=date(2025, 1, 8)),
        )
    )
    result = _service(vault, clock).merge(known.id, met.id)
    assert result.carer.referral == Referral(
        date=date(2025, 3, 3), source=ReferralSource.GP_PRACTICE
    )
    note = result.decision.note or ""
    assert "- referral: kept" in note and "2025-01-08" in note


# --- interleavings: cuts, late arrivals and re-runs in any order ------------------------------


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    kept=st.integers(0, 2),
    absorbed=st.integers(0, 2),
    steps=st.lists(st.sampled_from(["merge", "cut", "late"]), min_size=1, max_size=6),
)
def test_merge_never_loses_or_duplicates_a_record(
    tmp_path_factory: pytest.TempPathFactory, clock, kept: int, absorbed: int, steps: list[str]
) -> None:
    vault = make_vault(Path(tmp_path_factory.mktemp("merge")) / "v.sqlite")
    try:
        known = add_carer(vault, "Ann", "Smith", date_of_birth=BORN)
        met = add_carer(vault, "Anne", "Smith", date_of_birth=BORN)
        repo = Repository(vault)
        for carer_id, count in ((known.id, kept), (met.id, absorbed)):
            for index in range(count):
                repo.save(_request(carer_id, 1000 + index), action="create")
        expected = {rid: p["amount_pence"] for rid, p in vault.iter_kind("payment_request")}
        for step in [*steps, "merge"]:
            if step == "late":  # a colleague's request for the absorbed carer syncs in
                request = _request(met.id, 777)
                repo.save(request, action="create")
                expected[request.id] = 777
            elif step == "cut":
                dying = DuplicateService(_DiesBeforeDelete(vault), make_settings(), clock)
                with contextlib.suppress(_PowerCut):
                    dying.merge(known.id, met.id)
            else:
                _service(vault, clock).merge(known.id, met.id)
        requests = dict(vault.iter_kind("payment_request"))
        assert {rid: p["amount_pence"] for rid, p in requests.items()} == expected
        assert all(p["carer_id"] == known.id for p in requests.values())
        assert [rid for rid, _ in vault.iter_kind("carer")] == [known.id]
        assert len(_service(vault, clock).decisions()) == 1
    finally:
        vault.close()
