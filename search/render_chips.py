"""Chips: the visible state above the Ask tab's results (``#filters-active``) and questions that run when clicked.

A filter chip's × removes the filter; an understood chip's × sets that facet aside; a set-aside facet
is shown struck with a put-back button. The buttons carry ``data-pq="unfilter"`` with a kind and a value,
handed to the app by the page script (``search.render_style.HEAD``).
"""

from __future__ import annotations

from collections.abc import Sequence

from search.render import esc


def chips(
    filters: Sequence[tuple[str, str, str]],
    understood: Sequence[tuple[str, str]] = (),
    conflict: str = "",
    ignored: Sequence[tuple[str, str]] = (),
) -> str:
    """The visible state above the results (``#filters-active``).

    Args:
        filters: active filters as ``(label, kind, value)``; each chip has a remove button.
        understood: what the question was understood as, ``(label, facet)``; a chip with a facet
            (``search.understand.IGNORABLE``) has a remove button that sets that facet aside.
        conflict: one message when the filters and the question cannot all hold.
        ignored: the facets set aside, ``(label, facet)``: shown struck through, each with a put-back button.
    """
    out = "".join(_chip("pq-filter", label, kind, value, "移除 remove") for label, kind, value in filters)
    if filters:
        out = f'<span class="pq-meta">筛选 Filters:</span> {out}'
    if understood or ignored:
        out += '<span class="pq-meta">理解为 Understood as:</span> ' + "".join(
            _chip("pq-understood", label, "ignore", facet, "不按此理解 ignore") if facet
            else f'<span class="pq-chip pq-understood">{esc(label)}</span>'
            for label, facet in understood
        )
        out += "".join(
            f'<span class="pq-chip pq-ignored" data-facet="{esc(facet)}"><s>{esc(label)}</s> 已忽略 ignored'
            f'<button class="pq-btn pq-restore" data-pq="unfilter" data-kind="unignore" data-value="{esc(facet)}" '
            f'title="恢复 put back">恢复 Restore</button></span>'
            for label, facet in ignored
        )
    warn = f'<div class="pq-conflict" role="alert">{esc(conflict)}</div>' if conflict else ""
    return f'<div class="pq-chips">{out}</div>{warn}' if out or warn else ""


def _chip(css: str, label: str, kind: str, value: str, remove: str) -> str:
    """A chip with a × button; the page script sends ``kind`` and ``value`` to the app's ``unfilter``."""
    return (
        f'<span class="pq-chip {css}">{esc(label)}<button class="pq-x" data-pq="unfilter" '
        f'data-kind="{esc(kind)}" data-value="{esc(value)}" aria-label="{esc(remove)}">×</button></span>'
    )


def run_chips(questions: Sequence[str], label: str) -> str:
    """Questions as chips that run when clicked (examples, the session's history)."""
    if not questions:
        return ""
    items = "".join(
        f'<button class="pq-chip pq-run" data-pq="run" data-q="{esc(q)}">{esc(q)}</button>' for q in questions
    )
    return f'<div class="pq-runs"><span class="pq-meta">{esc(label)}</span> {items}</div>'
