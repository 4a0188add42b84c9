"""The quote-lookup index: character 3-grams of documents' keys, mapped back to original offsets.

Every document's cleaned text is keyed with ``key_with_positions(drop="punct")`` (繁→简, full→half width,
lower case, no whitespace or punctuation), each key character mapped to its offset in the original file,
and the keys are joined by a separator (so no match spans two documents, while a quote spanning two
passages of one document is one run of text). Lookup never scans the corpus:

1. exact: the query key's rarest 3-gram gives the candidate starts, each verified by comparing keys;
2. approximate: every query 3-gram votes for the diagonal (text position − query position) of each of
   its occurrences, as in seed-and-extend search (Altschul et al., "Basic local alignment search tool",
   J. Mol. Biol. 1990); the best diagonals are aligned by a semi-global edit distance (query whole,
   text free at both ends), which gives the exact span and the similarity.

3-grams are stored as 32-bit hashes sorted with their positions (8 bytes a key character, plain .npy
files, no pickle); a hash collision only adds a vote, never a wrong match, since every match is verified
or aligned. ``planqa build`` saves it in the index folder (``quote/``); ``search.quote`` turns its matches
into ``QuoteMatch``es.

An add (``index.append``) keys only its new documents, into a part of their own (``quote/<segment>/``, the
same files); the index manifest names the parts (``quote.parts``) and ``load`` joins them after the base:
keys and offsets end to end, each part's 3-gram table searched where it lies (``more``), so lookups give
what one index over all documents gives, without sorting the old 3-grams again.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.clean import clean
from index.normalize import key_with_positions
from index.types import Document

FORMAT_VERSION = 1
GRAM = 3
SEPARATOR = "\x00"  # between documents, so no n-gram or match spans two of them
_BIN = 16  # diagonals are voted in bins: a few lost characters shift the diagonal a little
_MAX_POSTINGS = 50_000  # a 3-gram this frequent says nothing about where a quote is
_VOTERS = 128  # 3-grams of a long quote that vote for its diagonal

DocumentText = tuple[str, Sequence[int]]  # cleaned text, original file offset of each character


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

def semi_global(query: str, text: str) -> tuple[int, int, int]:
    """Best alignment of all of ``query`` against a substring of ``text`` (Levenshtein costs).

    Returns ``(start, end, distance)`` of the substring, the longest of equally close ones. One numpy
    pass per query character: within a row, the insertion chain D[j] = min_k (T[k] + j - k) is a
    running minimum of ``T - j``.

    Written here because the libraries fall short for Chinese quotes: edlib's infix mode takes at most
    256 distinct symbols (an 800-character span of seed 003 has 382), and rapidfuzz offers global
    Levenshtein and fixed-width partial ratios (Indel), not a free-start, free-end alignment.
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
    # of equally good ends the last: a quote character lost next to a changed one then still counts
    # as covered (化设。善公共… matches from 化, not from 善)
    end = n - int(np.argmin(row[::-1]))
    return end, int(row[end])


