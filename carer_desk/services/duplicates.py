"""Possible duplicate carers: list them, keep a pair apart, or merge one into the other.

The machine only flags (:mod:`carer_desk.rules.duplicates`); a person decides, and the
decision is a synced record (:class:`DuplicateDecision`) so no other laptop asks again.

A merge is two writes, because a delete is its own kind of change in the vault and the
outbox: first ONE transaction holds the merged carer, every linked record re-pointed at
it and the decision; then the absorbed carer is tombstoned. If the laptop dies between
the two, nothing is lost — the absorbed record is still there and its linked records
already point at the survivor — and running the same merge again finishes it: the
decision already written says which record survives. Running it again later also moves
records of the absorbed carer that arrived by sync after the merge.

Money is never merged: payment requests only change ``carer_id``; amounts, status and
decisions are untouched. The cap then counts both carers' requests together, so the
merge warns when the merged carer is over it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from carer_desk.errors import (
    CarerDeskError,
    NotFoundError,
    RuleViolation,
    UnknownCarer,
    ValidationError,
)
from carer_desk.formatting import display_name_of, long_date, money
from carer_desk.ports import RecordWrite, SyncState
from carer_desk.records.carer import Carer
from carer_desk.records.codec import KINDS, from_payload, to_payload
from carer_desk.records.duplicates import DuplicateDecision, DuplicateOutcome, carer_pair
from carer_desk.records.payment import WellbeingPaymentRequest
from carer_desk.records.plan import EmergencyPlan
from carer_desk.records.priority import priority_of_payload
from carer_desk.rules.carer_merge import MergePlan, keep_sections_whole, plan_merge, repoint
from carer_desk.rules.duplicates import find_duplicates_among, pair_key, person_key
from carer_desk.rules.payment_cap import LAPTOP_CAVEAT, check_payment_cap
from carer_desk.services.base import Service

logger = logging.getLogger(__name__)

KIND = "duplicate_decision"
KIND_PAYMENT = "payment_request"
KIND_PLAN = "plan"
#: Kinds that are never re-pointed by a merge: the carers themselves, and the decisions
#: (which name both carers on purpose).
_NOT_LINKED = frozenset({"carer", KIND})


class MergedTheOtherWay(RuleViolation):
    """The pair was merged before, keeping the record now named to be absorbed."""

    def __init__(self, keep_id: str, absorb_id: str) -> None:
        self.keep_id, self.absorb_id = keep_id, absorb_id
        super().__init__(
            f"These records were already merged the other way round: {absorb_id} was kept. "
            f"Merge {keep_id} into {absorb_id} to finish it."
        )


class ConflictsFirst(RuleViolation):
    """Records the merge would change hold a sync conflict a person has to resolve."""

    def __init__(self, record_ids: tuple[str, ...]) -> None:
        self.record_ids = record_ids
        super().__init__(
            f"{len(record_ids)} record(s) this merge would change have a sync conflict "
            f"waiting for a person ({', '.join(record_ids)}). Resolve them first, then "
            "merge again."
        )


@dataclass(frozen=True, slots=True)
class PossibleDuplicate:
    """Two carer records that may be one person; ``carer_id`` is the newer registration
    when only new carers were checked."""

    carer_id: str
    carer_name: str
    other_id: str
    other_name: str
    score: float  # 0..1, best first
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MergeResult:
    carer: Carer  # the surviving, merged record
    decision: DuplicateDecision
    moved: tuple[tuple[str, str], ...]  # (kind, record id) re-pointed at the survivor
    warnings: tuple[str, ...]
    resumed: bool  # True when this finished a merge begun earlier


def _name(payload: Mapping[str, Any]) -> str:
    return display_name_of(payload) or "(no name)"


class DuplicateService(Service):
    # --- reading ---------------------------------------------------------------------

    def decisions(self) -> list[DuplicateDecision]:
        return sorted(self.repo.all(DuplicateDecision), key=lambda d: (d.decided_on, d.id))

    def _decisions_for(self, a: str, b: str) -> list[DuplicateDecision]:
        pair = carer_pair(a, b)
        return [d for d in self.decisions() if d.carer_ids == pair]

    def possible_duplicates(
        self,
        new_ids: Iterable[str] | None = None,
        *,
        candidate: Carer | None = None,
    ) -> list[PossibleDuplicate]:
        """Pairs of carers on this laptop a person should look at, best first.

        Every carer is compared with every other (a flag stays until someone decides),
        or, with ``new_ids``, only those carers with the rest. Pairs with a decision —
        kept apart, or merged — are left out. ``candidate`` is a carer about to be
        registered (not saved yet): only its pairs are returned, so the person sees them
        before saving.
        """
        payloads = dict(self.store.iter_kind("carer"))
        if candidate is not None:
            payloads[candidate.id] = to_payload(candidate)
            new_ids = {candidate.id}
        decided = {pair_key(*d.carer_ids) for d in self.decisions()}
        found = find_duplicates_among(
            (person_key(i, p) for i, p in payloads.items()),
            new_ids=new_ids,
            kept_apart=decided,
        )
        result = [
            PossibleDuplicate(
                carer_id=c.record_id,
                carer_name=_name(payloads[c.record_id]),
                other_id=c.other_id,
                other_name=_name(payloads[c.other_id]),
                score=c.score,
                reasons=c.reasons,
            )
            for c in found
        ]
        # Names of carers are shown: the list is a view of personal data.
        self.store.audit("view", kind="carer", details={"list": KIND, "count": len(result)})
        return result

    def unfinished_merges(self) -> list[DuplicateDecision]:
        """Merges whose absorbed carer is still here (the laptop stopped half way, or the
        record came back by sync): running the merge again finishes them."""
        live = {record_id for record_id, _ in self.store.iter_kind("carer")}
        return [
            d
            for d in self.decisions()
            if d.decision == DuplicateOutcome.MERGED and d.absorbed_id in live
        ]

    # --- deciding --------------------------------------------------------------------

    def _carer_payload(self, carer_id: str) -> dict[str, Any]:
        try:
            return self.store.get("carer", carer_id)
        except NotFoundError:
            raise UnknownCarer(carer_id) from None

    @staticmethod
    def _two(a: str, b: str) -> None:
        if a == b:
            raise CarerDeskError(
                "Give the ids of two different carer records; a record cannot be a duplicate "
                "of itself."
            )

    def keep_apart(self, a: str, b: str, note: str | None = None) -> DuplicateDecision:
        """Record that two carers are different people; they are not flagged again."""
        self._two(a, b)
        for earlier in self._decisions_for(a, b):
            if earlier.decision == DuplicateOutcome.KEEP_APART:
                return earlier  # already decided; deciding twice changes nothing
            raise RuleViolation(
                f"These records were already merged into {earlier.kept_id} on "
                f"{long_date(earlier.decided_on)}; they cannot be kept apart now."
            )
        self._carer_payload(a)
        self._carer_payload(b)
        decision = DuplicateDecision(
            carer_ids=carer_pair(a, b),
            decision=DuplicateOutcome.KEEP_APART,
            decided_by=self.store.actor,
            decided_on=self.clock.today(),
            note=note,
        )
        self.repo.save(decision, action="create")
        logger.info("carers %s and %s kept apart", *decision.carer_ids)
        return decision

    def merge(self, keep_id: str, absorb_id: str, note: str | None = None) -> MergeResult:
        """Merge ``absorb_id`` into ``keep_id``, keeping every record of both.

        Safe to run again: after an interruption it finishes the merge, and later it
        moves records of the absorbed carer that arrived by sync since.
        """
        self._two(keep_id, absorb_id)
        earlier = self._decisions_for(keep_id, absorb_id)
        merged_before = next((d for d in earlier if d.decision == DuplicateOutcome.MERGED), None)
        if merged_before is not None and merged_before.kept_id != keep_id:
            raise MergedTheOtherWay(keep_id, absorb_id)
        keep = self._carer_payload(keep_id)
        try:
            absorb: dict[str, Any] | None = self.store.get("carer", absorb_id)
        except NotFoundError:
            if merged_before is None:
                self._carer_payload(absorb_id)  # raises the message a person can act on
            absorb = None
        linked = [
            (kind, record_id, payload)
            for kind in KINDS
            if kind not in _NOT_LINKED
            for record_id, payload in self.store.iter_kind(kind)
        ]
        if absorb is None:
            # The merge finished before; only records that arrived since need moving.
            plan = MergePlan(keep_id, absorb_id, keep, self._moved(linked, absorb_id, keep_id), ())
        else:
            plan = self._valid_plan(keep_id, keep, absorb_id, absorb, linked)
        decision = merged_before or self._new_decision(
            keep_id, absorb_id, absorb, plan, earlier, note
        )
        writes = self._writes(plan, keep, decision, new_decision=merged_before is None)
        self._refuse_conflicts([w.id for w in writes] + ([absorb_id] if absorb else []))
        if writes:
            self.store.put_many(
                writes,
                action="merge",
                audit_details={"kept": keep_id, "absorbed": absorb_id, "moved": len(plan.moved)},
            )
        if absorb is not None:
            self.store.delete("carer", absorb_id)
        logger.info(
            "merged carer %s into %s: %d linked record(s) moved%s",
            absorb_id,
            keep_id,
            len(plan.moved),
            " (finishing an earlier merge)" if merged_before else "",
        )
        carer = from_payload("carer", plan.carer_payload)
        return MergeResult(
            carer=carer,
            decision=decision,
            moved=tuple((kind, record_id) for kind, record_id, _ in plan.moved),
            warnings=self._warnings(carer, plan),
            resumed=merged_before is not None,
        )

    # --- merge steps -----------------------------------------------------------------

    def _refuse_conflicts(self, record_ids: list[str]) -> None:
        """A write replaces the laptop's copy of a conflict (both values, kept until a
        person resolves it), so a merge waits until the records it touches are settled."""
        waiting = []
        for record_id in record_ids:
            try:
                if self.store.meta(record_id).sync_state == SyncState.CONFLICT:
                    waiting.append(record_id)
            except NotFoundError:
                continue  # a new record (the decision): nothing to protect
        if waiting:
            raise ConflictsFirst(tuple(waiting))

    @staticmethod
    def _moved(
        linked: list[tuple[str, str, dict[str, Any]]], absorb_id: str, keep_id: str
    ) -> tuple[tuple[str, str, dict[str, Any]], ...]:
        out = []
        for kind, record_id, payload in linked:
            new_payload, changed = repoint(payload, absorb_id, keep_id)
            if changed:
                out.append((kind, record_id, new_payload))
        return tuple(out)

    @staticmethod
    def _valid_plan(
        keep_id: str,
        keep: dict[str, Any],
        absorb_id: str,
        absorb: dict[str, Any],
        linked: list[tuple[str, str, dict[str, Any]]],
    ) -> MergePlan:
        """The merge plan, with any section whose field-by-field fill broke one of the
        carer record's rules taken whole from the kept record (the other one noted)."""
        plan = plan_merge(keep_id, keep, absorb_id, absorb, linked)
        for _attempt in range(3):
            try:
                from_payload("carer", plan.carer_payload)
                return plan
            except ValidationError as exc:
                sections = {path.split(".")[0].split("[")[0] for path, _ in exc.problems}
                plan = keep_sections_whole(plan, keep, absorb, sections)
        try:
            from_payload("carer", plan.carer_payload)
        except ValidationError as exc:
            raise CarerDeskError(
                f"The two records could not be merged into a valid record ({exc}). Correct "
                f"carer {keep_id} first, then merge again."
            ) from None
        return plan

    def _new_decision(
        self,
        keep_id: str,
        absorb_id: str,
        absorb: Mapping[str, Any] | None,
        plan: MergePlan,
        earlier: list[DuplicateDecision],
        note: str | None,
    ) -> DuplicateDecision:
        lines = []
        if absorb is not None:
            lines.append(f"Merged {_name(absorb)} ({absorb_id}) into {keep_id}.")
        if plan.differences:
            lines.append("Values on the merged record that differed (the kept one stays):")
            lines.extend(f"- {d.describe()}" for d in plan.differences)
        text = "\n".join(filter(None, [note.strip() if note else None, *lines]))
        # A pair once kept apart and now merged keeps one decision record: its id.
        reuse = {"id": earlier[0].id} if earlier else {}
        return DuplicateDecision(
            **reuse,
            carer_ids=carer_pair(keep_id, absorb_id),
            decision=DuplicateOutcome.MERGED,
            kept_id=keep_id,
            decided_by=self.store.actor,
            decided_on=self.clock.today(),
            note=text or None,
        )

    def _writes(
        self,
        plan: MergePlan,
        keep: Mapping[str, Any],
        decision: DuplicateDecision,
        *,
        new_decision: bool,
    ) -> list[RecordWrite]:
        writes = []
        if plan.carer_payload != keep:
            from_payload("carer", plan.carer_payload)  # the merged carer must still be valid
            writes.append(
                RecordWrite(
                    "carer",
                    plan.keep_id,
                    plan.carer_payload,
                    priority_of_payload(plan.carer_payload),
                )
            )
        for kind, record_id, payload in plan.moved:
            from_payload(kind, payload)  # a re-pointed record must still be valid
            writes.append(RecordWrite(kind, record_id, payload, priority_of_payload(payload)))
        if new_decision:
            writes.append(RecordWrite(KIND, decision.id, to_payload(decision)))
        return writes

    def _records_of(self, kind: str, carer_id: str) -> list[Any]:
        # Filter on the payload before decoding: a caseload holds thousands of these.
        return [
            from_payload(kind, payload)
            for _, payload in self.store.iter_kind(kind)
            if payload.get("carer_id") == carer_id
        ]

    def _warnings(self, carer: Carer, plan: MergePlan) -> tuple[str, ...]:
        warnings = []
        if plan.differences:
            warnings.append(
                f"{len(plan.differences)} value(s) of the other record differed from this "
                "one; they are kept in the decision's note. Check the merged record."
            )
        rules = self.settings.payments
        requests: list[WellbeingPaymentRequest] = self._records_of(KIND_PAYMENT, carer.id)
        worst = None
        for request in requests:
            check = check_payment_cap(
                carer_id=carer.id,
                amount_pence=0,
                requested_on=request.requested_on,
                others=requests,
                cap_pence=rules.cap_pence,
                window_months=rules.window_months,
                complete_knowledge=False,
            )
            if check.already_committed_pence > rules.cap_pence and (
                worst is None or check.already_committed_pence > worst.already_committed_pence
            ):
                worst = check
        if worst is not None:
            warnings.append(
                f"{carer.display_name} is now over the {money(rules.cap_pence)} "
                f"wellbeing-payment limit: {money(worst.already_committed_pence)} is "
                f"counted from {long_date(worst.window_start)} to "
                f"{long_date(worst.window_end)}. No request was changed; a payments approver "
                f"must review them. {LAPTOP_CAVEAT}"
            )
        plans: list[EmergencyPlan] = self._records_of(KIND_PLAN, carer.id)
        if len(plans) > 1:
            warnings.append(
                f"{carer.display_name} now has {len(plans)} emergency plans; review them and "
                "keep one up to date (their cards still work)."
            )
        return tuple(warnings)
