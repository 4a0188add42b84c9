"""The Documents tab's upload: take files from the browser, check them, add them to the index, switch to it.

A file is checked before anything reads it: its size (``PLANQA_MAX_UPLOAD_MB``, default 50 MB) and its
content, whatever its name says (the readers' own check, ``index.formats.sniff``: PDF, DOCX, legacy DOC,
HTML, Markdown or text). Accepted files are copied under generated
names (``upload-<time>-<random>.<ext>``) into the uploads folder beside the index, so a browser-chosen
name never becomes a path; the index then gains them through ``index.library.add_files``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_MAX_MB = 50


@dataclass(frozen=True)
class Intake:
    """One uploaded file: its name as the user gave it, where it was stored (None: refused) and why."""

    name: str
    stored: Path | None
    message: str


def max_bytes() -> int:
    value = os.environ.get("PLANQA_MAX_UPLOAD_MB", "").strip()
    mb = int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_MB
    return mb * 1024 * 1024


_SUFFIX = {"pdf": "pdf", "docx": "docx", "doc": "doc", "html": "html", "markdown": "md", "text": "txt"}


def kind_of(raw: bytes, name: str = "") -> tuple[str | None, str]:
    """The stored file's suffix from its content (``index.formats.sniff``: the readers' own check), or None
    with the reason in plain words for content planqa does not read."""
    from index.formats import sniff
    from index.reader import SourceError

    try:
        kind = sniff(raw, name)
    except SourceError as exc:
        return None, str(exc).split(": ", 1)[-1]
    if kind in ("text", "markdown") and b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "is binary content, not a document planqa reads"  # UTF-16 has NUL bytes, and a byte-order mark
    return _SUFFIX[kind], ""


def intake(paths: Sequence[str | Path], folder: Path, limit: int | None = None) -> list[Intake]:
    """Check each uploaded file and copy the good ones into ``folder`` under generated names."""
    limit = max_bytes() if limit is None else limit
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for path in map(Path, paths):
        name = path.name
        size = path.stat().st_size
        if size == 0:
            out.append(Intake(name, None, "文件是空的。 The file is empty."))
            continue
        if size > limit:
            out.append(Intake(name, None, f"文件太大（{size / 2**20:.1f} MB，上限 {limit / 2**20:.0f} MB）。 "
                                          f"Too large ({size / 2**20:.1f} MB; the limit is {limit / 2**20:.0f} MB)."))
            continue
        kind, why = kind_of(path.read_bytes(), name)
        if kind is None:
            out.append(Intake(name, None, f"不是 planqa 能读的文档（PDF、Word、HTML、Markdown、文本）。 {name} {why}."))
            continue
        stored = folder / f"upload-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}.{kind}"
        shutil.copyfile(path, stored)
        out.append(Intake(name, stored, ""))
    return out


def uploads_folder(index_path: Path | None) -> Path:
    """``PLANQA_UPLOADS``, else ``uploads/`` beside the index folder."""
    configured = os.environ.get("PLANQA_UPLOADS", "").strip()
    if configured:
        return Path(configured)
    base = Path(index_path).parent if index_path else Path(".planqa")
    return base / "uploads"


def add_uploads(
    engine: Any, paths: Sequence[str | Path], progress: Callable[[str, str], None] | None = None
) -> tuple[list[tuple[str, bool, str]], bool]:
    """Check, store and index uploaded files: ``(per-file (name, added, message), index changed)``."""
    from index.library import add_files

    taken = intake(paths, uploads_folder(engine.path))
    good = [t for t in taken if t.stored is not None]
    lines = [(t.name, False, t.message) for t in taken if t.stored is None]
    if not good:
        return lines, False
    names = {t.stored.name: t.name for t in good}
    try:
        report = add_files([t.stored for t in good], index=engine.path, progress=progress)
    except (ValueError, FileNotFoundError) as exc:
        return lines + [(t.name, False, f"没有加入 Not added: {exc}") for t in good], False
    for stored, name in names.items():
        said = [p.replace(stored, name) for p in report.problems if stored in p]
        if stored in report.added or stored in report.replaced:
            lines.append((name, True, "已加入，可以提问了。 Added; you can ask about it now."))
        elif said:
            lines.append((name, False, "没有加入 Not added: " + " ".join(said)))
        else:  # the same content is indexed already (under the name it had then)
            lines.append((name, True, "索引里已有这个文件。 Already in the index."))
    return lines, bool(report.added or report.replaced)


def remove_document(engine: Any, doc_id: str) -> tuple[list[tuple[str, bool, str]], bool]:
    """Take one document out of the index: ``(report line, index changed)``."""
    from index.library import remove

    try:
        title = engine.document(doc_id).title
    except ValueError:
        return [(doc_id, False, "索引里没有这个文档。 This document is not in the index (any more).")], False
    try:
        remove(doc_id, index=engine.path)
    except ValueError as exc:  # e.g. the last document: the message says what to do instead
        return [(title, False, f"没有移除 Not removed: {exc}")], False
    return [(title, True, "已从索引中移除。 Removed from the index.")], True
