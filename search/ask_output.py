"""What ``planqa ask`` prints beyond the answer sentence: batch records, the table of a table-row answer,
the English→Chinese term map and the understood question, as JSON lines or plain text."""

from __future__ import annotations

from collections.abc import Iterator

from search.types import AskResult, TableAnswer


def batch_records(engine, path: str, k: int = 10) -> Iterator[dict]:
    """One record per question of the JSONL file ``path`` (``id``, ``question``), answered by one engine
    (one model load for the whole file): ``{"id", "question", "answer", "reason", "understood", "hits"}``."""
    from search.evaluate import read_questions

    for number, row in enumerate(read_questions(path, need_answers=False), start=1):
        result = engine.ask(row["question"], k=k)
        yield {"id": row.get("id", str(number)), **result.to_dict()}


def table_text(table: TableAnswer) -> str:
    """The row under its header, one ``column: cell`` per line, the answering cell marked ``«»`` and ◀."""
    lines = []
    for i, (name, cell) in enumerate(zip(table.header, table.cells, strict=True)):
        mark = f"«{cell}» ◀" if i == table.column else cell
        lines.append(f"{name or '–'}: {mark}")
    return "\n".join(lines)


def understood_text(result: AskResult) -> str:
    """``place 深圳市 · period 2025 · target`` (what the answer was chosen by), "" when nothing was read."""
    u = result.understood
    if u is None:
        return ""
    parts = [f"place {p.name}{'' if p.covered else ' (not in the index)'}" for p in u.places]
    if u.period:
        parts.append(f"period {u.period}")
    if u.indicator:
        parts.append(f"indicator {u.indicator}")
    if u.aim:
        parts.append(u.aim)
    if u.which_plan:
        parts.append("which plan")
    return " · ".join(parts)


def answer_lines(result: AskResult) -> list[str]:
    """The text lines of an answer card (or of its absence), before the passages."""
    lines = []
    understood = understood_text(result)
    if understood:
        lines.append(f"Understood: {understood}")
    if result.answer is None:
        lines.append(f"No answer: {result.reason}.")
        return lines
    answer = result.answer
    lines.append(f"Answer: {answer.text}")
    lines.append(f"    {answer.citation}  (chunk {answer.chunk_id})")
    if answer.table is not None:
        lines += ["    " + line for line in table_text(answer.table).split("\n")]
    if answer.mapped:
        lines.append("    Terms: " + "; ".join(f"{en} → {'/'.join(zh)}" for en, zh in answer.mapped))
    if answer.read_as:
        lines.append("    Read as: " + "; ".join(f"{en} → {'/'.join(zh)}" for en, zh in answer.read_as))
    if answer.gloss:
        lines.append("    In English: " + "; ".join(f"{field}: {english}" for field, english in answer.gloss))
    return lines
