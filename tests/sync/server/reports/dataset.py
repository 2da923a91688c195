"""A known dataset for the quarterly report, every number of which is worked out by hand
in test_quarterly.py. It straddles the 2023/24 and 2024/25 financial years, the leap day
(29 February 2024), Christmas and Easter 2024 (Good Friday 29 March, Easter Monday 1
April) and the early May bank holiday (6 May 2024).

Carers (referral date, source; first contact):
  C1  Thu 29 Feb 2024 self      contacted Thu 7 Mar   (5th working day: within)
  C2  Wed 27 Mar 2024 gp        contacted Thu 4 Apr   (Easter: the 5th is Fri 5 Apr)
  C3  Thu 28 Mar 2024 hospital  contacted Mon 8 Apr   (5th working day, across the FY)
  C4  Tue  2 Jan 2024 self      contacted Fri 12 Jan  (5th was Tue 9 Jan: late)
  C5  Fri 29 Mar 2024 self      never                 (due Mon 8 Apr: overdue)
  C6  Fri 22 Dec 2023 op. team  contacted Tue 2 Jan   (Christmas, New Year: within)
  C7  Tue 30 Apr 2024 gp        contacted Wed 8 May   (early May holiday: within)
  C8  Thu 27 Jun 2024 self      never                 (due Thu 4 Jul: not yet due)
  C9  Sat  1 Apr 2023 other     contacted Thu 6 Apr   (within)
  C10 Fri 31 Mar 2023 self      contacted Mon 3 Apr   (2022/23: outside both years)
  C11 Thu  1 Feb 2024 self      deleted (a tombstone: counted nowhere)
"""

from __future__ import annotations

from datetime import date

from carer_desk import factories as make
from carer_desk.ids import new_id
from carer_desk.records.carer import Carer, CarerType, Closure, ClosureReason, ReferralSource
from carer_desk.records.conversation import (
    ConversationMode,
    ConversationStatus,
    WellbeingAnswer,
    WellbeingScale,
)
from carer_desk.records.payment import PaymentPurpose
from sync.server.store import SqlStore
from tests.sync.server.reports.support import put, tombstone

#: The day the report is run: C8's deadline (4 July) has not come yet.
AS_OF = date(2024, 7, 3)
D = date


def _carer(ref: date, source: ReferralSource, contacted: date | None = None, **kw) -> Carer:
    return make.carer(
        referral=make.referral(ref, source=source, contacted_on=contacted),
        consent=make.consent(ref),
        **kw,
    )


def check(score: int, statements: int = 4) -> tuple[WellbeingAnswer, ...]:
    """A wellbeing check of ``statements`` answers adding up to ``score``."""
    scale = list(WellbeingScale)
    answers, left = [], score
    for index in range(statements):
        value = min(3, left)
        left -= value
        answers.append(WellbeingAnswer(statement_id=f"s{index}", answer=scale[value]))
    assert left == 0
    return tuple(answers)


def assessed(carer: Carer, done: date, mode=ConversationMode.IN_PERSON, score=6, n=4, **kw):
    return make.completed_conversation(
        carer,
        started_on=kw.pop("started_on", done),
        completed_on=done,
        mode=mode,
        stage3=make.assessment(wellbeing_check=check(score, n)),
        **kw,
    )


def received(carer: Carer, on: date, reviewed: date | None = None):
    return make.conversation(
        carer, mode=ConversationMode.SELF_ASSESSMENT, started_on=on, reviewed_on=reviewed
    )


def paid(carer: Carer, pence: int, purpose: PaymentPurpose, on: date):
    request = make.payment_request(
        carer, amount_pence=pence, purpose=purpose, requested_on=on, conversation_id=new_id()
    ).submit(on)
    return request.approve("approver", on).mark_paid(on)


