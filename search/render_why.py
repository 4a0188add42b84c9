"""“Why it ranked” in plain words under a passage card: the words matched, the methods that found it.

Scores stay folded in an inner detail: policy staff read the words and the method, not ``bm25 1 9.91``.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape as esc

from search.types import Hit

# Plain words for the retrieval channels (the keys of Hit.ranks).
METHODS = {"bm25": "关键词 keywords", "dense": "语义 meaning", "use": "跨语言 cross-language"}


def _matched_words(hit: Hit, mapped: Sequence[tuple[str, tuple[str, ...]]]) -> list[str]:
    """The passage's marked words, each with the English question word it came from (when one did)."""
    from index.normalize import normalize

    origin = {normalize(zh): en for en, zhs in mapped for zh in zhs}
    words: list[str] = []
    for span in hit.highlights:
        if span.kind != "term":
            continue
        word = hit.chunk.text[span.start : span.end]
        en = origin.get(normalize(word))
        label = f"{word} ← {en}" if en else word
        if label not in words:
            words.append(label)
    return words[:12]


def why_ranked(hit: Hit, mapped: Sequence[tuple[str, tuple[str, ...]]] = ()) -> str:
    """"Why it ranked" in plain words: the words matched, the methods that found it; scores folded."""
    methods = [f"{METHODS.get(n, n)} (#{r})" for n, r in hit.ranks.items() if r is not None]
    words = _matched_words(hit, mapped)
    said = "、".join(words) if words else "—（按意思找到 found by meaning）"
    rows = "".join(
        f"<tr><td>{esc(METHODS.get(n, n))}</td><td>{'—' if r is None else r}</td>"
        f"<td>{'—' if hit.scores.get(n) is None else f'{hit.scores[n]:.4f}'}</td></tr>"
        for n, r in hit.ranks.items()
    )
    return (
        f'<details class="pq-why"><summary>为何排在这里 Why it ranked</summary>'
        f'<div>匹配的词 Words matched: {esc(said)}</div>'
        f'<div>找到方式 Found by: {esc("，".join(methods) or "—")}</div>'
        f'<details class="pq-scores"><summary>分数 Scores</summary><table class="pq-table"><tr>'
        f"<th>方法 Method</th><th>名次 Rank</th><th>分数 Score</th></tr>{rows}</table>"
        f"<div>综合 fused: #{hit.rank}, {hit.score:.4f}</div></details></details>"
    )
