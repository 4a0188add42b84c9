"""BM25 from token ids in numpy arrays: the bm25s score matrix without its per-document Python loop,
and each chunk's token ids kept in the index so an update re-scores instead of re-tokenising.

``bm25_of_ids`` computes exactly what ``bm25s.BM25(method="lucene").index`` computes (the same float64
arithmetic, cast to float32 where bm25s stores; ``tests/index/test_bm25_tokens.py`` compares the arrays),
but over whole arrays: 100k synthetic chunks took 175 s in bm25s (load average 10-15) against a few seconds
here. The token ids of every chunk are saved beside the bm25s files (``bm25_tokens/``: ``ids.npy`` int32,
``offsets.npy`` int64, the ``n + 1`` boundaries of each chunk's ids, ``vocab.json`` the terms in id
order, ``tokens.json`` the tokenizer mode and code version they were made with), so an update takes the
kept chunks' tokens from there: jieba then only runs over the new chunks. An added segment keeps its
chunks' ids the same way (``segments/<id>/bm25_tokens/``, ``vocab.json`` holding only the terms it added).

Beside the bm25s arrays the index keeps each entry's term frequency (``tf.npy``, in the order of ``data``)
and each chunk's length in tokens (``doc_lengths.npy``): adding chunks (``bm25_appended``) then inserts
their entries at the end of each term's run (their rows come last) and scores every entry again with the
new N, average length and document frequencies, without the sort over every (term, chunk) pair a build
makes (at 100k synthetic chunks that sort was most of the 6 s a rescore took).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TOKENS_DIR = "bm25_tokens"
TF_FILE, LENGTHS_FILE = "tf.npy", "doc_lengths.npy"
_BLOCK = 1 << 22  # entries scored at a time: the float64 temporaries of a 1M-chunk index stay ~100 MB


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

    def save_segment(self, folder: Path, mode: str, version: str, vocab_from: int) -> None:
        """The ids of an added segment's chunks: ``vocab.json`` holds the terms from ``vocab_from`` on."""
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "ids.npy", np.ascontiguousarray(self.ids, dtype=np.int32), allow_pickle=False)
        np.save(folder / "offsets.npy", np.ascontiguousarray(self.offsets, dtype=np.int64), allow_pickle=False)
        (folder / "vocab.json").write_text(json.dumps(list(self.vocab[vocab_from:]), ensure_ascii=False),
                                           encoding="utf-8")
        (folder / "tokens.json").write_text(json.dumps({"mode": mode, "version": version, "vocab_from": vocab_from}),
                                            encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, n_chunks: int, segments: Sequence[Path] = ()) -> tuple[TokenIds, dict]:
        """The arrays (memory-mapped, unless segments are joined to them) and what made them ({"mode",
        "version"}); ``segments``: the token folders of added segments, in order.

        Raises:
            ValueError: the arrays do not cover ``n_chunks`` chunks or name ids outside the vocabulary.
        """
        ids = [np.load(folder / "ids.npy", mmap_mode="r", allow_pickle=False)]
        offsets = [np.load(folder / "offsets.npy", allow_pickle=False)]
        vocab = list(json.loads((folder / "vocab.json").read_text(encoding="utf-8")))
        made = json.loads((folder / "tokens.json").read_text(encoding="utf-8"))
        for segment in segments:
            seg_made = json.loads((segment / "tokens.json").read_text(encoding="utf-8"))
            if seg_made.get("vocab_from") != len(vocab) or {k: seg_made.get(k) for k in made} != made:
                raise ValueError(f"{segment}: token ids do not follow the index's earlier ones")
            seg_offsets = np.load(segment / "offsets.npy", allow_pickle=False)
            ids.append(np.load(segment / "ids.npy", allow_pickle=False))
            offsets.append(seg_offsets[1:] + offsets[-1][-1])
            vocab += json.loads((segment / "vocab.json").read_text(encoding="utf-8"))
        all_ids = ids[0] if len(ids) == 1 else np.concatenate(ids)
        all_offsets = np.concatenate(offsets) if len(offsets) > 1 else offsets[0]
        if (len(all_offsets) != n_chunks + 1 or all_offsets[0] != 0 or all_offsets[-1] != len(all_ids)
                or np.any(np.diff(all_offsets) < 0) or (len(all_ids) and int(all_ids.max()) >= len(vocab))):
            raise ValueError(f"{folder}: token ids do not match the index's {n_chunks} chunks")
        return cls(all_ids, all_offsets, tuple(vocab)), made


