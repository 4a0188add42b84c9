"""The Export buttons: an answer with its passages, or a comparison, as a CSV or Markdown file."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app_tabs.ask import check_question
from app_tabs.chips import parse_ignore
from search import render_export


def export_file(name: str, text: str) -> str:
    folder = Path(tempfile.mkdtemp(prefix="planqa-export-"))
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def export_ask(engine: Any, question: str | None, doc_ids: Sequence[str] | None, region: str | None,
               fmt: str = "csv", ignore: str | Sequence[str] | None = ()) -> str | None:
    """The answer and passages of ``question`` as a CSV or Markdown file (its path), None for a bad question."""
    if check_question(question):
        return None
    result = engine.ask(question.strip(), k=10, doc_ids=list(doc_ids or []) or None, region=region or None,
                        ignore=parse_ignore(ignore))
    rows = render_export.ask_rows(result)
    if fmt == "md":
        return export_file("planqa-answer.md", render_export.to_markdown(question, rows, render_export.ASK_FIELDS))
    return export_file("planqa-answer.csv", render_export.to_csv(rows, render_export.ASK_FIELDS))


def export_compare(engine: Any, question: str | None, doc_ids: Sequence[str] | None, fmt: str = "csv") -> str | None:
    if check_question(question) or (doc_ids and len(doc_ids) == 1):
        return None
    comparison = engine.compare(question.strip(), doc_ids=list(doc_ids) if doc_ids else None)
    rows = render_export.comparison_rows(comparison)
    if fmt == "md":
        return export_file("planqa-compare.md",
                            render_export.to_markdown(question, rows, render_export.COMPARE_FIELDS))
    return export_file("planqa-compare.csv", render_export.to_csv(rows, render_export.COMPARE_FIELDS))
