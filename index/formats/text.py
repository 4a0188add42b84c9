"""Plain text and Markdown: detect the encoding, never guess silently wrong; line ends become LF.

Accepted: UTF-8 (with or without BOM), UTF-16 (with BOM, or BOM-less if the NUL pattern is clear),
GB18030 (a superset of GBK/GB2312) and Big5. Bytes that are valid in both GB18030 and Big5 are decided
by charset-normalizer; Latin-1 and other single-byte encodings are refused (no Chinese plan is
written in them, and they decode any byte string).
"""

from __future__ import annotations

import codecs

from index.formats.common import Extracted, SourceError


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


def _cjk_share(text: str) -> float:
    return sum("\u4e00" <= ch <= "\u9fff" for ch in text) / max(1, len(text))


def _double_byte(raw: bytes, name: str, utf8_error: str) -> tuple[str, str]:
    """GB18030 or Big5. Either decodes much of the other's bytes into real but wrong characters, so
    when both decode, charset-normalizer (which scores the result as language) decides."""
    decoded: dict[str, str] = {}
    for encoding in ("gb18030", "big5"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        # GB18030 decodes almost any byte string; accept a result only if it reads as Chinese text.
        if _cjk_share(text) >= 0.2 and "\ufffd" not in text:
            decoded[encoding] = text
    if not decoded:
        try:
            raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"{name}: is neither UTF-8 (not from {utf8_error}), UTF-16, GB18030/GBK nor Big5; "
                "re-save it as UTF-8"
            ) from exc
        raise SourceError(f"{name}: could not be decoded with confidence (not UTF-8 from {utf8_error}); "
                          "re-save it as UTF-8")
    if len(decoded) == 1:
        encoding = next(iter(decoded))
        return decoded[encoding], encoding
    from charset_normalizer import from_bytes

    best = from_bytes(raw, cp_isolation=["gb18030", "big5"]).best()
    encoding = "big5" if best is not None and best.encoding == "big5" else "gb18030"
    return decoded[encoding], encoding


def _where(raw: bytes, exc: UnicodeDecodeError) -> str:
    """Where decoding failed, as a person finds it in an editor or a hex dump: the byte offset of the
    first bad byte from the start of the file (0-based), its value, and its line (1-based)."""
    line = raw.count(b"\n", 0, exc.start) + 1
    return f"byte {exc.start} (0x{raw[exc.start]:02x}), line {line}"


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
    except UnicodeDecodeError as exc:
        return _double_byte(raw, name, _where(raw, exc))


def read_text(raw: bytes, name: str, fmt: str = "text") -> Extracted:
    text, encoding = decode(raw, name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise SourceError(f"{name}: holds only whitespace; remove it or give it text")
    return Extracted(text=text, fmt=fmt, encoding=encoding)
