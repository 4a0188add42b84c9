"""What an index keeps to show a PDF's page as printed: the original file and a map from text offsets to
rectangles on its pages.

The map is the PDF reader's own (``PageSpan.lines``: one box per printed line, as fractions of the
page), so its page numbers are the ones citations give (``Chunk.pages``). A passage's rectangles are
the lines it overlaps, cut across where it starts or ends inside a line, in proportion to the
characters: Chinese type is set on a fixed pitch, so this lands within a character or two of the
glyph boxes at a fraction of their size (one box per line, not per character: 6 numbers per ~26
characters). Kept under ``pages/<source>/`` beside ``sources/``::

    pages/<source>/original.pdf   the file's bytes as read
    pages/<source>/map.json       {"page_count": N, "pages": [{"page", "start", "end", "ocr", "lines": [[start,
                                  end, left, top, right, bottom], …]}, …]}

Both are listed with their sha256 in the manifest like every other file, and read back checked. An
index built without them (older builds, formats other than PDF) simply has no page view.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from index.folder import source_path
from index.formats.common import LineBox, PageSpan

PAGES = "pages"
ORIGINAL = "original.pdf"
MAP = "map.json"


@dataclass(frozen=True)
class PageMark:
    """A rectangle on page ``page`` in fractions of the page (``left``/``top`` from the top left corner)."""

    page: int
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class PageMap:
    """Where each character range of a PDF's extracted text lies on its pages."""

    pages: tuple[PageSpan, ...]
    page_count: int

    def pages_of(self, start: int, end: int) -> tuple[int, ...]:
        """Pages ``[start, end)`` lies on, as ``index.reader.SourceFile.pages_of`` (and so ``Chunk.pages``)."""
        return tuple(sorted({p.page for p in self.pages if p.start < max(end, start + 1) and start < p.end}))

    def marks(self, start: int, end: int) -> list[PageMark]:
        """The rectangles of ``[start, end)``: one per printed line it overlaps, in reading order."""
        found: list[PageMark] = []
        for span in self.pages:
            if not (span.start < end and start < span.end):
                continue
            for line in span.lines:
                a, b = max(start, line.start), min(end, line.end)
                if a >= b:
                    continue
                chars = max(1, line.end - line.start)
                width = line.right - line.left
                left = line.left + width * (a - line.start) / chars
                right = line.left + width * (b - line.start) / chars
                found.append(PageMark(span.page, round(left, 4), line.top, round(right - left, 4),
                                      round(line.bottom - line.top, 4)))
        return found

    def to_dict(self) -> dict:
        return {"page_count": self.page_count, "pages": [
            {"page": p.page, "start": p.start, "end": p.end, "ocr": p.ocr,
             "lines": [[x.start, x.end, x.left, x.top, x.right, x.bottom] for x in p.lines]} for p in self.pages]}

    @classmethod
    def from_dict(cls, d: dict) -> PageMap:
        pages = tuple(PageSpan(p["start"], p["end"], p["page"], bool(p.get("ocr")),
                               tuple(LineBox(*line) for line in p.get("lines", ()))) for p in d["pages"])
        return cls(pages, int(d["page_count"]))


@dataclass(frozen=True)
class PagesKept:
    """What the next index keeps for a PDF source: the file to copy its bytes from, and its map."""

    original: Path
    map: PageMap


def pages_of_file(src) -> PagesKept | None:
    """For an ``index.reader.SourceFile`` read from a PDF: its file and map; None for other formats."""
    if src.fmt != "pdf" or not src.pages:
        return None
    return PagesKept(Path(src.path), PageMap(tuple(src.pages), src.page_count or max(p.page for p in src.pages)))


def folder_of(source: str) -> PurePosixPath:
    """``pages/<source>`` (a plain relative path: ``source_path`` refuses ``..`` and absolute names)."""
    return PurePosixPath(PAGES) / source_path(source)


def kept_pages(index: Path | None, manifest: dict, source: str) -> PagesKept | None:
    """A stored index's page files of ``source`` (for an update that keeps the file), or None."""
    if index is None:
        return None
    folder = folder_of(source)
    files = manifest.get("files", {})
    if f"{folder}/{ORIGINAL}" not in files or f"{folder}/{MAP}" not in files:
        return None
    try:
        page_map = read_map(index, manifest, source)
    except (OSError, ValueError):  # edited since: the update goes on, that file without its page view
        return None
    return PagesKept(index / folder / ORIGINAL, page_map) if page_map else None


def write_pages(folder: Path, kept: dict[str, PagesKept]) -> None:
    """``pages/<source>/original.pdf`` and ``map.json`` of every PDF source into an index being written."""
    for source, pages in kept.items():
        target = folder / folder_of(source)
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pages.original, target / ORIGINAL)
        text = json.dumps(pages.map.to_dict(), ensure_ascii=False, separators=(",", ":"))
        (target / MAP).write_bytes(text.encode("utf-8"))


def _checked(index: Path, manifest: dict, name: str) -> bytes | None:
    """The bytes of index file ``name`` if the manifest lists it and its sha256 matches, else None."""
    entry = manifest.get("files", {}).get(name)
    if entry is None:
        return None
    raw = (index / name).read_bytes()
    if hashlib.sha256(raw).hexdigest() != entry.get("sha256"):
        raise ValueError(f"{index / name} was edited since the index was built (checksum differs); "
                         f"rebuild with `planqa build`")
    return raw


def read_map(index: Path, manifest: dict, source: str) -> PageMap | None:
    """The page map of ``source`` in the index at ``index``, checked; None if it keeps none.

    Raises:
        ValueError: the name could leave the folder, or the file was edited since the build.
    """
    raw = _checked(index, manifest, f"{folder_of(source)}/{MAP}")
    return PageMap.from_dict(json.loads(raw.decode("utf-8"))) if raw is not None else None


def read_original(index: Path, manifest: dict, source: str) -> bytes | None:
    """The PDF bytes of ``source`` kept in the index, checked; None if it keeps none (same errors)."""
    return _checked(index, manifest, f"{folder_of(source)}/{ORIGINAL}")