def bm25_of_ids(tokens: TokenIds, k1: float, b: float):
    """A ``bm25s.BM25`` (Lucene variant) over ``tokens``, with ``token_ids`` set to them.

    Scores as bm25s: idf = ln(1 + (N - df + 0.5) / (df + 0.5)) (``math.log``, as bm25s, stored float32),
    term weight = tf / (tf + k1·(1 - b + b·|d| / avgdl)) in float64, their product stored float32; a CSC
    matrix of documents × terms, rows ascending in each column; the empty token "" appended to the
    vocabulary outside the matrix, as ``bm25s.BM25.index`` does.
    """
    n_docs, n_vocab = len(tokens), len(tokens.vocab)
    lengths = np.diff(tokens.offsets)
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    # one key per (term, document): sorted, its runs are the term frequencies, in CSC order
    pairs, tf = np.unique(np.asarray(tokens.ids, dtype=np.int64) * max(1, n_docs) + doc_of, return_counts=True)
    del doc_of
    terms, docs = np.divmod(pairs, max(1, n_docs))
    del pairs
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(np.bincount(terms, minlength=n_vocab), out=indptr[1:])
    del terms
    bm25 = _bm25(indptr, docs.astype(np.int32), _narrow(tf), lengths, tokens.vocab, k1, b)
    bm25.token_ids = tokens
    return bm25


