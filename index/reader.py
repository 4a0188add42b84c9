"""Read files and folders into ``SourceFile``s, reporting every file taken, skipped or partly read.

A file's kind is decided by its content (``index.formats.sniff``): PDF, DOCX, legacy DOC, HTML,
Markdown or plain text. ``SourceFile.text`` is the document text as it will be cited (for PDF, DOCX,
DOC and HTML the extracted text); every offset in planqa refers to it, and ``pages``/``blocks`` map
it back to the original's pages and paragraphs. A folder walk names each file by its path relative to
the folder (``2024/plan.pdf``), so same-named files in different folders stay distinct; symlinks that
lead outside the folder are not followed. ``read_paths`` returns one ``FileReport`` per file found.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from index.formats import Block, PageSpan, SourceError, extract
from index.formats.text import decode

__all__ = ["FileReport", "SourceError", "SourceFile", "decode", "iter_files", "read_file", "read_paths", "walk"]


@dataclass(frozen=True)
class SourceFile:
    """A file as read. ``name`` is what citations show: the path relative to the folder it was found
    in (posix), or the file's own name when it was given directly."""

    path: Path
    name: str
    text: str
    encoding: str
    fmt: str = "text"  # text | markdown | pdf | docx | doc | html
    pages: tuple[PageSpan, ...] = ()  # PDF: the page of each range of ``text``
    blocks: tuple[Block, ...] = ()  # DOCX/HTML: the paragraph or table row of each range
    title_hint: str | None = None  # the page's <title>/<h1>, a DOCX Title paragraph
    notes: tuple[str, ...] = ()  # problems in plain words (pages without text, lines left out)
    partial: bool = False  # some of the file could not be read
    page_count: int = 0
    pages_empty: tuple[int, ...] = ()  # pages with no text read from them

    def pages_of(self, start: int, end: int) -> tuple[int, ...]:
        """Pages that characters ``[start, end)`` of ``text`` lie on (empty for formats without pages)."""
        return tuple(sorted({p.page for p in self.pages if p.start < max(end, start + 1) and start < p.end}))

    def ocr_in(self, start: int, end: int) -> bool:
        """Was any of ``[start, end)`` read by OCR?"""
        return any(p.ocr and p.start < max(end, start + 1) and start < p.end for p in self.pages)


@dataclass(frozen=True)
class FileReport:
    """What happened to one file: ``taken``, ``partial`` (some pages or lines unread) or ``skipped``."""

    name: str
    path: str
    status: str
    reason: str = ""
    fmt: str = ""
    chars: int = 0
    pages: int = 0
    pages_ocr: tuple[int, ...] = ()
    pages_empty: tuple[int, ...] = ()

    @classmethod
    def of(cls, src: SourceFile) -> FileReport:
        """The report of a file read: taken, or partial with what could not be read."""
        ocr = tuple(sorted({p.page for p in src.pages if p.ocr}))
        return cls(src.name, str(src.path), "partial" if src.partial else "taken", "; ".join(src.notes), src.fmt,
                   len(src.text), src.page_count, ocr, src.pages_empty)

    @property
    def message(self) -> str:
        """One line for the build output: ``plan.pdf: skipped: …``."""
        if self.status == "taken":
            ocr = f", pages {_ranges(self.pages_ocr)} by OCR" if self.pages_ocr else ""
            return f"{self.name}: taken ({self.fmt}, {self.chars:,} characters{ocr})"
        return f"{self.name}: {'partly read' if self.status == 'partial' else 'skipped'}: {self.reason}"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["pages_ocr"], d["pages_empty"] = list(self.pages_ocr), list(self.pages_empty)
        return d


def _ranges(pages: Iterable[int]) -> str:
    return ", ".join(map(str, pages))


def read_file(path: str | Path, name: str | None = None) -> SourceFile:
    """Read one file of any supported format; raises ``SourceError`` (naming the file) if it cannot."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    name = name or path.name
    extracted = extract(path.read_bytes(), name)
    return SourceFile(path=path, name=name, text=extracted.text, encoding=extracted.encoding, fmt=extracted.fmt,
                      pages=extracted.pages, blocks=extracted.blocks, title_hint=extracted.title_hint,
                      notes=extracted.notes, partial=extracted.partial, page_count=extracted.page_count,
                      pages_empty=extracted.pages_empty)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def walk(paths: Iterable[str | Path]) -> tuple[list[tuple[Path, str]], list[FileReport]]:
    """Every file under the folders named (and every file named): ``(path, name)`` with ``name``
    relative to its folder, sorted; plus a report for each symlink not followed because it leads
    outside its folder. Hidden files and folders are passed over."""
    found: list[tuple[Path, str]] = []
    refused: list[FileReport] = []
    seen: set[Path] = set()
    for p in map(Path, paths):
        if not p.exists() and not p.is_symlink():
            raise FileNotFoundError(f"{p}: no such file or folder")
        if not p.is_dir():
            if p.resolve() not in seen:
                seen.add(p.resolve())
                found.append((p, p.name))
            continue
        root = p.resolve()
        for folder, dirs, files in os.walk(p, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            here = Path(folder)
            for entry in [here / d for d in dirs if (here / d).is_symlink()] + \
                         [here / f for f in sorted(files) if not f.startswith(".")]:
                name = entry.relative_to(p).as_posix()
                target = entry.resolve()
                if entry.is_symlink() and not _inside(target, root):
                    refused.append(FileReport(name, str(entry), "skipped",
                                              f"a symlink leading outside the folder ({target}); not followed"))
                    continue
                if entry.is_symlink() or entry.is_dir() or target in seen:
                    continue  # a link to a folder or file inside the root: read where it lies
                seen.add(target)
                found.append((entry, name))
    found.sort(key=lambda f: f[1])
    return found, refused


def iter_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and files under folders named (sorted; hidden files and outside symlinks skipped)."""
    return [path for path, _ in walk(paths)[0]]


def read_paths(paths: Iterable[str | Path]) -> tuple[list[SourceFile], list[FileReport]]:
    """Read every file; returns the files read and one report per file found (taken, partial or skipped)."""
    found, reports = walk(paths)
    read: list[SourceFile] = []
    for path, name in found:
        try:
            src = read_file(path, name)
        except SourceError as exc:
            reason = str(exc).removeprefix(f"{name}: ")
            reports.append(FileReport(name, str(path), "skipped", reason))
            continue
        read.append(src)
        reports.append(FileReport.of(src))
    order = {name: i for i, (_, name) in enumerate(found)}
    reports.sort(key=lambda r: order.get(r.name, -1))
    return read, reports
