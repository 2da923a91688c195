"""Search-as-you-type over carers, entirely in memory after unlock.

Nothing here touches disk: the index is built from decrypted records and dropped with
them when the vault locks. Matching is by word prefix, accent- and case-insensitive, so
"zoe obr" finds "Zoë Ó'Brien-Wójcik" and "ox4" finds her postcode.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

# Every ASCII character that is not a letter or a digit, mapped to a space.
_ASCII_NOT_ALNUM = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})


def fold(text: str) -> str:
    """Case-fold and strip accents: 'Zoë Ó'Brien' -> 'zoe o'brien'."""
    if text.isascii():  # most names and every postcode: no accents to strip
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _words(text: str) -> list[str]:
    # Apostrophes and hyphens split words too, so "obrien" and "brien" both match O'Brien.
    # The ASCII path gives the same words as the general one, several times faster: it is
    # what builds the index of a whole caseload before the first keystroke is answered.
    if text.isascii():
        return text.lower().translate(_ASCII_NOT_ALNUM).split()
    cleaned = "".join(ch if ch.isalnum() else " " for ch in fold(text))
    return cleaned.split()


def _index_words(text: str, words: list[str]) -> None:
    """Add the words ``text`` is found by: each word, each hyphenated or apostrophised
    piece joined up ("O'Brien-Wójcik" -> "obrienwojcik"), and the whole text without its
    spaces (a postcode, a phone number)."""
    if text.isascii():
        low = text.lower()
        if low.isalnum():  # a plain name or town: by far the commonest text
            words.append(low)
            return
        pieces = low.split()
        whole: list[str] = []
        for piece in pieces:
            piece_words = [piece] if piece.isalnum() else piece.translate(_ASCII_NOT_ALNUM).split()
            words.extend(piece_words)
            whole.extend(piece_words)
            if len(piece_words) > 1:
                words.append("".join(piece_words))
        if len(pieces) > 1:
            words.append("".join(whole))
        return
    pieces = text.split()
    for piece in pieces:
        piece_words = _words(piece)
        words.extend(piece_words)
        if len(piece_words) > 1:
            words.append("".join(piece_words))
    if len(pieces) > 1:
        words.append("".join(_words(text)))


def _haystack(entry: SearchEntry) -> str:
    return _haystack_of(entry.texts)


def _haystack_of(texts: Iterable[str]) -> str:
    words: list[str] = []
    for text in texts:
        # The commonest text, a plain ASCII name or town, inline: a call per text was a
        # visible share of building a whole caseload's index. The same words as
        # _index_words gives it.
        if text.isascii():
            low = text.lower()
            if low.isalnum():
                words.append(low)
                continue
        _index_words(text, words)
    return " " + " ".join(words)


@dataclass(frozen=True)
class SearchEntry:
    """The searchable text of one carer, and the id to fetch the record by."""

    id: str
    texts: tuple[str, ...]  # names, postcode, town, phone numbers


@dataclass
class SearchIndex:
    """Word-prefix index. Each entry's words are joined into one haystack string starting
    with a space, so a prefix test is a single substring search (``" " + token``) — fast
    enough to scan 20,000 carers per keystroke without a tokenised inverted index."""

    _ids: list[str] = field(default_factory=list)
    _haystacks: list[str] = field(default_factory=list)
    _last_query: tuple[str, ...] = ()
    _last_hits: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, entries: Iterable[SearchEntry]) -> SearchIndex:
        index = cls()
        for entry in entries:
            index.add(entry)
        return index

    @classmethod
    def from_texts(cls, entries: Iterable[tuple[str, Iterable[str]]]) -> SearchIndex:
        """As :meth:`build`, from ``(id, texts)`` pairs (no :class:`SearchEntry` each)."""
        index = cls()
        ids, haystacks = index._ids, index._haystacks
        for record_id, texts in entries:
            ids.append(record_id)
            haystacks.append(_haystack_of(texts))
        return index

    def add(self, entry: SearchEntry) -> None:
        self._ids.append(entry.id)
        self._haystacks.append(_haystack(entry))
        self._last_query = ()

    def remove(self, record_id: str) -> None:
        for pos, existing in enumerate(self._ids):
            if existing == record_id:
                del self._ids[pos]
                del self._haystacks[pos]
                break
        self._last_query = ()

    def replace(self, entry: SearchEntry) -> None:
        self.remove(entry.id)
        self.add(entry)

    def replace_many(self, entries: Iterable[SearchEntry]) -> None:
        """:meth:`replace` of each entry, in place, in one pass over the index (not one
        pass per entry): an entry not held yet is added at the end."""
        position = {record_id: pos for pos, record_id in enumerate(self._ids)}
        for entry in entries:
            pos = position.get(entry.id)
            if pos is None:
                self.add(entry)
                position[entry.id] = len(self._ids) - 1
            else:
                self._haystacks[pos] = _haystack(entry)
        self._last_query = ()

    def __len__(self) -> int:
        return len(self._ids)

    def search(self, query: str, limit: int | None = None) -> list[str]:
        """Ids of entries where every query word starts some word of the entry."""
        tokens = tuple(" " + word for word in _words(query))
        if not tokens:
            return list(self._ids[:limit] if limit else self._ids)
        # Typing extends the last query, so narrow the last hits instead of rescanning.
        if self._last_query and _extends(tokens, self._last_query):
            candidates: Iterable[int] = self._last_hits
        else:
            candidates = range(len(self._ids))
        haystacks = self._haystacks
        # One tight comprehension per word is several times faster than a generator per
        # entry; the rarest words usually come last, on already-narrowed hits.
        hits = list(candidates)
        for token in tokens:
            hits = [i for i in hits if token in haystacks[i]]
        self._last_query, self._last_hits = tokens, hits
        ids = [self._ids[i] for i in hits]
        return ids[:limit] if limit else ids


def _extends(new: tuple[str, ...], old: tuple[str, ...]) -> bool:
    """True when every old token is a prefix of the corresponding new token, so the new
    hits are a subset of the old ones."""
    if len(new) < len(old):
        return False
    return all(n.startswith(o) for n, o in zip(new, old, strict=False))
