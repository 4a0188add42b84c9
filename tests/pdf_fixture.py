"""A two-page plan as a PDF, written with reportlab and a CJK font, for the page map, page route and viewer tests.

The answering sentence (``TARGET_SENTENCE``) is printed at the top of page 2, from the left margin, so
its rectangle is known: x from ``LEFT / WIDTH``, in the upper part of the page.
"""

from __future__ import annotations

import io
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
WIDTH, HEIGHT, LEFT, SIZE = 400, 300, 40, 12
TITLE = "星河市生态环境保护规划（2021—2025年）"
TARGET_SENTENCE = "到2025年星河市细颗粒物年均浓度降至25微克每立方米。"
PAGE_1 = [
    TITLE,
    "一、总体要求",
    "坚持生态优先，绿色发展，全面推进",
    "美丽星河建设，改善城乡环境质量。",
    "二、主要目标",
]
PAGE_2 = [
    TARGET_SENTENCE,
    "三、保障措施",
    "加强组织领导，落实工作责任。",
]


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "wqy" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("wqy", str(FONT), subfontIndex=0))
    return "wqy"


def plan_pdf(pages: tuple[list[str], ...] = (PAGE_1, PAGE_2)) -> bytes:
    """The plan's pages, one line of text per entry, each at the left margin."""
    from reportlab.pdfgen import canvas

    font = _font()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(WIDTH, HEIGHT), invariant=True)  # the same bytes every time
    for lines in pages:
        c.setFont(font, SIZE)
        y = HEIGHT - 40
        for text in lines:
            c.drawString(LEFT, y, text)
            y -= 20
        c.showPage()
    c.save()
    return out.getvalue()


def build_pdf_index(root: Path) -> Path:
    """An index over the plan PDF and the text plans of ``conftest.MINI_PLANS`` (hash encoder, no model)."""
    from conftest import HashEncoder, write_plans

    from index.build import build_index
    from index.config import Config

    plans = write_plans(root / "plans")
    (plans / "星河市规划.pdf").write_bytes(plan_pdf())
    build_index([plans], index=root / "index", config=Config(encoder="hash-test"),
                encoders={"dense": HashEncoder(), "use": HashEncoder()}, cache=root / "cache")
    return root / "index"
