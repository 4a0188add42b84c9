"""Citations users can paste into a report, and the way from passage offsets back to the source file.

A citation reads ``《深圳市食品药品安全“十四五”规划》二、指导思想和主要目标 › （二）主要目标 [file:start-end]``:
the document title in 《》, its section path joined with " › ", then the source file and the character
range, so anyone can check it by slicing the file. ``chunk_id`` identifies the passage stably.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from index.clean import clean
from index.types import Chunk
from search.types import Citation

SourceText = Callable[[str], str | None]  # file name -> the file's original text (None: not available)


def format_citation(citation: Citation, location: bool = True) -> str:
    """``《title》section › subsection`` and, with ``location``, `` [source:start-end]``.

    One format everywhere (CLI, JSON, app): ``Citation.head`` / ``str(Citation)``, which leave out a
    draft marker ending the title.
    """
    return str(citation) if location else citation.head()


def text_to_original(chunk: Chunk, start: int, end: int, source_text: SourceText | None = None) -> tuple[int, int]:
    """Map ``[start, end)`` of ``chunk.text`` to offsets into the original source file.

    ``chunk.text`` is ``clean(original[chunk.start:chunk.end]).text``, so cleaning the slice again gives
    each character's original offset. Without the source text (or if the file changed since the index
    was built) the offsets are counted from ``chunk.start``, exact when cleaning removed nothing.

    Raises:
        ValueError: the range is empty or outside the chunk text.
    """
    if not 0 <= start < end <= len(chunk.text):
        raise ValueError(f"bad range {start}:{end} of chunk {chunk.chunk_id} ({len(chunk.text)} characters)")
    original = source_text(chunk.source) if source_text else None
    if original is not None:
        cleaned = clean(original[chunk.start:chunk.end])
        if cleaned.text == chunk.text:
            a, b = cleaned.span_to_original(start, end)
            return chunk.start + a, chunk.start + b
    return chunk.start + start, min(chunk.end, chunk.start + end)


def neighbours(chunks: Sequence[Chunk], chunk_id: str, context: int = 1) -> list[Chunk]:
    """The passage ``chunk_id`` with up to ``context`` passages of its section (subsections included)
    on each side, in file order.

    Raises:
        ValueError: no chunk has that id, or ``context`` is negative.
    """
    if context < 0:
        raise ValueError(f"context must be 0 or more, got {context}")
    target = next((c for c in chunks if c.chunk_id == chunk_id), None)
    if target is None:
        raise ValueError(f"no passage with chunk_id {chunk_id!r}: copy an id from `planqa search --json`")
    # the section is the target's, subsections included (a table or box under （二）主要目标)
    depth = len(target.section_path)
    same = sorted(
        (c for c in chunks if c.doc_id == target.doc_id and c.section_path[:depth] == target.section_path),
        key=lambda c: (c.start, c.end),
    )
    i = next(i for i, c in enumerate(same) if c.chunk_id == chunk_id)
    return same[max(0, i - context): i + context + 1]


class SourceTexts:
    """File name → the original text the index was built from, found lazily and verified.

    Looked for in the index folder's ``sources/`` (if the index keeps copies), then by name under
    ``folders`` (those the corpus was read from, e.g. ``seeds/``). A file is accepted only if cleaning
    its slices reproduces its chunks' texts, so an edited or different file is never used to cite:
    callers then fall back to offsets counted inside the chunk.
    """

    def __init__(self, chunks: Sequence[Chunk], folders: Iterable[str | Path] = (), index: Path | None = None):
        self._probes: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            self._probes.setdefault(chunk.source, []).append(chunk)
        for name, probes in self._probes.items():  # first, middle and last chunk of each file
            self._probes[name] = [probes[0], probes[len(probes) // 2], probes[-1]]
        self._folders = [Path(f) for f in folders]
        if index is not None:
            self._folders.insert(0, Path(index) / "sources")
        self._texts: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def _find(self, name: str) -> str | None:
        from index.reader import SourceError, read_file

        for folder in self._folders:
            candidates = [folder / name] + (sorted(folder.rglob(name)) if folder.is_dir() else [])
            for path in candidates:
                if not path.is_file():
                    continue
                try:
                    text = read_file(path).text
                except (OSError, SourceError):
                    continue
                if all(clean(text[c.start:c.end]).text == c.text for c in self._probes.get(name, [])):
                    return text
        return None

    def __call__(self, name: str) -> str | None:
        with self._lock:
            if name not in self._texts:
                self._texts[name] = self._find(name) if name in self._probes else None
            return self._texts[name]
