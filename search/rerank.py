"""Second-stage reranking of the fused passages by what the question is about (soft priors).

Fusion ranks passages by the words and meaning they share with the question; it cannot tell that a
passage of Huzhou's plan does not answer a question about Shenzhen, nor that a 2019 status sentence
does not answer a question about the 2025 target. A passage keeps its fused rank, shifted down by
``PLACE_SHIFT`` places when its document is not of a place the question names (and it does not
name that place itself), and by ``AIM_SHIFT`` when it speaks only of another period than the one
asked. Nothing is removed: a passage of another place can still come first when fusion is confident.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from index.normalize import normalize
from search.types import Hit
from search.understand import Understood

# Rank shifts. benchmarks/bench_answers.py on the seeds gives the same answers for place shifts 0, 3 and
# 6 (the answer stage itself requires the place), so the shift only orders the listed passages: 3 puts
# another city's passage below the named city's next three. The period shift is kept small: status and
# target sentences share passages.
PLACE_SHIFT = 3.0
AIM_SHIFT = 0.5
RRF_K = 10  # small: both orders are short (DEPTH passages) and both are meant to count
DEPTH = 20  # passages reranked (one model run per question either way; sentence scoring is the cost)


def place_match(hit: Hit, understood: Understood) -> bool:
    """Is the passage about a place the question names (or does the question name none)?"""
    if not understood.places:
        return True
    key = None
    for place in understood.places:
        if hit.chunk.doc_id in place.doc_ids:
            return True
        key = key or normalize(hit.chunk.text + hit.chunk.context).replace(" ", "")
        if any(form in key for form in place.forms):
            return True
    return False


def _other_period(hit: Hit, understood: Understood) -> bool:
    if not understood.years:
        return False
    from search.terms import stated_years

    stated = {int(y) for y in stated_years(hit.chunk.text)}
    return bool(stated) and not stated & set(understood.years)


def rerank(hits: Sequence[Hit], understood: Understood | None,
           coverage: Callable[[Hit], float] | None = None) -> list[Hit]:
    """``hits`` (best first) reordered by the priors, ranks renumbered from 1.

    Args:
        hits: fused passages, best first.
        understood: the question as understood (None: priors off).
        coverage: passage → share of the question's term weight it holds; when given, the fused order
            (shifted by the priors) and the coverage order are fused by reciprocal rank (Cormack et al.,
            SIGIR 2009), so a passage holding the question's rare terms (PM2.5) that BM25 ranked 34th
            for an English question (its glossary expansion adds frequent renderings) comes up.
    """
    if not hits:
        return []
    keyed = []
    for position, hit in enumerate(hits):
        shift = 0.0
        if understood is not None:
            shift = 0.0 if place_match(hit, understood) else PLACE_SHIFT
            shift += AIM_SHIFT if _other_period(hit, understood) else 0.0
        keyed.append((position + shift, position, hit))
    if coverage is not None:
        shares = [coverage(hit) for _, _, hit in keyed]
        by_share = sorted(range(len(keyed)), key=lambda i: (-shares[i], keyed[i][0]))
        share_rank = {i: r for r, i in enumerate(by_share)}
        prior_rank = {i: r for r, i in enumerate(sorted(range(len(keyed)), key=lambda i: keyed[i][:2]))}
        keyed = [(-(1 / (RRF_K + prior_rank[i]) + 1 / (RRF_K + share_rank[i])), pos, hit)
                 for i, (_, pos, hit) in enumerate(keyed)]
    keyed.sort(key=lambda item: (item[0], item[1]))
    return [replace(hit, rank=rank) for rank, (_, _, hit) in enumerate(keyed, start=1)]