def bm25_appended(bm25, token_lists: Sequence[Sequence[str]], k1: float, b: float):
    """``bm25`` (made by ``bm25_of_ids``, with ``tf`` and ``doc_lengths``) with one more document per token
    list, scored as ``bm25_of_ids`` scores all of them; its ``token_ids`` are the new documents' only
    (ids in the grown vocabulary).

    Raises:
        ValueError: ``bm25`` keeps no term frequencies (an index built before they were kept).
    """
    tf_old, lengths_old = getattr(bm25, "tf", None), getattr(bm25, "doc_lengths", None)
    if tf_old is None or lengths_old is None:
        raise ValueError("this BM25 index keeps no term frequencies; rebuild with `planqa build`")
    indptr_old = np.asarray(bm25.scores["indptr"], dtype=np.int64)
    n_old, v_old = int(bm25.scores["num_docs"]), len(indptr_old) - 1
    vocab = [""] * v_old
    for term, i in bm25.vocab_dict.items():
        if i < v_old:
            vocab[i] = term
    added = TokenIds(np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int64), tuple(vocab)).extended(token_lists)
    n_new, v_new = len(added), len(added.vocab)
    new_lengths = np.diff(added.offsets)
    local = np.repeat(np.arange(n_new, dtype=np.int64), new_lengths)
    pairs, tf_new = np.unique(np.asarray(added.ids, dtype=np.int64) * max(1, n_new) + local, return_counts=True)
    terms_new, docs_new = np.divmod(pairs, max(1, n_new))
    counts = np.bincount(terms_new, minlength=v_new)
    counts[:v_old] += np.diff(indptr_old)
    indptr = np.zeros(v_new + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    # the new rows come after every old one: each new entry goes at the end of its term's old run
    at = np.append(indptr_old, np.full(v_new - v_old, indptr_old[-1], dtype=np.int64))[terms_new + 1]
    indices = np.insert(np.asarray(bm25.scores["indices"]), at, (docs_new + n_old).astype(np.int32))
    tf_old = np.asarray(tf_old)
    wide = tf_new.max(initial=0) >= np.iinfo(tf_old.dtype).max
    tf = np.insert(tf_old.astype(np.uint32) if wide else tf_old, at, tf_new)
    lengths = np.concatenate([np.asarray(lengths_old, dtype=np.int64), new_lengths])
    grown = _bm25(indptr, indices, _narrow(tf), lengths, added.vocab, k1, b)
    grown.token_ids = TokenIds(added.ids, added.offsets, added.vocab)
    return grown


def _narrow(tf: np.ndarray) -> np.ndarray:
    """Term frequencies in uint16 when they fit (every chunk so far: half the bytes of uint32)."""
    return tf.astype(np.uint16 if tf.max(initial=0) < 2**16 else np.uint32, copy=False)


def _bm25(indptr: np.ndarray, indices: np.ndarray, tf: np.ndarray, lengths: np.ndarray,
          vocab: Sequence[str], k1: float, b: float):
    """A ``bm25s.BM25`` of a CSC matrix of term frequencies (``indptr`` over terms, ``indices`` documents),
    scored as ``bm25_of_ids`` documents it; ``tf`` and ``doc_lengths`` set on it."""
    import bm25s

    n_docs, n_vocab = len(lengths), len(vocab)
    lengths = np.asarray(lengths, dtype=np.int64)
    avg_len = lengths.mean() if n_docs else np.float64(0)
    df = np.diff(indptr)
    idf = np.array([math.log(1 + (n_docs - d + 0.5) / (d + 0.5)) if d else 0.0 for d in df.tolist()],
                   dtype=np.float32)
    norm = k1 * ((1 - b) + b * lengths / avg_len)  # float64 per document, as bm25s' scalar per document
    data = np.empty(len(indices), dtype=np.float32)
    term_ids = np.arange(n_vocab, dtype=np.int32)
    for start in range(0, len(indices), _BLOCK):
        end = min(len(indices), start + _BLOCK)
        # the term of each entry of the block: each term's run, cut to the block
        terms = np.repeat(term_ids, np.clip(indptr[1:], start, end) - np.clip(indptr[:-1], start, end))
        # idf · tf / (norm + tf) in float64, in place (the values of the plain expression, fewer temporaries;
        # term frequencies are integers, exact in float32 and float64 alike)
        block_tf = tf[start:end].astype(np.float64)
        weight = norm[indices[start:end]]
        weight += block_tf
        np.divide(block_tf, weight, out=weight)
        np.multiply(idf[terms], weight, out=weight)
        data[start:end] = weight
    bm25 = bm25s.BM25(k1=k1, b=b)
    bm25.scores = {"data": data, "indices": np.asarray(indices, dtype=np.int32), "indptr": indptr,
                   "num_docs": n_docs}
    bm25.vocab_dict = {term: i for i, term in enumerate(vocab)}
    if "" not in bm25.vocab_dict:
        bm25.vocab_dict[""] = n_vocab
    bm25.unique_token_ids_set = set(bm25.vocab_dict.values())
    bm25.nonoccurrence_array = None  # used by BM25L and BM25+ only
    bm25.tf, bm25.doc_lengths = tf, lengths
    return bm25


def save_bm25(bm25, folder: Path) -> None:
    """bm25s' files, and the term frequencies and lengths an add scores again from (when ``bm25`` has them)."""
    bm25.save(str(folder), show_progress=False)
    if getattr(bm25, "tf", None) is not None:
        np.save(folder / TF_FILE, np.ascontiguousarray(bm25.tf), allow_pickle=False)
        np.save(folder / LENGTHS_FILE, np.ascontiguousarray(bm25.doc_lengths, dtype=np.int32), allow_pickle=False)


def load_frequencies(bm25, folder: Path) -> None:
    """Set ``tf`` and ``doc_lengths`` on a loaded ``bm25`` from ``folder`` (memory-mapped), if it keeps them.

    Raises:
        ValueError: they do not match the matrix.
    """
    if not (folder / TF_FILE).is_file() or not (folder / LENGTHS_FILE).is_file():
        return
    tf = np.load(folder / TF_FILE, mmap_mode="r", allow_pickle=False)
    lengths = np.load(folder / LENGTHS_FILE, allow_pickle=False)
    if len(tf) != len(bm25.scores["indices"]) or len(lengths) != bm25.scores["num_docs"]:
        raise ValueError(f"{folder}: term frequencies do not match the BM25 arrays")
    bm25.tf, bm25.doc_lengths = tf, lengths


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
    from index.store import segment_folders

    files = stored.manifest.get("files", {})
    folders = [entry] + [f"{segment}/{TOKENS_DIR}" for segment in segment_folders(stored.manifest)]
    for folder in folders:
        for name in ("ids.npy", "offsets.npy", "vocab.json", "tokens.json"):
            file = stored.path / folder / name
            if not file.is_file():
                raise IndexLoadError(f"index at {stored.path} is incomplete: {folder}/{name} is missing; {REBUILD}")
            _check_digest(file, f"{folder}/{name}", file_digest(file), files)
    try:
        tokens, made = TokenIds.load(stored.path / entry, len(stored.chunks), [stored.path / f for f in folders[1:]])
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
