"""BM25 tokens of Chinese plan text: jieba over the normalised key, plan vocabulary kept whole.

Text and queries go through the same path: ``normalize`` (繁→简, NFKC, lower case), jieba in a private
``jieba.Tokenizer`` (the global one is left alone for other users) loaded with ``data/userdict.txt``, then
stopwords and punctuation dropped. Numbers and units are tokens: plan targets are numbers, and
"98.5%" also yields "98.5" so a query without the unit still matches.

Modes (``Config.bm25_tokens``): ``"words"`` is jieba's precise cut; ``"search"`` (default) is
``cut_for_search``, which adds the dictionary words inside long words (农产品 → 农产, 产品, 农产品), so
"合格率" in a query meets "抽检合格率" in a passage; ``"bigrams"`` adds the character bigrams of every
CJK word of three or more characters on top of ``"search"``. In the two latter modes a long word also
yields the plan terms inside it (优化营商环境 → 营商环境) and its Latin/number runs (单位gdp能耗 → gdp),
which ``cut_for_search`` alone does not (it only adds inner words of two and three characters).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

from index.normalize import normalize

DATA_DIR = Path(__file__).parent / "data"
USERDICT = DATA_DIR / "userdict.txt"
STOPWORDS = DATA_DIR / "stopwords.txt"
MODES = ("words", "search", "bigrams")

_CONTENT = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff〇]")  # a token must hold one of these
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff〇]+")
_NUMBER_UNIT = re.compile(r"^(\d+(?:\.\d+)?)(%|‰)$")
_LATIN_RUN = re.compile(r"[0-9a-z]+(?:\.[0-9]+)?")


def read_word_list(path: Path) -> list[str]:
    """Lines of a word-list file, ``#`` comments and blank lines skipped, each normalised."""
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        if line:
            words.append(normalize(line))
    return words


class Tokenizer:
    """Tokens for BM25. Thread-safe after construction; the jieba dictionary loads on first use."""

    def __init__(self, mode: str = "search", userdict: Path = USERDICT, stopwords: Path = STOPWORDS):
        if mode not in MODES:
            raise ValueError(f"unknown BM25 token mode {mode!r}; choose one of {', '.join(MODES)}")
        self.mode = mode
        self._userdict = userdict
        self.stopwords = frozenset(read_word_list(stopwords))
        self.terms = frozenset(w for w in read_word_list(userdict) if len(w) >= 4)
        self._jieba = None
        self._lock = threading.Lock()

    def _cutter(self):
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    self._jieba = _load_jieba(self._userdict)
        return self._jieba

    def tokenize(self, text: str) -> list[str]:
        """Tokens of ``text`` (original characters or a query), in order, repeats kept."""
        key = normalize(text)
        cutter = self._cutter()
        pieces = cutter.cut(key) if self.mode == "words" else cutter.cut_for_search(key)
        tokens: list[str] = []
        for piece in pieces:
            piece = piece.strip()
            if not piece or piece in self.stopwords or not _CONTENT.search(piece):
                continue
            tokens.append(piece)
            number = _NUMBER_UNIT.match(piece)
            if number:
                tokens.append(number.group(1))
            if self.mode != "words" and len(piece) >= 4:
                tokens += self._inner(piece)
            if self.mode == "bigrams":
                tokens += _bigrams(piece)
        return tokens

    def _inner(self, word: str) -> list[str]:
        """Plan terms (four characters or more) and Latin/number runs strictly inside ``word``."""
        inner = [
            word[i:j] for i in range(len(word)) for j in range(i + 4, len(word) + 1)
            if j - i < len(word) and word[i:j] in self.terms
        ]
        if not word.isascii():
            inner += _LATIN_RUN.findall(word)
        return inner

    def __call__(self, text: str) -> list[str]:
        return self.tokenize(text)


def _bigrams(word: str) -> list[str]:
    grams: list[str] = []
    for run in _CJK_RUN.findall(word):
        if len(run) >= 3:
            grams += [run[i:i + 2] for i in range(len(run) - 1)]
    return grams


def quiet_jieba():
    """The global jieba module, with its "Building prefix dict" lines (noise on stderr) turned off."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


@lru_cache(maxsize=4)
def _load_jieba(userdict: Path):
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" lines are noise on stderr
    cutter = jieba.Tokenizer()
    cutter.initialize()
    for word in read_word_list(userdict):
        cutter.add_word(word)  # no frequency: jieba picks one high enough to keep the word whole
    return cutter


@lru_cache(maxsize=4)
def get_tokenizer(mode: str = "search") -> Tokenizer:
    """The shared tokenizer of a mode (the jieba dictionary is loaded once per process)."""
    return Tokenizer(mode)
