"""Quote lookup: where does this text come from? (issue 5)

The index covers every document's cleaned text, keyed with ``key_with_positions(drop="punct")`` (繁→简,
full→half width, lower case, no whitespace or punctuation), each key character mapped back to its
offset in the original file — so a quote spanning two passages is found like any other, and a match is
checkable by slicing the file. Lookup never scans the corpus:

1. exact: the query key's rarest character 3-gram gives the candidate starts, each verified by comparing
   keys (similarity 1.0);
2. approximate: every query 3-gram votes for the diagonal (text position − query position) of each of
   its occurrences, as in seed-and-extend search (Altschul et al., "Basic local alignment search tool",
   J. Mol. Biol. 1990); the best diagonals are aligned by a semi-global edit distance (query whole,
   text free at both ends), which gives the exact span and the similarity.

3-grams are stored as 32-bit hashes sorted with their positions (8 bytes a key character, no pickle);
a hash collision only adds a vote, never a wrong match, since every match is verified or aligned.
"""

from __future__ import annotations

import json
import os
import shutil
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.clean import clean
from index.normalize import key_with_positions
from index.types import Chunk, Document, QuoteMatch, QuoteResult

FORMAT_VERSION = 1
GRAM = 3
MIN_KEY_CHARS = 6  # below this a "quote" matches everywhere: ask for more text
FOUND_SIMILARITY = 0.8  # at most one key character in five lost or changed
_SEPARATOR = "\x00"  # between documents, so no n-gram or match spans two of them
_BIN = 16  # diagonals are voted in bins: a few lost characters shift the diagonal a little
_MAX_POSTINGS = 50_000  # a 3-gram this frequent says nothing about where a quote is


DocumentText = tuple[str, Sequence[int]]  # cleaned text, original file offset of each character


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


def _codes(key: str) -> np.ndarray:
    return np.frombuffer(key.encode("utf-32-le"), dtype=np.uint32)


