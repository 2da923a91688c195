from carer_desk.changes import NO_CHANGES, Changes, ChangeSource


def test_a_local_write_moves_sync_states_and_names_its_records():
    changes = Changes.of([("carer", "c1"), ("plan", "p1")])
    assert changes.sync_states
    assert changes.touches("carer") and changes.touches("plan")
    assert not changes.touches("group")
    assert changes.touches_record("c1") and not changes.touches_record("c2")
    assert changes.ids_of("carer") == {"c1"}
    assert changes.kinds == {"carer", "plan"}


def test_nothing_written_is_empty_and_everything_touches_all():
    assert Changes.of([]).empty
    assert NO_CHANGES.empty
    everything = Changes.all()
    assert everything.touches("carer") and everything.touches_record("any")
    assert not everything.empty


def test_merging_keeps_both_sides_and_a_pull_wins_the_source():
    local = Changes.of([("carer", "a")])
    pulled = Changes.of([("carer", "b")], source=ChangeSource.PULL)
    merged = local | pulled
    assert merged.ids_of("carer") == {"a", "b"}
    assert merged.source is ChangeSource.PULL
    assert merged.sync_states
