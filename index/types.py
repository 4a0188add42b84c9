"""The one set of result types, passed unchanged from reader to retriever to UI."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


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

    def to_dict(self) -> dict:
        d = asdict(self)
        d["section_path"] = list(self.section_path)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Chunk:
        d = dict(d)
        d["section_path"] = tuple(d["section_path"])
        return cls(**d)


@dataclass(frozen=True)
class Span:
    """A highlighted range of ``Chunk.text`` (offsets into the text, not the file)."""

    start: int
    end: int
    kind: str = "term"  # term | answer | match | number


@dataclass(frozen=True)
class Citation:
    """Where a passage or sentence comes from: checkable by slicing ``source`` at ``start:end``."""

    doc_id: str
    doc_title: str
    section_path: tuple[str, ...]
    source: str
    start: int
    end: int

    def __str__(self) -> str:
        path = " › ".join(p for p in self.section_path if p != self.doc_title)
        head = f"《{self.doc_title}》" + (path if path else "")
        return f"{head} [{self.source}:{self.start}-{self.end}]"


@dataclass(frozen=True, eq=False)
class Hit:
    """A retrieved chunk. ``ranks``/``scores`` keep what each retriever said (None: not retrieved by it)."""

    chunk: Chunk
    score: float
    rank: int
    ranks: dict[str, int | None] = field(default_factory=dict)
    scores: dict[str, float | None] = field(default_factory=dict)
    highlights: tuple[Span, ...] = ()

    def to_dict(self) -> dict:
        """The JSON shape of the CLI: exactly the fields the issue names."""
        c = self.chunk
        return {
            "chunk_id": c.chunk_id,
            "doc_id": c.doc_id,
            "doc_title": c.doc_title,
            "section_path": list(c.section_path),
            "context": c.context,
            "text": c.text,
            "source": c.source,
            "start": c.start,
            "end": c.end,
            "score": round(float(self.score), 6),
            "ranks": dict(self.ranks),
        }


@dataclass(frozen=True)
class Answer:
    """An extractive answer: verbatim sentence(s) of a chunk with their location."""

    text: str
    chunk_id: str
    start: int  # offsets into the original source file
    end: int
    citation: Citation
    score: float
    text_start: int = 0  # offsets into the chunk's text, for highlighting
    text_end: int = 0
