"""Document formats: the kind of a file decided by its content, and one reader per kind.

``sniff`` looks at the bytes (``%PDF``, a zip holding ``word/document.xml``, an OLE compound file
holding a ``WordDocument`` stream, HTML markup), never at the extension alone: a ``.txt`` that is a
PDF is read as PDF, a ``.html`` that is plain text as text, a ``.png`` is refused as an image.
``extract`` runs the reader and returns ``Extracted``.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

from index.formats.common import Block, Extracted, PageSpan, SourceError

__all__ = ["Block", "Extracted", "PageSpan", "SourceError", "extract", "sniff"]

_OLE = bytes.fromhex("D0CF11E0A1B11AE1")
_IMAGES = {b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
           b"BM": "a bitmap image", b"II*\x00": "a TIFF image", b"MM\x00*": "a TIFF image",
           b"RIFF": "a media file", b"\x1f\x8b": "a gzip archive", b"7z\xbc\xaf": "a 7-Zip archive",
           b"Rar!": "a RAR archive", b"{\\rtf": "an RTF document", b"\x7fELF": "a program"}
_HTML = re.compile(rb"^\s*(<!--.*?-->\s*)*(<!doctype\s+html|<html|<head|<body|<meta\s)", re.IGNORECASE | re.DOTALL)
_MARKDOWN = {".md", ".markdown", ".mdown"}


def sniff(raw: bytes, name: str = "") -> str:
    """``pdf | docx | doc | html | markdown | text``, or raises ``SourceError`` naming what it is."""
    head = raw[:1024].lstrip(b"\xef\xbb\xbf")
    if raw[:1024].lstrip().startswith(b"%PDF"):
        return "pdf"
    if raw.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(raw)).namelist())
        except zipfile.BadZipFile as exc:
            raise SourceError(f"{name}: is a damaged zip file ({exc})") from exc
        if "word/document.xml" in names:
            return "docx"
        kind = ("a spreadsheet" if "xl/workbook.xml" in names else
                "a presentation" if "ppt/presentation.xml" in names else
                "an OpenDocument file; save it as .docx" if "content.xml" in names else "a zip archive")
        raise SourceError(f"{name}: is {kind}, not a document planqa reads (PDF, Word, HTML, Markdown, text)")
    if raw.startswith(_OLE):
        if "WordDocument".encode("utf-16-le") in raw[:1 << 20] or b"W\x00o\x00r\x00d\x00D" in raw:
            return "doc"
        raise SourceError(f"{name}: is an Office file other than Word (Excel or PowerPoint); save its text "
                          f"as .docx or .txt")
    for magic, kind in _IMAGES.items():
        if raw.startswith(magic):
            hint = "; OCR it or export its text first" if "image" in kind else ""
            raise SourceError(f"{name}: is {kind}, not a document planqa reads{hint}")
    if _HTML.match(head) or (PurePath(name).suffix.lower() in (".html", ".htm", ".shtml", ".xhtml")
                             and re.search(rb"<(p|div|table|br)\b", raw[:65536], re.IGNORECASE)):
        return "html"
    return "markdown" if PurePath(name).suffix.lower() in _MARKDOWN else "text"


def _html_encoding(raw: bytes) -> str | None:
    match = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?([\w-]+)", raw[:4096], re.IGNORECASE)
    if not match:
        return None
    declared = match.group(1).decode("ascii").lower()
    # pages labelled gb2312 routinely hold GBK characters; GB18030 is the superset of both
    return "gb18030" if declared in ("gb2312", "gbk", "gb_2312-80", "x-gbk") else declared


def extract(raw: bytes, name: str) -> Extracted:
    """The text of a file's bytes as it will be cited, with its position map."""
    fmt = sniff(raw, name)
    if fmt == "pdf":
        from index.formats.pdf import read_pdf

        return read_pdf(raw, name)
    if fmt == "docx":
        from index.formats.docx import read_docx

        return read_docx(raw, name)
    if fmt == "doc":
        from index.formats.doc import read_doc

        return read_doc(raw, name)
    from index.formats.text import decode, read_text

    if fmt == "html":
        from index.formats.html import read_html

        declared = _html_encoding(raw)
        try:
            text, encoding = (raw.decode(declared), declared) if declared else decode(raw, name)
        except (LookupError, UnicodeDecodeError):
            text, encoding = decode(raw, name)
        extracted = read_html(raw, name, text)
        return Extracted(**{**extracted.__dict__, "encoding": encoding})
    return read_text(raw, name, fmt)
