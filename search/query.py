"""A question analysed once: made at the door (``Engine.query``) and handed to every stage below.

Retrieval reads what each channel searches and the fusion weights; answers and highlighting read the
terms the glossary rendered; nothing below re-detects the language or re-expands the question.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from index.text import has_han
from search.glossary import Expansion
from search.language import Language


@dataclass(frozen=True)
class Query:
    """What one question becomes: its language, glossary expansion, per-channel query and weights.

    ``queries`` maps a channel to the string it searches; a channel left out is skipped for
    this question. ``None`` (a query made from a bare string) means every channel searches ``text``.
    """

    text: str
    language: Language = "zh"
    expansion: Expansion | None = None
    queries: Mapping[str, str] | None = None
    weights: Mapping[str, float] = field(default_factory=dict)

    def for_channel(self, channel: str) -> str | None:
        """The string ``channel`` searches, or None to skip it for this question."""
        if self.queries is None:
            return self.text
        return self.queries.get(channel)

    @property
    def highlight_terms(self) -> list[str]:
        """Chinese terms to highlight in passages for this query, longest first (glossary renderings
        and the Han text of a mixed query); empty for a Chinese query, which highlights as usual."""
        if self.expansion is None:
            return []
        terms = list(self.expansion.chinese_terms)
        terms += [t for t in self.expansion.chinese_query.split() if has_han(t) and t not in terms]
        return sorted(dict.fromkeys(terms), key=len, reverse=True)


def as_query(query: str | Query) -> Query:
    """``query`` itself, or a bare string as a query every channel searches as asked."""
    return query if isinstance(query, Query) else Query(text=query)


def channel_text(query: str | Query, channel: str) -> str | None:
    """The string ``channel`` searches for ``query`` (a bare string: itself); None: skip the channel."""
    return query.for_channel(channel) if isinstance(query, Query) else query
