"""The quote index of a new index folder, keeping the keys of documents the folder it replaces already had.

Keying a document for quote lookup (``index.quote_index``: clean, then ``key_with_positions`` one character
at a time in Python) was 33.5 of the 36 s of saving 10k synthetic chunks (100 documents, 3M characters;
cProfile), so it was most of the save and most of an add: every update keyed every document again. A
document whose entry (id, source, span) and source text (sha256 in the old manifest) are unchanged takes
its key and offsets from the old ``quote/`` arrays; only new or changed documents are keyed. The result
equals ``QuoteIndex.of_sources`` over all documents (``tests/index/test_quote_reuse.py``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from index.clean import clean
from index.normalize import key_with_positions
from index.quote_index import SEPARATOR, QuoteIndex
from index.types import Document


def _fresh(doc: Document, sources: Mapping[str, str]) -> tuple[str, np.ndarray]:
    """What ``QuoteIndex.of_sources`` keys for one document: its key and each key character's offset."""
    cleaned = clean(sources[doc.source][doc.start:doc.end])
    key, positions = key_with_positions(cleaned.text, drop="punct")
    offsets = np.asarray([doc.start + o for o in cleaned.offsets], dtype=np.int64)
    return key, (offsets[np.asarray(positions, dtype=np.int64)] if key else offsets[:0])


class _Previous:
    """The old folder's quote index, by document, with the sha256 of each of its sources."""

    def __init__(self, folder: Path):
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        self.digests = {name.removeprefix("sources/"): entry.get("sha256")
                        for name, entry in manifest.get("files", {}).items() if name.startswith("sources/")}
        self.quote = QuoteIndex.load(folder / "quote")
        ends = [*self.quote.doc_starts[1:].tolist(), len(self.quote.key)]
        self.spans = {json.dumps(d.to_dict(), sort_keys=True, ensure_ascii=False): (int(s), int(e) - 1)
                      for d, s, e in zip(self.quote.documents, self.quote.doc_starts.tolist(), ends, strict=True)}

    def part(self, doc: Document, digest: str) -> tuple[str, np.ndarray] | None:
        span = self.spans.get(json.dumps(doc.to_dict(), sort_keys=True, ensure_ascii=False))
        if span is None or self.digests.get(doc.source) != digest:
            return None
        start, end = span
        return self.quote.key[start:end], np.asarray(self.quote.origin[start:end], dtype=np.int64)


def _previous(folder: Path | None) -> _Previous | None:
    if folder is None or not (folder / "quote" / "quote.json").is_file():
        return None
    try:
        return _Previous(folder)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # unreadable or of another format: every document is keyed again


def quote_index(documents: Sequence[Document], sources: Mapping[str, str], previous: Path | None) -> QuoteIndex:
    """``QuoteIndex.of_sources(documents, sources)``, reusing what the index at ``previous`` keyed."""
    old = _previous(previous)
    digests: dict[str, str] = {}
    keys: list[str] = []
    origins: list[np.ndarray] = []
    starts: list[int] = []
    at = 0
    for doc in documents:
        part = None
        if old is not None:
            if doc.source not in digests:
                digests[doc.source] = hashlib.sha256(sources[doc.source].encode("utf-8")).hexdigest()
            part = old.part(doc, digests[doc.source])
        key, origin = part if part is not None else _fresh(doc, sources)
        keys.append(key)
        origins += [origin, np.full(1, -1, dtype=np.int64)]
        starts.append(at)
        at += len(key) + 1
    origin = np.concatenate(origins) if origins else np.zeros(0, dtype=np.int64)
    return QuoteIndex.from_key(SEPARATOR.join(keys) + SEPARATOR, origin, np.asarray(starts), documents)
