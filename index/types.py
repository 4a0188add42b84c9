"""What an index stores: documents, their outline sections and the chunks (passages) that are searched."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Document:
    """One plan inside a source file. ``start``/``end`` are offsets into the file's original text."""

    doc_id: str
    title: str
    source: str
    start: int
    end: int
    region: str | None = None
    years: tuple[int, int] | None = None
    issuer: str | None = None  # issuing body: 广州市人民政府办公厅
    doc_number: str | None = None  # 文号: 穗府办规〔2024〕13号
    date: str | None = None  # ISO date the document was signed or issued: 2024-07-26
    draft: bool = False  # a draft for comment (征求意见稿), as its title says

    @property
    def chars(self) -> int:
        return self.end - self.start

    def to_dict(self) -> dict:
        d = asdict(self)
        d["years"] = list(self.years) if self.years else None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Document:
        d = dict(d)
        d.pop("chars", None)
        d["years"] = tuple(d["years"]) if d.get("years") else None
        return cls(**d)


@dataclass(frozen=True)
class Section:
    """A heading of a document's outline. ``level`` orders the ladder (篇 < 章 < 节 < 一、 < （一） …)."""

    doc_id: str
    heading: str
    level: int
    path: tuple[str, ...]
    start: int
    end: int
    kind: str = "heading"  # heading | box (专栏) | table (表N) | annex (附件)


@dataclass(frozen=True)
class Chunk:
    """A passage: a contiguous slice ``[start, end)`` of the original file text of ``source``.

    ``text`` is the cleaned slice (noise removed, original characters kept); ``context`` is what is
    shown above it and indexed with it (document title, section path, table title and header).
    """

    chunk_id: str
    doc_id: str
    doc_title: str
    section_path: tuple[str, ...]
    text: str
    source: str
    start: int
    end: int
    context: str = ""
    kind: str = "text"  # text | table | box
    pages: tuple[int, ...] = ()  # PDF pages the passage lies on (cite as p. N)
    ocr: bool = False  # read by OCR from a page without a text layer

    def to_dict(self) -> dict:
        d = asdict(self)
        d["section_path"] = list(self.section_path)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Chunk:
        d = dict(d)
        d["section_path"] = tuple(d["section_path"])
        d["pages"] = tuple(d.get("pages", ()))
        return cls(**d)
