"""Quote lookup: where does this text come from?

``planqa cite``: the quote is keyed like the documents (``quote_key``), located in the 3-gram index of
``index.quote_index``, saved in the index by ``planqa build`` (exact match first, then approximate), and each match is reported with its
document, section path (the passage covering its start), original offsets, the matched source text and
a similarity. Below ``FOUND_SIMILARITY`` nothing is claimed: the nearest candidates are listed with
their similarity instead of a confident wrong source.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from pathlib import Path

from index.clean import clean
from index.normalize import match_key
from index.quote_index import DocumentText, QuoteIndex
from index.types import Chunk, Document
from search.types import QuoteMatch, QuoteResult

MIN_KEY_CHARS = 6  # below this a "quote" matches everywhere: ask for more text
FOUND_SIMILARITY = 0.8  # at most one key character in five lost or changed


def document_text(doc: Document, chunks: Sequence[Chunk], original: str | None) -> DocumentText:
    """A document's cleaned text with the original offset of each character.

    From the source file when there is one (exact); else from its chunks, which are contiguous slices
    of the file, joined in order (offsets counted inside each chunk: exact where cleaning removed
    nothing). Either way a quote spanning two passages is one run of text.
    """
    if original is not None:
        cleaned = clean(original[doc.start:doc.end])
        return cleaned.text, [doc.start + o for o in cleaned.offsets]
    pieces: list[str] = []
    offsets: list[int] = []
    covered = doc.start
    for chunk in sorted((c for c in chunks if c.doc_id == doc.doc_id), key=lambda c: c.start):
        skip = max(0, covered - chunk.start)  # an overlap with the previous chunk
        if pieces:
            pieces.append("\n")
            offsets.append(max(covered - 1, chunk.start))
        pieces.append(chunk.text[skip:])
        offsets += [min(chunk.start + i, chunk.end - 1) for i in range(skip, len(chunk.text))]
        covered = max(covered, chunk.end)
    return "".join(pieces), offsets

def quote_key(quote: str) -> str:
    """The matching key of a quote: cleaned, 繁→简, half width, lower case, no whitespace/punctuation."""
    return match_key(quote)

class ChunkLocator:
    """The chunks overlapping an original range of a file (chunks are contiguous slices of it)."""

    def __init__(self, chunks: Sequence[Chunk]):
        self._by_source: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            self._by_source.setdefault(chunk.source, []).append(chunk)
        self._starts = {}
        for source, listed in self._by_source.items():
            listed.sort(key=lambda c: (c.start, c.end))
            self._starts[source] = [c.start for c in listed]

    def __call__(self, source: str, start: int, end: int) -> list[Chunk]:
        listed = self._by_source.get(source, [])
        i = max(0, bisect_right(self._starts.get(source, []), start) - 1)
        out = []
        for chunk in listed[i:]:
            if chunk.start >= max(end, start + 1):
                break
            if chunk.end > start:
                out.append(chunk)
        return out


def load_quote_index(index_path: Path, corpus_hash: str) -> QuoteIndex:
    """The quote index saved in the index folder by ``planqa build`` (read only; a few ``np.load``s).

    Raises:
        FileNotFoundError / ValueError: missing, of another corpus or inconsistent (rebuild the index).
    """
    return QuoteIndex.load(Path(index_path) / "quote", corpus_hash)


def lookup(
    index: QuoteIndex,
    quote: str,
    source_text: Callable[[str], str | None],
    passages: Callable[[str, int, int], Sequence[Chunk]],
    k: int = 5,
    threshold: float = FOUND_SIMILARITY,
) -> QuoteResult:
    """Find ``quote`` in the indexed documents.

    Args:
        index: the quote index.
        quote: the text to look up (any length from about ten characters to several paragraphs).
        source_text: file name → the file's original text (None when not available).
        passages: (file name, start, end) → the chunks overlapping that original range, in order;
            the first gives the match's section path and passage.
        k: how many matches (or, when not found, nearest candidates) to return.
        threshold: the similarity a match needs to count as found.

    Raises:
        ValueError: the quote has fewer than ``MIN_KEY_CHARS`` characters once punctuation is removed.
    """
    qkey = quote_key(quote)
    if len(qkey) < MIN_KEY_CHARS:
        raise ValueError(
            f"quote too short to locate ({len(qkey)} characters without punctuation): "
            f"give at least {MIN_KEY_CHARS}, ideally a full clause"
        )
    matches = []
    for start, end, similarity in index.locate(qkey, k=k):
        doc = index.document_at(start)
        a, b = index.original_span(start, end)
        chunks = passages(doc.source, a, b)
        original = source_text(doc.source)
        if original is not None:
            matched = clean(original[a:b]).text
        else:  # counted inside the chunks: see document_text
            matched = "\n".join(c.text[max(0, a - c.start):max(0, b - c.start)] for c in chunks)
        matches.append(QuoteMatch(
            doc_id=doc.doc_id,
            doc_title=doc.title,
            section_path=chunks[0].section_path if chunks else (),
            source=doc.source,
            start=a,
            end=b,
            matched_text=matched,
            similarity=similarity,
            passage=chunks[0] if chunks else None,
        ))
    found = bool(matches) and matches[0].similarity >= threshold
    if found:
        matches = [m for m in matches if m.similarity >= threshold]
        return QuoteResult(quote=quote, found=True, matches=tuple(matches))
    best = f"{matches[0].similarity:.2f}" if matches else "none"
    reason = (f"no source text is close enough (best similarity {best}, needed {threshold:.2f}); "
              "the nearest candidates are listed" if matches else "no candidate shares text with the quote")
    return QuoteResult(quote=quote, found=False, matches=tuple(matches), reason=reason)