def _gram_hashes(codes: np.ndarray) -> np.ndarray:
    """32-bit hash of each 3-gram of ``codes`` (length ``len(codes) - 2``)."""
    if len(codes) < GRAM:
        return np.zeros(0, dtype=np.uint32)
    c = codes.astype(np.uint64)
    mixed = (c[:-2] * np.uint64(0x9E3779B1)) ^ (c[1:-1] * np.uint64(0x85EBCA77)) ^ (c[2:] * np.uint64(0xC2B2AE3D))
    mixed ^= mixed >> np.uint64(29)
    return (mixed & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def quote_key(quote: str) -> str:
    """The matching key of a quote: cleaned, 繁→简, half width, lower case, no whitespace/punctuation."""
    return key_with_positions(clean(quote).text, drop="punct")[0]


def semi_global(query: str, text: str) -> tuple[int, int, int]:
    """Best alignment of all of ``query`` against a substring of ``text`` (Levenshtein costs).

    Returns ``(start, end, distance)`` of the substring. One numpy pass per query character: within a
    row, the insertion chain D[j] = min_k (T[k] + j - k) is a running minimum of ``T - j``.
    """
    if not query:
        return 0, 0, 0
    if not text:
        return 0, 0, len(query)
    end, distance = _best_end(_codes(query), _codes(text))
    rev_end, _ = _best_end(_codes(query[::-1]), _codes(text[:end][::-1]))
    return end - rev_end, end, distance


def _best_end(q: np.ndarray, t: np.ndarray) -> tuple[int, int]:
    n = len(t)
    idx = np.arange(n + 1, dtype=np.int32)
    row = np.zeros(n + 1, dtype=np.int32)  # a free start anywhere in the text
    for i, ch in enumerate(q, 1):
        step = np.empty(n + 1, dtype=np.int32)
        step[0] = i
        np.minimum(row[:-1] + (t != ch), row[1:] + 1, out=step[1:])
        row = np.minimum.accumulate(step - idx) + idx
    end = int(np.argmin(row))
    return end, int(row[end])


@dataclass
class QuoteIndex:
    """Character 3-gram index over documents' keys, with the way back to original offsets."""

    key: str  # every document's key, joined by _SEPARATOR
    origin: np.ndarray  # int64, per key character: offset in its source file's original text
    doc_starts: np.ndarray  # int64, where each document's key starts in ``key``
    documents: list[Document]
    grams: np.ndarray  # uint32 3-gram hashes, sorted
    gram_positions: np.ndarray  # int32/int64 key positions, in the order of ``grams``

    @classmethod
    def build(cls, documents: Sequence[Document], texts: Callable[[Document], DocumentText]) -> QuoteIndex:
        """Index ``documents``; ``texts(doc)`` gives its cleaned text and original offsets
        (see :func:`document_text`)."""
        keys: list[str] = []
        origins: list[np.ndarray] = []
        starts: list[int] = []
        at = 0
        for doc in documents:
            text, offsets = texts(doc)
            key, positions = key_with_positions(text, drop="punct")
            offsets = np.asarray(offsets, dtype=np.int64)
            origins.append(offsets[np.asarray(positions, dtype=np.int64)] if key else offsets[:0])
            origins.append(np.full(1, -1, dtype=np.int64))
            starts.append(at)
            keys.append(key)
            at += len(key) + 1
        key = _SEPARATOR.join(keys) + _SEPARATOR
        hashes = _gram_hashes(_codes(key))
        order = np.argsort(hashes, kind="stable")
        return cls(
            key=key,
            origin=np.concatenate(origins) if origins else np.zeros(0, dtype=np.int64),
            doc_starts=np.asarray(starts, dtype=np.int64),
            documents=list(documents),
            grams=hashes[order],
            gram_positions=order.astype(np.int32 if len(key) < 2**31 else np.int64),
        )

    # --- persistence: plain .npy files + JSON, written atomically by the caller's folder swap -----
    def save(self, folder: str | Path, corpus_hash: str = "") -> None:
        """Write the index into ``folder`` as .npy arrays and ``quote.json``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "key.npy", _codes(self.key), allow_pickle=False)
        for name in ("origin", "doc_starts", "grams", "gram_positions"):
            np.save(folder / f"{name}.npy", getattr(self, name), allow_pickle=False)
        meta = {"format": FORMAT_VERSION, "gram": GRAM, "corpus_hash": corpus_hash,
                "documents": [d.to_dict() for d in self.documents]}
        (folder / "quote.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: str | Path, corpus_hash: str | None = None) -> QuoteIndex:
        """Read a saved index; with ``corpus_hash``, refuse one built from another corpus.

        Raises:
            FileNotFoundError: nothing saved there.
            ValueError: unknown format, inconsistent arrays, or another corpus.
        """
        folder = Path(folder)
        meta_path = folder / "quote.json"
        if not meta_path.is_file():
            raise FileNotFoundError(f"no quote index in {folder}: rebuild the index with `planqa build`")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION or meta.get("gram") != GRAM:
            raise ValueError(f"quote index in {folder} has an unknown format: rebuild with `planqa build`")
        if corpus_hash is not None and meta.get("corpus_hash") != corpus_hash:
            raise ValueError(f"quote index in {folder} is of another corpus: rebuild with `planqa build`")
        arrays = {n: np.load(folder / f"{n}.npy", allow_pickle=False)
                  for n in ("key", "origin", "doc_starts", "grams", "gram_positions")}
        key = arrays.pop("key").astype(np.uint32).tobytes().decode("utf-32-le")
        if len(key) != len(arrays["origin"]) or len(arrays["grams"]) != max(0, len(key) - GRAM + 1):
            raise ValueError(f"quote index in {folder} is inconsistent: rebuild with `planqa build`")
        documents = [Document.from_dict(d) for d in meta["documents"]]
        return cls(key=key, documents=documents, **arrays)

    # --- lookup ---------------------------------------------------------------------------------
    def _postings(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lo = np.searchsorted(self.grams, hashes, side="left")
        hi = np.searchsorted(self.grams, hashes, side="right")
        return lo, hi

    def exact(self, qkey: str, limit: int = 50) -> list[int]:
        """Start positions (in ``key``) where ``qkey`` occurs exactly."""
        hashes = _gram_hashes(_codes(qkey))
        lo, hi = self._postings(hashes)
        rarest = int(np.argmin(hi - lo))
        if hi[rarest] == lo[rarest]:
            return []
        starts = np.sort(self.gram_positions[lo[rarest]:hi[rarest]].astype(np.int64) - rarest)
        found = []
        for s in starts[starts >= 0]:
            s = int(s)
            if self.key.startswith(qkey, s):
                found.append(s)
                if len(found) >= limit:
                    break
        return found

    def candidates(self, qkey: str, limit: int = 5) -> list[tuple[int, int]]:
        """Regions ``(start, end)`` of ``key`` where most of the query's 3-grams lie on one diagonal."""
        hashes = _gram_hashes(_codes(qkey))
        lo, hi = self._postings(hashes)
        counts = hi - lo
        useful = (counts > 0) & (counts <= _MAX_POSTINGS)
        if not useful.any():
            return []
        q_at = np.nonzero(useful)[0]
        counts_u = counts[useful]
        # every posting of every useful gram: its key position minus the gram's query position
        offsets = np.repeat(lo[useful] - np.cumsum(counts_u) + counts_u, counts_u) + np.arange(counts_u.sum())
        q_of = np.repeat(q_at, counts_u)
        diagonals = self.gram_positions[offsets].astype(np.int64) - q_of
        bins = diagonals // _BIN
        # one vote per (bin, query gram), then a bin's support includes its right neighbour
        pairs = np.unique(bins * (len(qkey) + 1) + q_of)
        voted_bins, votes = np.unique(pairs // (len(qkey) + 1), return_counts=True)
        support = votes.copy()
        right = np.searchsorted(voted_bins, voted_bins + 1)
        has_right = (right < len(voted_bins)) & (voted_bins[np.minimum(right, len(voted_bins) - 1)] == voted_bins + 1)
        support[has_right] += votes[right[has_right]]
        order = np.argsort(-support, kind="stable")
        slack = 8 + len(qkey) // 8
        regions: list[tuple[int, int]] = []
        for i in order[: limit * 4]:
            start = max(0, int(voted_bins[i]) * _BIN - slack)
            end = min(len(self.key), int(voted_bins[i]) * _BIN + _BIN + len(qkey) + slack)
            if any(start < b and a < end for a, b in regions):
                continue
            regions.append((start, end))
            if len(regions) >= limit:
                break
        return regions

    def locate(self, qkey: str, k: int = 5) -> list[tuple[int, int, float]]:
        """Best matches of ``qkey`` as ``(start, end, similarity)`` over ``key``, best first."""
        exact = self.exact(qkey, limit=k)
        if exact:
            return [(s, s + len(qkey), 1.0) for s in exact]
        found: list[tuple[int, int, float]] = []
        for region_start, region_end in self.candidates(qkey, limit=k):
            region = self.key[region_start:region_end]
            # stay inside one document: cut the region at separators around its best part
            a, b, distance = semi_global(qkey, region)
            if b <= a:
                continue
            piece = region[a:b]
            if _SEPARATOR in piece:
                continue
            similarity = max(0.0, 1.0 - distance / max(len(qkey), b - a))
            found.append((region_start + a, region_start + b, similarity))
        found.sort(key=lambda m: -m[2])
        return found[:k]

    def document_at(self, position: int) -> Document:
        return self.documents[bisect_right(self.doc_starts.tolist(), position) - 1]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original-file offsets of the key range ``[start, end)`` (one document)."""
        return int(self.origin[start]), int(self.origin[end - 1]) + 1


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


def load_or_build(
    folder: Path | None, corpus_hash: str, documents: Sequence[Document], texts: Callable[[Document], DocumentText]
) -> QuoteIndex:
    """The saved quote index in ``folder`` if it is of this corpus, else a new one (saved there when
    the folder is writable: building is ~0.2 s on the seeds, linear in the corpus; loading is a few
    ``np.load`` calls)."""
    if folder is not None:
        try:
            return QuoteIndex.load(folder, corpus_hash)
        except (FileNotFoundError, ValueError, OSError):
            pass
    index = QuoteIndex.build(documents, texts)
    if folder is not None:
        staged = folder.parent / f".{folder.name}.new-{os.getpid()}"
        try:
            index.save(staged, corpus_hash)
            if folder.exists():
                shutil.rmtree(folder)
            staged.rename(folder)
        except OSError:  # a read-only index folder: keep the index in memory only
            shutil.rmtree(staged, ignore_errors=True)
    return index


def quote_index_for(
    documents: Sequence[Document],
    chunks: Sequence[Chunk],
    source_text: Callable[[str], str | None],
    index_path: Path | None,
    corpus_hash: str,
) -> QuoteIndex:
    """The quote index of a loaded search index: saved beside it in ``quote/``, rebuilt when stale."""
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    originals = {d.source: source_text(d.source) for d in documents}
    # an index built from chunks (sources not found) must not be reused once the sources are found
    key = corpus_hash + ("" if all(t is not None for t in originals.values()) else ":chunks")

    def texts(doc: Document) -> DocumentText:
        return document_text(doc, by_doc.get(doc.doc_id, []), originals[doc.source])

    return load_or_build(index_path / "quote" if index_path else None, key, documents, texts)


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
