"""A two-page A4 plan as a PDF, written with reportlab and a CJK font, for the page map, page route and
viewer tests (and the README's screenshot of the page view).

Paragraphs are set as a word processor sets them: a two-character indent, full lines of ``PER_LINE``
characters, so the reader joins the wrapped lines. The answering sentence (``TARGET_SENTENCE``) is a
paragraph of its own, line ``TARGET_LINE`` of page 2, so its rectangle is known: x from
``(LEFT + 2 * SIZE) / WIDTH``, its baseline ``TOP + STEP * TARGET_LINE`` points below the top.
"""

from __future__ import annotations

import io
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
WIDTH, HEIGHT, LEFT, TOP, SIZE, STEP, PER_LINE = 595, 842, 72, 90, 12, 22, 36  # A4 in points
TITLE = "星河市生态环境保护规划（2021—2025年）"
TARGET_SENTENCE = "到2025年星河市细颗粒物年均浓度降至25微克每立方米。"


def _paragraph(text: str) -> list[tuple[int, str]]:
    """(indent in characters, line) of a justified paragraph with a two-character first-line indent."""
    lines, i, indent = [], 0, 2
    while i < len(text):
        n = PER_LINE - indent
        lines.append((indent, text[i:i + n]))
        i, indent = i + n, 0
    return lines


PAGE_1 = [
    (7, TITLE),
    (0, "一、总体要求"),
    *_paragraph("坚持生态优先、绿色发展，以改善生态环境质量为核心，深入打好污染防治攻坚战，统筹推进山水林田湖草沙"
                "一体化保护和系统治理，全面推进美丽星河建设，让良好生态环境成为人民生活的增长点、经济社会持续健康"
                "发展的支撑点。"),
    *_paragraph("坚持精准治污、科学治污、依法治污，完善生态环境治理体系，提升治理能力，推动生产生活方式绿色转型，"
                "实现减污降碳协同增效。"),
    (0, "二、主要目标"),
    *_paragraph("到规划期末，生态环境质量持续改善，主要污染物排放总量持续减少，生态系统稳定性明显提升，环境风险得到"
                "有效管控，生态文明建设取得新成效。"),
    (0, "（一）空气质量"),
    *_paragraph("强化多污染物协同控制和区域协同治理，加强细颗粒物和臭氧协同控制，基本消除重污染天气，城市空气质量"
                "优良天数比率稳步提高。"),
]
PAGE_2 = [
    *_paragraph("深入推进工业、交通、扬尘和生活源污染综合治理，推动重点行业超低排放改造，加快淘汰老旧车辆。"),
    (2, TARGET_SENTENCE),
    (0, "（二）水环境质量"),
    *_paragraph("统筹水资源、水环境、水生态治理，地表水国控断面水质优良比例达到90%以上，县级以上城市集中式饮用水"
                "水源水质达标率保持100%。"),
    (0, "三、保障措施"),
    *_paragraph("加强组织领导，落实各级党委和政府生态环境保护责任，健全考核评价制度，强化资金保障和科技支撑，"
                "营造全社会共同参与的良好氛围。"),
]
TARGET_LINE = PAGE_2.index((2, TARGET_SENTENCE))


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "wqy" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("wqy", str(FONT), subfontIndex=0))
    return "wqy"


def plan_pdf(pages: tuple[list[tuple[int, str]], ...] = (PAGE_1, PAGE_2)) -> bytes:
    """The plan's pages: one entry per printed line, ``(indent in characters, text)``, then a page number."""
    from reportlab.pdfgen import canvas

    font = _font()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(WIDTH, HEIGHT), invariant=True)  # the same bytes every time
    for number, lines in enumerate(pages, start=1):
        c.setFont(font, SIZE)
        y = HEIGHT - TOP
        for indent, text in lines:
            c.drawString(LEFT + indent * SIZE, y, text)
            y -= STEP
        c.setFont(font, 9)
        c.drawString(WIDTH / 2 - 10, 40, f"- {number} -")  # the page number: furniture, left out of the text
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
