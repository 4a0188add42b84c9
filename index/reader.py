"""Read plain-text files: detect the encoding, never guess silently wrong.

Accepted: UTF-8 (with or without BOM), UTF-16 (with BOM, or BOM-less if the NUL pattern is clear),
GB18030 (a superset of GBK/GB2312). A file that decodes under none of them, a binary file or an empty
file raises ``SourceError`` naming the file; ``read_paths`` reports it and reads the rest.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TEXT_SUFFIXES = {".txt", ".md", ".text", ""}


class SourceError(ValueError):
    """A source file that cannot be read as text; the message names the file and the fix."""


@dataclass(frozen=True)
class SourceFile:
    """A file as read: ``text`` is the decoded original; every offset in planqa refers to it."""

    path: Path
    name: str  # what citations show: the file name
    text: str
    encoding: str


def _looks_binary(raw: bytes) -> bool:
    sample = raw[:8192]
    if b"\x00" in sample:
        return True
    control = sum(b < 9 or 13 < b < 32 for b in sample)
    return control > len(sample) * 0.05


def _printable_share(text: str) -> float:
    good = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
    return good / max(1, len(text))


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 without a byte-order mark: NUL bytes in a file that decodes cleanly as UTF-16."""
    sample = raw[:4096]
    if b"\x00" not in sample or len(raw) % 2:
        return None
    best, best_share = None, 0.0
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            share = _printable_share(raw.decode(encoding))
        except UnicodeDecodeError:
            continue
        if share > best_share:
            best, best_share = encoding, share
    return best if best_share >= 0.95 else None


def decode(raw: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """Decode ``raw``; returns ``(text, encoding)`` or raises ``SourceError``."""
    if not raw.strip():
        raise SourceError(f"{name}: the file is empty; remove it or give it text")
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise SourceError(f"{name}: has a UTF-16 byte-order mark but is not valid UTF-16 ({exc})") from exc
    bomless = _utf16_without_bom(raw)
    if bomless:
        try:
            return raw.decode(bomless), bomless
        except UnicodeDecodeError:
            pass
    if _looks_binary(raw):
        raise SourceError(f"{name}: looks like a binary file, not text; convert it to UTF-8 text first")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{name}: is neither UTF-8, UTF-16 nor GB18030/GBK; re-save it as UTF-8 ({exc.reason} "
            f"at byte {exc.start})"
        ) from exc
    # GB18030 decodes almost any byte string; accept it only if the result reads as Chinese text.
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    if cjk < max(1, len(text) * 0.2) or "\ufffd" in text:
        raise SourceError(f"{name}: could not be decoded with confidence; re-save it as UTF-8")
    return text, "gb18030"


def read_file(path: str | Path) -> SourceFile:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    text, encoding = decode(path.read_bytes(), str(path))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceFile(path=path, name=path.name, text=text, encoding=encoding)


def iter_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and text files under folders named (sorted; hidden files skipped)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(
                f for f in p.rglob("*")
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
                and f.suffix.lower() in TEXT_SUFFIXES
            )
        elif p.exists():
            files.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")
    return files


def read_paths(paths: Iterable[str | Path]) -> tuple[list[SourceFile], list[str]]:
    """Read every file; returns the files read and one message per file skipped."""
    read: list[SourceFile] = []
    errors: list[str] = []
    for f in iter_files(paths):
        try:
            read.append(read_file(f))
        except SourceError as exc:
            errors.append(str(exc))
    return read, errors
