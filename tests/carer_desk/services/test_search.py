from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from carer_desk.services.search import SearchEntry, SearchIndex, fold


def _index() -> SearchIndex:
    return SearchIndex.build(
        [
            SearchEntry("a", ("Zoë Ó'Brien-Wójcik", "OX4 1AB", "Cowley", "01865 123456")),
            SearchEntry("b", ("Ægir Nguyễn", "OX1 2JD", "Oxford")),
            SearchEntry("c", ("عائشة Khan", "OX16 5QA", "Banbury")),
            SearchEntry("d", ("Margaret Wilson", "Peggy", "OX4 3XY", "Cowley")),
        ]
    )


def test_accents_and_case_do_not_matter():
    assert _index().search("zoe obrien") == ["a"]
    assert _index().search("zoe brien") == ["a"]
    assert _index().search("ZOË wój") == ["a"]
    assert _index().search("nguyen") == ["b"]


def test_postcode_with_or_without_space_and_preferred_name():
    idx = _index()
    assert idx.search("ox4") == ["a", "d"]
    assert idx.search("ox41ab") == ["a"]
    assert idx.search("peggy") == ["d"]
    assert idx.search("01865123456") == ["a"]


def test_right_to_left_names_are_found():
    assert _index().search("عائشة") == ["c"]


def test_typing_narrows_and_deleting_widens_again():
    idx = _index()
    assert idx.search("co") == ["a", "d"]
    assert idx.search("cow w") == ["a", "d"]
    assert idx.search("cow wi") == ["d"]
    assert idx.search("cow") == ["a", "d"]  # backspace: not stuck on the narrowed hits


def test_replace_and_remove_keep_the_index_current():
    idx = _index()
    idx.replace(SearchEntry("d", ("Margaret Smith", "OX4 3XY")))
    assert idx.search("wilson") == []
    assert idx.search("smith") == ["d"]
    idx.remove("d")
    assert idx.search("smith") == []
    assert len(idx) == 3


words = st.text(alphabet=st.characters(categories=("Lu", "Ll", "Nd")), min_size=1, max_size=8)


@given(st.lists(st.tuples(words, words), min_size=1, max_size=20), st.data())
def test_every_entry_is_found_by_a_prefix_of_its_words(names, data):
    entries = [SearchEntry(str(i), (f"{g} {f}",)) for i, (g, f) in enumerate(names)]
    idx = SearchIndex.build(entries)
    pick = data.draw(st.integers(0, len(entries) - 1))
    given_name, family = names[pick]
    prefix_len = data.draw(st.integers(1, len(family)))
    query = f"{given_name} {family[:prefix_len]}"
    if fold(query).strip():
        assert str(pick) in idx.search(query)


def _reference_words(text: str) -> list[str]:
    """How the index found words before its fast path: the slow, obviously right way."""
    from carer_desk.services.search import _words

    words: list[str] = []
    for piece in text.split():
        piece_words = _words(piece)
        words.extend(piece_words)
        if len(piece_words) > 1:
            words.append("".join(piece_words))
    if len(text.split()) > 1:
        words.append("".join(_words(text)))
    return words


@given(st.text(max_size=40) | st.sampled_from(["O'Brien-Wójcik", "OX16 5AB", "01865 123-456"]))
def test_the_fast_index_finds_exactly_the_words_the_slow_one_did(text: str) -> None:
    from carer_desk.services.search import _index_words

    words: list[str] = []
    _index_words(text, words)
    assert words == _reference_words(text)


@given(st.lists(st.text(alphabet="aZ9 '-ëÓ", min_size=1, max_size=8), max_size=6))
def test_the_inline_path_for_plain_names_gives_the_general_paths_words(extra):
    from carer_desk.services.search import _haystack_of, _index_words

    texts = ("Margaret", "WILSON", "OX16 5QA", "Zoë", "O'Brien-Wójcik", "01865 123456", *extra)
    words: list[str] = []
    for text in texts:
        _index_words(text, words)
    assert _haystack_of(texts) == " " + " ".join(words)
    built = SearchIndex.from_texts([("a", texts)])
    assert built.search("marg wil ox16") == ["a"]
    assert built.search("obrienwojcik") == ["a"]
