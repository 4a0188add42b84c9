"""Input bounds for every entry point (CLI, app, API): what a request may ask for, with the fix in the error.

Each bound can be set from the environment without a rebuild (``PLANQA_MAX_K``, ``PLANQA_MAX_QUESTION``,
``PLANQA_MAX_QUOTE``). The quote bound keeps one request's work bounded: quote lookup aligns the quote
against candidate regions as long as itself, so its cost grows with the square of its length (on the
seeds a 2,000-character quote takes 0.16 s, a 50,000-character paste took 44 s).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name}={value!r}: give a whole number of 1 or more")
    return int(value)


@dataclass(frozen=True)
class Limits:
    max_k: int = 100  # passages per request
    max_question_chars: int = 500  # a plan sentence is rarely over 200 characters
    max_quote_chars: int = 2000  # a long paragraph; longer pastes: cite a part of it

    @classmethod
    def from_env(cls) -> Limits:
        return cls(
            max_k=_env_int("PLANQA_MAX_K", cls.max_k),
            max_question_chars=_env_int("PLANQA_MAX_QUESTION", cls.max_question_chars),
            max_quote_chars=_env_int("PLANQA_MAX_QUOTE", cls.max_quote_chars),
        )

    def check_k(self, k: int) -> int:
        """``k`` if it is in 1…``max_k``; else ValueError saying the range."""
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= self.max_k:
            raise ValueError(f"k must be a whole number from 1 to {self.max_k}, got {k!r}")
        return k

    def check_question(self, question: str) -> str:
        if len(question) > self.max_question_chars:
            raise ValueError(
                f"the question is too long ({len(question)} characters, at most {self.max_question_chars}); "
                "ask it in a sentence, or paste a long passage into Cite (`planqa cite`) to find its source"
            )
        return question

    def check_quote(self, quote: str) -> str:
        if len(quote) > self.max_quote_chars:
            raise ValueError(
                f"the quote is too long ({len(quote)} characters, at most {self.max_quote_chars}); "
                "cite one sentence or paragraph of it at a time"
            )
        return quote