@dataclass
class QuoteIndex:
    """Character 3-gram index over documents' keys, with the way back to original offsets."""

    key: str  # every document's key, joined by SEPARATOR
    origin: np.ndarray  # int64, per key character: offset in its source file's original text
    doc_starts: np.ndarray  # int64, where each document's key starts in ``key``
    documents: list[Document]
    grams: np.ndarray  # uint32 3-gram hashes, sorted
    gram_positions: np.ndarray  # int32/int64 key positions, in the order of ``grams``
    # the 3-gram tables of parts joined after the first: (grams, positions inside the part, where it starts)
    more: tuple[tuple[np.ndarray, np.ndarray, int], ...] = field(default_factory=tuple)

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
        origin = np.concatenate(origins) if origins else np.zeros(0, dtype=np.int64)
        return cls.from_key(SEPARATOR.join(keys) + SEPARATOR, origin, np.asarray(starts), documents)

    @classmethod
    def of_sources(cls, documents: Sequence[Document], sources: Mapping[str, str]) -> QuoteIndex:
        """Index ``documents`` over the original texts of their files (``sources``: name → text)."""

        def texts(doc: Document) -> DocumentText:
            cleaned = clean(sources[doc.source][doc.start:doc.end])
            return cleaned.text, [doc.start + o for o in cleaned.offsets]

        return cls.build(documents, texts)

    @classmethod
    def from_key(
        cls, key: str, origin: np.ndarray, doc_starts: np.ndarray, documents: Sequence[Document]
    ) -> QuoteIndex:
        """The index of a joined key (documents separated by ``SEPARATOR``, each ending with one)."""
        hashes = _gram_hashes(_codes(key))
        order = np.argsort(hashes, kind="stable")
        return cls(
            key=key,
            origin=np.asarray(origin, dtype=np.int64),
            doc_starts=np.asarray(doc_starts, dtype=np.int64),
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
    def load(cls, folder: str | Path, corpus_hash: str | None = None,
             parts: Sequence[str] | None = None) -> QuoteIndex:
        """Read a saved index and its ``parts`` (sub-folders; default: those the index manifest beside
        ``folder`` names); with ``corpus_hash``, the parts up to the one saved with it (an engine loaded
        before later adds reads what it indexed), refusing an index of another corpus.

        Raises:
            FileNotFoundError: nothing saved there.
            ValueError: unknown format, inconsistent arrays, or another corpus.
        """
        folder = Path(folder)
        if parts is None:
            parts = _listed_parts(folder)
        loaded = [_load_one(folder)]
        # parts are only ever appended: an index loaded before the last adds is a prefix of them
        for part in parts:
            if corpus_hash is not None and loaded[-1][1] == corpus_hash:
                break
            loaded.append(_load_one(folder / part))
        if corpus_hash is not None and loaded[-1][1] != corpus_hash:
            raise ValueError(f"quote index in {folder} is of another corpus: rebuild with `planqa build`")
        return cls.joined([index for index, _ in loaded])

    @classmethod
    def joined(cls, indexes: Sequence[QuoteIndex]) -> QuoteIndex:
        """One index over the documents of ``indexes`` in order (each a single part), their 3-gram tables
        kept apart."""
        first, rest = indexes[0], indexes[1:]
        if not rest:
            return first
        at = len(first.key)
        starts, more = [first.doc_starts], []
        for index in rest:
            starts.append(index.doc_starts + at)
            more.append((index.grams, index.gram_positions, at))
            at += len(index.key)
        return cls(key="".join(i.key for i in indexes), origin=np.concatenate([i.origin for i in indexes]),
                   doc_starts=np.concatenate(starts), documents=[d for i in indexes for d in i.documents],
                   grams=first.grams, gram_positions=first.gram_positions, more=tuple(more))

    # --- lookup ---------------------------------------------------------------------------------
    def _tables(self) -> list[tuple[np.ndarray, np.ndarray, int]]:
        return [(self.grams, self.gram_positions, 0), *self.more]

    def _postings(self, hashes: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per 3-gram table: where each of ``hashes`` starts and ends in it."""
        return [(np.searchsorted(grams, hashes, side="left"), np.searchsorted(grams, hashes, side="right"))
                for grams, _, _ in self._tables()]

    def _positions(self, postings: list[tuple[np.ndarray, np.ndarray]], grams: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Key positions of every occurrence of the query 3-grams ``grams`` (indices into the query's
        3-grams), and the query 3-gram of each, over every table."""
        found, of = [], []
        for (lo, hi), (_, positions, at) in zip(postings, self._tables(), strict=True):
            counts = hi[grams] - lo[grams]
            offsets = np.repeat(lo[grams] - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
            found.append(positions[offsets].astype(np.int64) + at)
            of.append(np.repeat(grams, counts))
        return np.concatenate(found), np.concatenate(of)

    def exact(self, qkey: str, limit: int = 50) -> list[int]:
        """Start positions (in ``key``) where ``qkey`` occurs exactly."""
        hashes = _gram_hashes(_codes(qkey))
        postings = self._postings(hashes)
        counts = sum(hi - lo for lo, hi in postings)
        rarest = int(np.argmin(counts))
        if counts[rarest] == 0:
            return []
        found_at, _ = self._positions(postings, np.array([rarest]))
        starts = np.sort(found_at - rarest)
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
        postings = self._postings(hashes)
        counts = sum(hi - lo for lo, hi in postings)
        useful = (counts > 0) & (counts <= _MAX_POSTINGS)
        # A long quote needs only some of its 3-grams to vote: every stride-th keeps the work bounded
        # (a few changed characters spoil at most three votes each, wherever they are).
        stride = max(1, len(hashes) // _VOTERS)
        useful &= np.arange(len(hashes)) % stride == 0
        if not useful.any():
            return []
        # every posting of every useful gram: its key position minus the gram's query position
        found_at, q_of = self._positions(postings, np.nonzero(useful)[0])
        diagonals = found_at - q_of
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
        # diagonals with less than half the best one's support are not the quote's source when the
        # best one is (each region costs an alignment); they still fill the list when nothing is close
        floor = support[order[0]] / 2
        for i in order[: limit * 4]:
            if regions and support[i] < floor:
                break
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
            if SEPARATOR in piece:
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


def _load_one(folder: Path) -> tuple[QuoteIndex, str]:
    """One saved part and the corpus hash it was saved with."""
    meta_path = folder / "quote.json"
    if not meta_path.is_file():
        raise FileNotFoundError(f"no quote index in {folder}: rebuild the index with `planqa build`")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT_VERSION or meta.get("gram") != GRAM:
        raise ValueError(f"quote index in {folder} has an unknown format: rebuild with `planqa build`")
    arrays = {n: np.load(folder / f"{n}.npy", allow_pickle=False)
              for n in ("key", "origin", "doc_starts", "grams", "gram_positions")}
    key = arrays.pop("key").astype(np.uint32).tobytes().decode("utf-32-le")
    if len(key) != len(arrays["origin"]) or len(arrays["grams"]) != max(0, len(key) - GRAM + 1):
        raise ValueError(f"quote index in {folder} is inconsistent: rebuild with `planqa build`")
    documents = [Document.from_dict(d) for d in meta["documents"]]
    return QuoteIndex(key=key, documents=documents, **arrays), meta.get("corpus_hash")


def _listed_parts(folder: Path) -> list[str]:
    """The parts the index manifest beside ``folder`` names (none without a manifest: a bare quote index)."""
    manifest = folder.parent / "manifest.json"
    if not manifest.is_file():
        return []
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8")).get("quote", {}).get("parts", [])
    except ValueError as exc:
        raise ValueError(f"{manifest} is unreadable ({exc}): rebuild with `planqa build`") from exc
    return [str(part) for part in listed]