def build(store: SqlStore) -> dict[str, Carer]:
    S = ReferralSource
    c1 = _carer(
        D(2024, 2, 29),
        S.SELF,
        D(2024, 3, 7),
        carer_types=(CarerType.PARENT_CARER,),
        registered_with_gp_as_carer=True,
    )
    c2 = _carer(D(2024, 3, 27), S.GP_PRACTICE, D(2024, 4, 4))
    c3 = _carer(D(2024, 3, 28), S.HOSPITAL, D(2024, 4, 8))
    c4 = _carer(
        D(2024, 1, 2),
        S.SELF,
        D(2024, 1, 12),
        registered_with_gp_as_carer=False,
        encouraged_to_register_with_gp_on=D(2024, 1, 12),
    )
    c5 = _carer(D(2024, 3, 29), S.SELF)
    c6 = _carer(
        D(2023, 12, 22),
        S.OPERATIONAL_TEAM,
        D(2024, 1, 2),
        carer_types=(CarerType.PARENT_CARER,),
        registered_with_gp_as_carer=True,
        closure=Closure(closed_on=D(2024, 2, 15), reason=ClosureReason.MOVED_AWAY, closed_by="amy"),
    )
    c7 = _carer(
        D(2024, 4, 30),
        S.GP_PRACTICE,
        D(2024, 5, 8),
        carer_types=(CarerType.PARENT_CARER,),
        encouraged_to_register_with_gp_on=D(2024, 5, 8),
    )
    c8 = _carer(D(2024, 6, 27), S.SELF)
    c9 = _carer(
        D(2023, 4, 1),
        S.OTHER_PROFESSIONAL,
        D(2023, 4, 6),
        encouraged_to_register_with_gp_on=D(2023, 6, 1),
    )
    c10 = _carer(D(2023, 3, 31), S.SELF, D(2023, 4, 3), registered_with_gp_as_carer=True)
    c11 = _carer(D(2024, 2, 1), S.SELF)
    put(store, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11)
    tombstone(store, "carer", c11.id)

    M = ConversationMode
    talks = [
        assessed(c1, D(2024, 3, 5), score=4, started_on=D(2024, 3, 1)),  # A1
        assessed(c2, D(2024, 4, 2), M.PHONE, started_on=D(2024, 3, 28)),  # A2
        assessed(
            c3,
            D(2024, 4, 3),
            M.SELF_ASSESSMENT,
            started_on=D(2024, 3, 28),
            reviewed_on=D(2024, 4, 3),
        ),  # A3: reviewed on the 2nd working day
        assessed(c4, D(2024, 1, 20), score=3, started_on=D(2024, 1, 15)),  # A4
        assessed(c4, D(2024, 3, 20), score=9, is_review=True),  # A5: a review, improved
        assessed(c6, D(2023, 12, 28), M.PHONE),  # A6
        assessed(c9, D(2023, 5, 10), score=8),  # A7
        assessed(c9, D(2024, 2, 1), score=5),  # A8: a second assessment, worse
        received(c5, D(2024, 2, 29)),  # A9: never reviewed
        received(c1, D(2024, 1, 5), D(2024, 1, 10)),  # A10: reviewed late
        received(c8, D(2024, 6, 28), D(2024, 7, 1)),  # A11: within
        assessed(c10, D(2023, 4, 5)),  # A12
        make.conversation(
            c7,
            is_review=True,
            mode=M.PHONE,
            stage1_sufficient=True,
            status=ConversationStatus.COMPLETE,
            started_on=D(2024, 6, 30),
            completed_on=D(2024, 6, 30),
        ),  # A13: a review, no check
        assessed(c1, D(2024, 6, 1), score=6, n=3, is_review=True),  # A14: 6/9 beats 4/12
    ]
    put(store, *talks)

    group = make.group()
    s1 = make.session(group, on=D(2024, 2, 29))
    s2 = make.session(group, on=D(2024, 4, 1))
    s3 = make.session(group, on=D(2023, 10, 10))
    attendance = [
        make.attendance(s1, c1),
        make.attendance(s1, c2),
        make.attendance(s1, c4, attended=False),
        make.attendance(s3, c1),
        make.attendance(s3, c6),
        make.attendance(s2, c3),
        make.attendance(s2, c1),
    ]
    put(store, s1, s2, s3, *attendance, team=None)

    put(
        store,
        make.plan(c1, created_on=D(2024, 1, 10)),
        make.plan(c6, created_on=D(2024, 1, 10)),
        make.plan(c4, created_on=D(2024, 4, 15)),
    )
    approved = (
        make.payment_request(
            c2, amount_pence=12_000, requested_on=D(2024, 3, 30), conversation_id=new_id()
        )
        .submit(D(2024, 3, 30))
        .approve("approver", D(2024, 3, 30))
    )
    put(
        store,
        paid(c1, 15_000, PaymentPurpose.SHORT_BREAK, D(2024, 3, 31)),
        paid(c4, 30_000, PaymentPurpose.EQUIPMENT, D(2024, 4, 1)),
        paid(c9, 7_500, PaymentPurpose.DAY_OUT, D(2023, 6, 15)),
        approved,
        paid(c10, 20_000, PaymentPurpose.SHORT_BREAK, D(2024, 1, 15)),
    )
    return {f"C{i}": c for i, c in enumerate((c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11), 1)}
