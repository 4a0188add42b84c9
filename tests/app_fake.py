"""A fake engine for the app's handler tests: the method names and result types of ``search.engine.Engine``,
over two tiny documents (one with markup in its title and text), with exact offsets into their sources.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from index.types import Chunk, Document, Section
from search.types import (
    Answer,
    ChunkComparison,
    Citation,
    Column,
    Comparison,
    Hit,
    Quantity,
    QuoteMatch,
    QuoteResult,
    Span,
)
from search.types import AskResult as _AskResult
from search.understand import analyse

ROOT = Path(__file__).resolve().parent.parent


TEXT = (
    "到2025年，食品药品安全治理体系更加完善，食用农产品和食品抽检量达到10批次/千人，"
    "主要农产品质量安全监测总体合格率稳定在98%以上。<script>alert(1)</script>"
)
S, E = TEXT.index("食用农产品"), TEXT.index("，主要")
DOC = Document("d1", "深圳市食品药品安全“十四五”规划", "a.txt", 0, 5000, "深圳", (2021, 2025))
DOC2 = Document("d2", "湖州<b>质量</b>发展规划", "b.txt", 0, 3000, "湖州", (2021, 2025))
PATH = (DOC.title, "二、指导思想和主要目标", "（二）主要目标")
C1 = Chunk("c1", "d1", DOC.title, PATH, TEXT, "a.txt", 100, 100 + len(TEXT))
TEXT2 = "湖州到2025年绿色建筑占比100%。<b>粗</b>"
C2 = Chunk("c2", "d2", DOC2.title, (DOC2.title, "第一章"), TEXT2, "b.txt", 10, 40)
SECTIONS = [
    Section("d1", "二、指导思想和主要目标", 1, PATH[:2], 90, 400),
    Section("d1", "（二）主要目标", 2, PATH, 95, 300),
]
CITED = "《深圳市食品药品安全“十四五”规划》 二、指导思想和主要目标 › （二）主要目标"  # CITATION as a memo cites it
CITATION = Citation("d1", DOC.title, PATH, "a.txt", 100 + S, 100 + E)
ANSWER = Answer(TEXT[S:E], "c1", 100 + S, 100 + E, CITATION, 0.9, S, E)
NUMBER = Span(TEXT.index("10批次"), TEXT.index("10批次") + 7, "number")
TERM = Span(TEXT.index("食品抽检"), TEXT.index("食品抽检") + 4, "term")
HITS = (
    Hit(C1, 0.9, 1, {"bm25": 1, "dense": 2}, {"bm25": 12.5, "dense": 0.81}, (TERM, NUMBER)),
    Hit(C2, 0.5, 2, {"bm25": None, "dense": 1}, {"bm25": None, "dense": 0.7}, ()),
)


class FakeEngine:
    documents = [DOC, DOC2]
    sections = SECTIONS
    chunks = [C1, C2]

    def __init__(self, understands: bool = False) -> None:
        self.calls: list[tuple] = []
        self.understands = understands  # answers carry the question as understood (search.understand)

    def document(self, doc_id):
        found = [d for d in self.documents if d.doc_id == doc_id]
        if not found:
            raise ValueError(f"no document {doc_id!r} in the index; `planqa docs` lists them")
        return found[0]

    def chunk(self, chunk_id):
        found = [c for c in self.chunks if c.chunk_id == chunk_id]
        if not found:
            raise ValueError(f"no chunk {chunk_id!r} in the index; `planqa chunks` lists them")
        return found[0]

    def ask(self, question, k=10, doc_ids=None, region=None, ignore=()):
        self.calls.append(("ask", question, k, doc_ids, region, *([tuple(ignore)] if ignore else [])))
        if "无" in question:
            return _AskResult(question, None, HITS[1:], "no sentence states a number")
        if "错" in question:
            raise ValueError("bad filter: use a doc_id from the Documents tab")
        understood = analyse(question, self.documents).ignoring(ignore) if self.understands else None
        return _AskResult(question, ANSWER, HITS, understood=understood)

    def compare(self, question, doc_ids=None, top=2):
        self.calls.append(("compare", question, doc_ids, top))
        quantity = Quantity("10", "批次/千人", "≥", NUMBER.start, NUMBER.end)
        return Comparison(
            question,
            (
                Column("d1", DOC.title, ANSWER, (quantity,), HITS[:1]),
                Column("d2", DOC2.title, None, (), HITS[1:]),
            ),
        )

    def compare_chunks(self, chunk_a, chunk_b):
        self.calls.append(("compare_chunks", chunk_a, chunk_b))
        shared = Span(TEXT.index("2025年"), TEXT.index("2025年") + 5, "term")
        left = Hit(C1, 1.0, 1, highlights=(shared, NUMBER))
        at = C2.text.index("100%")
        right = Hit(C2, 1.0, 2, highlights=(Span(3, 8, "term"), Span(at, at + 4, "number")))
        only_left, only_right = (Quantity("10", "批次/千人"),), (Quantity("100", "%"),)
        return ChunkComparison(left, right, ("2025年",), only_left, only_right)

    def cite(self, quote, k=5):
        self.calls.append(("cite", quote, k))
        if "抽检" in quote:
            match = QuoteMatch("d1", DOC.title, PATH, "a.txt", 100 + S, 100 + E, TEXT[S:E], 1.0, C1)
            return QuoteResult(quote, True, (match,))
        near = QuoteMatch("d2", DOC2.title, C2.section_path, "b.txt", 10, 20, C2.text[:10], 0.41, C2)
        return QuoteResult(quote, False, (near,), "best similarity 0.41 < 0.80")

    def show(self, chunk_id, context=1):
        return [self.chunk(chunk_id), C2][: 1 + context]

    def source_text(self, name):
        return SOURCES.get(name)

    def allowed(self, doc_ids=None, region=None, year=None):
        docs = [d for d in self.documents if (not doc_ids or d.doc_id in doc_ids)
                and (not region or region in (d.region or ""))]
        return [c.doc_id in {d.doc_id for d in docs} for c in self.chunks]


# The source files as the fake engine's offsets see them: TEXT at 100 of a.txt, TEXT2 at 10 of b.txt.
SOURCES = {
    "a.txt": "前" * 90 + "（二）主要目标" + "中" * 3 + TEXT + "后" * (5000 - 200 - len(TEXT)),
    "b.txt": "前" * 10 + TEXT2 + "后" * 100,
}


def marked(html_text: str) -> list[str]:
    """The text inside each <mark> (marks are flat: never nested)."""
    return re.findall(r"<mark[^>]*>(.*?)</mark>", html_text)


def attribute(html_text: str, name: str) -> list[str]:
    return [html.unescape(v) for v in re.findall(rf'{name}="([^"]*)"', html_text)]
