"""BM25 from token ids in numpy arrays: the bm25s score matrix without its per-document Python loop,
and each chunk's token ids kept in the index so an update re-scores instead of re-tokenising.

``bm25_of_ids`` computes exactly what ``bm25s.BM25(method="lucene").index`` computes (the same float64
arithmetic, cast to float32 where bm25s stores; ``tests/index/test_bm25_tokens.py`` compares the arrays),
but over whole arrays: 100k synthetic chunks took 175 s in bm25s (load average 10-15) against a few seconds
here. The token ids of every chunk are saved beside the bm25s files (``bm25_tokens/``: ``ids.npy`` int32,
``offsets.npy`` int64, the ``n + 1`` boundaries of each chunk's ids, ``vocab.json`` the terms in id
order, ``tokens.json`` the tokenizer mode and code version they were made with), so an update takes the
kept chunks' tokens from there: jieba then only runs over the new chunks.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TOKENS_DIR = "bm25_tokens"


@dataclass(frozen=True)
class TokenIds:
    """Every chunk's BM25 tokens as ids into ``vocab``: chunk ``i`` is ``ids[offsets[i]:offsets[i + 1]]``."""

    ids: np.ndarray  # int32
    offsets: np.ndarray  # int64, len = chunks + 1
    vocab: tuple[str, ...]  # term of each id

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @classmethod
    def of_lists(cls, token_lists: Sequence[Sequence[str]]) -> TokenIds:
        """Ids in order of first appearance (the same lists give the same ids in every process)."""
        vocab: dict[str, int] = {}
        lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
        ids = np.fromiter((vocab.setdefault(t, len(vocab)) for tokens in token_lists for t in tokens),
                          dtype=np.int32, count=int(lengths.sum()))
        return cls(ids, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64), tuple(vocab))

    def extended(self, token_lists: Sequence[Sequence[str]]) -> TokenIds:
        """These rows and one more per token list; terms not yet known get the next ids."""
        vocab = {term: i for i, term in enumerate(self.vocab)}
        more = TokenIds.of_lists(token_lists)
        mapping = np.array([vocab.setdefault(term, len(vocab)) for term in more.vocab], dtype=np.int32)
        offsets = np.concatenate([self.offsets, self.offsets[-1] + more.offsets[1:]])
        return TokenIds(np.concatenate([self.ids, mapping[more.ids] if len(more.ids) else more.ids]),
                        offsets.astype(np.int64), tuple(vocab))

    def tokens(self, row: int) -> list[str]:
        return [self.vocab[i] for i in self.ids[self.offsets[row]:self.offsets[row + 1]].tolist()]

    def save(self, folder: Path, mode: str, version: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "ids.npy", np.ascontiguousarray(self.ids, dtype=np.int32), allow_pickle=False)
        np.save(folder / "offsets.npy", np.ascontiguousarray(self.offsets, dtype=np.int64), allow_pickle=False)
        (folder / "vocab.json").write_text(json.dumps(list(self.vocab), ensure_ascii=False), encoding="utf-8")
        (folder / "tokens.json").write_text(json.dumps({"mode": mode, "version": version}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, n_chunks: int) -> tuple[TokenIds, dict]:
        """The arrays (memory-mapped) and what made them ({"mode", "version"}).

        Raises:
            ValueError: the arrays do not cover ``n_chunks`` chunks or name ids outside the vocabulary.
        """
        ids = np.load(folder / "ids.npy", mmap_mode="r", allow_pickle=False)
        offsets = np.load(folder / "offsets.npy", allow_pickle=False)
        vocab = tuple(json.loads((folder / "vocab.json").read_text(encoding="utf-8")))
        made = json.loads((folder / "tokens.json").read_text(encoding="utf-8"))
        if (len(offsets) != n_chunks + 1 or offsets[0] != 0 or offsets[-1] != len(ids)
                or np.any(np.diff(offsets) < 0) or (len(ids) and int(ids.max()) >= len(vocab))):
            raise ValueError(f"{folder}: token ids do not match the index's {n_chunks} chunks")
        return cls(ids, offsets, vocab), made


def bm25_of_ids(tokens: TokenIds, k1: float, b: float):
    """A ``bm25s.BM25`` (Lucene variant) over ``tokens``, with ``token_ids`` set to them.

    Scores as bm25s: idf = ln(1 + (N - df + 0.5) / (df + 0.5)) (``math.log``, as bm25s, stored float32),
    term weight = tf / (tf + k1·(1 - b + b·|d| / avgdl)) in float64, their product stored float32; a CSC
    matrix of documents × terms, rows ascending in each column; the empty token "" appended to the
    vocabulary outside the matrix, as ``bm25s.BM25.index`` does.
    """
    import bm25s

    n_docs, n_vocab = len(tokens), len(tokens.vocab)
    lengths = np.diff(tokens.offsets)
    avg_len = lengths.mean() if n_docs else np.float64(0)
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    # one key per (term, document): sorted, its runs are the term frequencies, in CSC order
    pairs, tf = np.unique(np.asarray(tokens.ids, dtype=np.int64) * max(1, n_docs) + doc_of, return_counts=True)
    del doc_of
    terms, docs = np.divmod(pairs, max(1, n_docs))
    del pairs
    df = np.bincount(terms, minlength=n_vocab)
    idf = np.array([math.log(1 + (n_docs - d + 0.5) / (d + 0.5)) if d else 0.0 for d in df.tolist()],
                   dtype=np.float32)
    norm = k1 * ((1 - b) + b * lengths / avg_len)  # float64 per document, as bm25s' scalar per document
    tf = tf.astype(np.float32).astype(np.float64)
    data = (idf[terms] * (tf / (norm[docs] + tf))).astype(np.float32)
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    bm25 = bm25s.BM25(k1=k1, b=b)
    bm25.scores = {"data": data, "indices": docs.astype(np.int32), "indptr": indptr, "num_docs": n_docs}
    bm25.vocab_dict = {term: i for i, term in enumerate(tokens.vocab)}
    if "" not in bm25.vocab_dict:
        bm25.vocab_dict[""] = n_vocab
    bm25.unique_token_ids_set = set(bm25.vocab_dict.values())
    bm25.nonoccurrence_array = None  # used by BM25L and BM25+ only
    bm25.token_ids = tokens
    return bm25


def bm25_of_tokens(token_lists: Sequence[Sequence[str]], k1: float, b: float):
    """``bm25_of_ids`` over token lists (ids in order of first appearance)."""
    return bm25_of_ids(TokenIds.of_lists(token_lists), k1, b)


def stored_token_ids(stored, mode: str) -> TokenIds | None:
    """The BM25 token ids of every chunk of a loaded index, checked against the manifest's sha256; None
    when the index keeps none (built before they were kept) or they were made by another tokenizer
    (``mode``, or the code version), so its chunks are tokenised again.

    Raises:
        IndexLoadError: the token files were edited or do not match the chunks.
    """
    from index.folder import file_digest
    from index.reuse import tokens_version
    from index.store import REBUILD, IndexLoadError, _check_digest

    entry = stored.manifest.get("bm25", {}).get("token_ids")
    if not entry or stored.path is None:
        return None
    folder, files = stored.path / entry, stored.manifest.get("files", {})
    for name in ("ids.npy", "offsets.npy", "vocab.json", "tokens.json"):
        file = folder / name
        if not file.is_file():
            raise IndexLoadError(f"index at {stored.path} is incomplete: {entry}/{name} is missing; {REBUILD}")
        _check_digest(file, f"{entry}/{name}", file_digest(file), files)
    try:
        tokens, made = TokenIds.load(folder, len(stored.chunks))
    except (OSError, ValueError) as exc:
        raise IndexLoadError(f"index at {stored.path}: {exc}; {REBUILD}") from exc
    if made != {"mode": mode, "version": tokens_version()}:
        return None
    return tokens


class StoredTokens:
    """A tokenizer that answers from a stored index's token ids for the texts of its chunks, and asks
    ``tokenizer`` only for the others (an update's new chunks)."""

    def __init__(self, tokenizer, stored, mode: str):
        from index.build import indexed_text  # index.build imports index.store, which imports this module

        self.tokenizer = tokenizer
        self.ids = stored_token_ids(stored, mode) if stored is not None else None
        self.rows = {indexed_text(c): row for row, c in enumerate(stored.chunks)} if self.ids is not None else {}
        self.tokenised = 0  # texts the inner tokenizer was asked for

    def tokenize(self, text: str) -> list[str]:
        row = self.rows.get(text)
        if row is not None:
            return self.ids.tokens(row)
        self.tokenised += 1
        return self.tokenizer.tokenize(text)

    def __call__(self, text: str) -> list[str]:
        return self.tokenize(text)

    def save(self) -> None:
        if hasattr(self.tokenizer, "save"):
            self.tokenizer.save()
