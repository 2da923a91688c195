"""Peer-support group use cases against a real vault: sessions, membership and the
attendance register."""

from __future__ import annotations

import dataclasses
import io
from datetime import date, time, timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pypdf import PdfReader

from carer_desk.errors import RuleViolation, ValidationError
from carer_desk.records.carer import AccessibleFormat, Carer, ReferralSource
from carer_desk.records.groups import (
    REGISTER_ENTRY_KIND,
    Attendance,
    GroupKind,
    PeerGroup,
    RegisterEntry,
    SessionFormat,
)
from carer_desk.services.groups import GroupService
from carer_desk.services.repository import Repository
from tests.carer_desk.services.service_support import TODAY, add_carer

EVENING = time(18, 30)


@pytest.fixture
def service(vault, settings, clock):
    return GroupService(vault, settings, clock)


@pytest.fixture
def group(service):
    return service.create_group(
        PeerGroup(
            name="Witney Dementia Carers",
            kind=GroupKind.DEMENTIA,
            town="Witney",
            venue="Corn Exchange",
            facilitator="fran",
        )
    )


def test_a_session_takes_the_groups_usual_place_and_format(service, group):
    session = service.schedule_session(group.id, TODAY, starts_at=EVENING)
    assert (session.venue, session.format, session.starts_at) == (
        "Corn Exchange",
        SessionFormat.IN_PERSON,
        EVENING,
    )
    online = service.schedule_session(
        group.id,
        TODAY + timedelta(days=7),
        format=SessionFormat.ONLINE,
        online_link="https://meet.example.org/witney",
    )
    assert [s.id for s in service.sessions(group.id)] == [session.id, online.id]
    service.update_group(dataclasses.replace(group, active=False))
    with pytest.raises(RuleViolation, match="no longer running"):
        service.schedule_session(group.id, TODAY)


def test_the_register_lists_members_on_the_day_by_name_with_access_needs_only(
    vault, service, group
):
    zoe = add_carer(vault, "Zoe", "Adams", accessible_formats=(AccessibleFormat.LARGE_PRINT,))
    amy = add_carer(vault, "Amy", "Brown", preferred_name="Mimi")
    left = add_carer(vault, "Len", "Gone")
    later = add_carer(vault, "Lou", "Later")
    service.add_member(group.id, zoe.id, joined_on=date(2025, 1, 1))
    service.add_member(group.id, amy.id, joined_on=date(2025, 1, 1))
    service.add_member(group.id, left.id, joined_on=date(2025, 1, 1))
    service.leave_group(group.id, left.id)  # left today, before the session
    service.add_member(group.id, later.id, joined_on=TODAY + timedelta(days=30))
    session = service.schedule_session(group.id, TODAY + timedelta(days=1))
    register = service.register(session.id)
    assert [e.display_name for e in register] == ["Mimi Brown", "Zoe Adams"]
    assert register[1].access_needs == ("Large print",)
    # A facilitator's view carries nothing but what a register needs.
    assert all(type(e) is RegisterEntry for e in register)
    assert {f.name for f in dataclasses.fields(RegisterEntry)} == {
        "carer_id",
        "display_name",
        "phone",
        "email",
        "access_needs",
    }
    assert vault.audit_entries()[-1].details == {"document": "register", "carers": 2}


def test_a_newcomer_added_at_a_session_appears_on_the_next_register(vault, service, group):
    first = service.schedule_session(group.id, TODAY)
    entry = service.add_newcomer(
        first.id,
        given_name=" Nia ",
        family_name="Jones",
        consent_given=True,
        phone="07700 900555",
        follow_up=True,
    )
    assert entry.display_name == "Nia Jones" and entry.phone == "07700 900555"
    carer = Repository(vault).get(Carer, entry.carer_id)
    assert carer.consent.given and carer.consent.date == TODAY
    assert carer.referral.source == ReferralSource.PEER_SUPPORT_GROUP
    assert carer.referral.source_detail == "Witney Dementia Carers"
    row = service.register_rows(first.id)[0]
    assert (row.entry.carer_id, row.attended, row.newcomer, row.follow_up_requested) == (
        carer.id,
        True,
        True,
        True,
    )
    assert [a.carer_id for a in service.follow_ups()] == [carer.id]
    following = service.schedule_session(group.id, TODAY + timedelta(days=14))
    assert [e.carer_id for e in service.register(following.id)] == [carer.id]


def test_a_newcomer_needs_consent_and_nothing_is_kept_without_it(vault, service, group):
    session = service.schedule_session(group.id, TODAY)
    with pytest.raises(RuleViolation, match="with their consent"):
        service.add_newcomer(
            session.id, given_name="No", family_name="Consent", consent_given=False
        )
    with pytest.raises(ValidationError, match="follow-up is asked for"):
        service.add_newcomer(
            session.id, given_name="No", family_name="Contact", consent_given=True, follow_up=True
        )
    assert list(vault.iter_kind("carer")) == []
    assert list(vault.iter_kind("attendance")) == []
    quiet = service.add_newcomer(
        session.id, given_name="Sal", family_name="Quiet", consent_given=True, join_group=False
    )
    assert [e.carer_id for e in service.register(session.id)] == [quiet.carer_id]
    nxt = service.schedule_session(group.id, TODAY + timedelta(days=7))
    assert service.register(nxt.id) == ()


