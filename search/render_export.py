"""Exports of what a tab shows, as CSV (opens in Excel: UTF-8 with BOM) and Markdown (pastes into a memo).

Rows keep the exact location (source file and character offsets) so an exported figure can be checked.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from search.render import citation_text, is_draft, page_of
from search.types import AskResult, Citation, Comparison, join_path

ASK_FIELDS = ("rank", "answer", "document", "draft", "section", "page", "text", "citation", "source", "start", "end")
COMPARE_FIELDS = ("document", "answer", "numbers", "citation", "source", "start", "end")


def ask_rows(result: AskResult) -> list[dict]:
    """The answer (rank 0, when there is one) and the passages, one row each."""
    rows = []
    answer = result.answer
    if answer is not None:
        c = answer.citation
        rows.append(_row(0, True, c, answer.text, None))
    for hit in result.hits:
        rows.append(_row(hit.rank, False, Citation.of(hit.chunk), hit.chunk.text, page_of(hit.chunk)))
    return rows


def _row(rank: int, is_answer: bool, c: Citation, text: str, page: int | None) -> dict:
    draft = is_draft(c.doc_title)
    return {
        "rank": rank, "answer": "yes" if is_answer else "", "document": c.doc_title, "draft": "yes" if draft else "",
        "section": join_path(c.section_path, c.doc_title), "page": page or "", "text": " ".join(text.split()),
        "citation": citation_text(c, page, draft), "source": c.source, "start": c.start, "end": c.end,
    }


def comparison_rows(comparison: Comparison) -> list[dict]:
    """One row per plan: its answer sentence, the numbers it states, where the sentence is."""
    rows = []
    for column in comparison.columns:
        a = column.answer
        rows.append({
            "document": column.doc_title,
            "answer": a.text if a else "",
            "numbers": "; ".join(str(q) for q in column.numbers),
            "citation": citation_text(a.citation, None, is_draft(column.doc_title)) if a else "",
            "source": a.citation.source if a else "", "start": a.start if a else "", "end": a.end if a else "",
        })
    return rows


def to_csv(rows: Sequence[dict], fields: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(fields), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(title: str, rows: Sequence[dict], fields: Sequence[str]) -> str:
    head = "| " + " | ".join(fields) + " |\n|" + "---|" * len(fields) + "\n"
    body = "".join("| " + " | ".join(_cell(r.get(f, "")) for f in fields) + " |\n" for r in rows)
    return f"# {_cell(title)}\n\n{head}{body}"
