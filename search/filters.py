"""The user's filters (documents, region, year) as a mask over the index's chunks.

Filters act inside retrieval, before the top-k, so a filtered search returns ``k`` passages of the
chosen documents rather than the few of them that made an unfiltered top-k.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from index.normalize import normalize
from index.types import Document


def allowed_chunks(
    documents: Sequence[Document],
    chunk_docs: np.ndarray,
    doc_ids: Sequence[str] | None = None,
    region: str | None = None,
    year: int | None = None,
    known: Mapping[str, Document] | None = None,
) -> np.ndarray | None:
    """Boolean mask over chunks (``chunk_docs``: each chunk's document id) for the filters; None: no filter.

    ``region`` matches a document whose region or title contains it (after normalisation, so 深圳 matches
    深圳市 and 深圳市罗湖区); ``year`` one whose years span it.

    Raises:
        ValueError: a document id the index does not hold (``known``: the index's documents by id).
    """
    if not doc_ids and not region and year is None:
        return None
    docs = list(documents)
    if doc_ids:
        known = known if known is not None else {d.doc_id: d for d in documents}
        missing = [d for d in doc_ids if d not in known]
        if missing:
            raise ValueError(f"unknown document id(s) {', '.join(missing)}; `planqa docs` lists them")
        docs = [d for d in docs if d.doc_id in set(doc_ids)]
    if region:
        key = normalize(region).strip()
        docs = [d for d in docs if key in normalize(d.region or "") or key in normalize(d.title)]
    if year is not None:
        docs = [d for d in docs if d.years and d.years[0] <= year <= d.years[1]]
    return np.isin(chunk_docs, [d.doc_id for d in docs])