def test_marking_twice_changes_the_same_entry_and_a_follow_up_stays_flagged(
    vault, service, group, carer
):
    service.add_member(group.id, carer.id)
    session = service.schedule_session(group.id, TODAY)
    service.flag_follow_up(session.id, carer.id)
    service.mark_attendance(session.id, carer.id, attended=False)
    marks = list(Repository(vault).all(Attendance))
    assert len(marks) == 1
    assert (marks[0].attended, marks[0].follow_up_requested) == (False, True)
    assert service.add_member(group.id, carer.id).carer_id == carer.id  # already a member
    assert len(service.members(group.id)) == 1


_marks = st.lists(
    st.tuples(st.integers(0, 2), st.booleans(), st.one_of(st.none(), st.booleans())),
    max_size=12,
)


@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(marks=_marks)
def test_any_order_of_marks_leaves_one_entry_per_carer_with_the_last_answer(
    vault, settings, clock, marks
):
    service = GroupService(vault, settings, clock)
    group = service.create_group(PeerGroup(name="Banbury Carers"))
    session = service.schedule_session(group.id, TODAY)
    people = [add_carer(vault, f"P{i}", "Mark") for i in range(3)]
    expected: dict[str, tuple[bool, bool]] = {}
    for who, attended, follow_up in marks:
        carer_id = people[who].id
        service.mark_attendance(session.id, carer_id, attended=attended, follow_up=follow_up)
        kept = expected.get(carer_id, (False, False))[1]
        expected[carer_id] = (attended, kept if follow_up is None else follow_up)
    rows = service.register_rows(session.id)
    assert {r.entry.carer_id: (r.attended, r.follow_up_requested) for r in rows} == expected
    stored = [a for a in Repository(vault).all(Attendance) if a.session_id == session.id]
    assert len(stored) == len(expected)


# --- a facilitator's laptop: carers only as the server's register entries ---------------


def _pull_register_entry(vault, carer: Carer, version: int = 1) -> None:
    """What a facilitator's pull writes: the server's projection, never the carer."""
    from types import SimpleNamespace

    from carer_desk.records.codec import to_payload
    from sync.server.projections import register_entry

    vault.apply_remote_page(
        [
            SimpleNamespace(
                kind=REGISTER_ENTRY_KIND,
                record_id=carer.id,
                payload=register_entry(carer.id, to_payload(carer)),
                server_version=version,
                deleted=False,
            )
        ],
        f"cursor-{version}",
    )


def test_the_core_and_the_server_name_the_register_projection_alike():
    from sync.protocol import ProjectionKind

    assert ProjectionKind.REGISTER_ENTRY.value == REGISTER_ENTRY_KIND


def test_an_entry_from_the_server_reads_the_same_as_one_from_the_carer():
    from carer_desk import factories as make
    from carer_desk.records.codec import to_payload
    from sync.server.projections import register_entry

    carer = make.carer(
        preferred_name="Mo",
        accessible_formats=(AccessibleFormat.LARGE_PRINT,),
        interpreter_needed=True,
        language="Polish",
    )
    pulled = RegisterEntry.from_projection(register_entry(carer.id, to_payload(carer)))
    assert pulled == RegisterEntry.from_carer(carer)
    # Only the listed fields are read, whatever else a payload carries.
    extra = {**register_entry(carer.id, to_payload(carer)), "notes": "not for facilitators"}
    assert RegisterEntry.from_projection(extra) == pulled
    with pytest.raises(ValidationError, match="display_name"):
        RegisterEntry.from_projection({"carer_id": carer.id, "display_name": " "})


def test_a_facilitators_register_and_sign_in_sheet_come_from_the_entries_pulled(
    vault, settings, clock, service, group
):
    from carer_desk import factories as make
    from carer_desk.services.printing import PrintService

    member = make.carer(given_name="Rhiannon", family_name="Pulled")
    _pull_register_entry(vault, member)
    assert list(vault.iter_kind("carer")) == []  # the whole record never came
    service.repo.save(
        make.member(group, member, joined_on=TODAY - timedelta(days=30)), action="create"
    )
    session = service.schedule_session(group.id, TODAY)

    (row,) = service.register_rows(session.id)
    assert (row.entry.display_name, row.attended) == ("Rhiannon Pulled", None)
    service.mark_attendance(session.id, member.id)
    service.flag_follow_up(session.id, member.id)
    (row,) = service.register_rows(session.id)
    assert (row.attended, row.follow_up_requested) == (True, True)
    assert [a.carer_id for a in service.attendance(session.id)] == [member.id]

    rendered = PrintService(vault, settings, clock).sign_in(session.id)
    assert rendered.carer_ids == (member.id,)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(rendered.pdf)).pages)
    assert "Rhiannon Pulled" in text


def test_a_session_moves_to_another_day_but_stays_in_its_group(service, group):
    session = service.schedule_session(group.id, TODAY)
    moved = service.update_session(
        dataclasses.replace(session, on=TODAY + timedelta(days=1), starts_at=EVENING)
    )
    assert service.sessions(group.id) == [moved]
    other = service.create_group(PeerGroup(name="Bicester carers"))
    with pytest.raises(RuleViolation, match="its own group"):
        service.update_session(dataclasses.replace(moved, group_id=other.id))
