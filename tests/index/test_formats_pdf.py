"""PDF reading on PDFs the tests write with reportlab and a CJK font: furniture out, wraps joined, pages kept."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

pytest.importorskip("reportlab")
pytest.importorskip("pypdfium2")

from index.formats import pdf as pdf_format  # noqa: E402
from index.formats.pdf import read_pdf  # noqa: E402
from index.reader import read_paths  # noqa: E402

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
pytestmark = pytest.mark.skipif(not FONT.exists(), reason="needs fonts-wqy-microhei (make system)")

WIDTH, HEIGHT, LEFT, SIZE, PER_LINE = 400, 300, 40, 12, 26  # 26 full-width characters fill a line
HEADER = "某市文化发展规划（2021—2025年）"
BODY = ("为推动公共文化服务高质量发展，本市决定：全市公共文化设施全部免费开放，博物馆纪念馆每周二至周日免费接"
        "待观众，年接待量达到五百万人次以上，服务效能明显提升，到 2025 年建成示范区。")  # page 1 ends: 免费接|待


def _font():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "wqy" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("wqy", str(FONT), subfontIndex=0))
    return "wqy"


def _wrap(text: str, first_indent: int = 2) -> list[tuple[int, str]]:
    """(indent in characters, line) as a word processor sets a justified Chinese paragraph."""
    lines, i, indent = [], 0, first_indent
    while i < len(text):
        n = PER_LINE - indent
        lines.append((indent, text[i:i + n]))
        i, indent = i + n, 0
    return lines


def make_pdf(pages: list[list[tuple[int, str]]], image_page: bytes | None = None) -> bytes:
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    font = _font()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(WIDTH, HEIGHT))
    for number, lines in enumerate(pages, start=1):
        c.setFont(font, 9)
        c.drawString(LEFT, HEIGHT - 20, HEADER)  # running header
        c.setFont(font, SIZE)
        y = HEIGHT - 50
        for indent, text in lines:
            c.drawString(LEFT + indent * SIZE, y, text)
            y -= 18
        c.setFont(font, 9)
        c.drawString(WIDTH / 2, 15, str(number))  # page number
        c.showPage()
    if image_page:
        image = ImageReader(io.BytesIO(image_page))
        width, height = image.getSize()
        c.drawImage(image, 20, 20, width=360, height=360 * height / width)
        c.showPage()
    c.save()
    return out.getvalue()


def _two_pages() -> bytes:
    lines = _wrap(BODY)
    assert lines[1][1].endswith("免费接") and lines[2][1].startswith("待观众")
    return make_pdf([[(0, "一、总体要求"), *lines[:2]], [*lines[2:], (0, "二、保障措施")]])


def test_header_footer_and_mid_sentence_page_number_removed():
    extracted = read_pdf(_two_pages(), "plan.pdf")
    assert extracted.text == f"一、总体要求\n{BODY}\n二、保障措施\n"
    assert "\n1\n" not in extracted.text and HEADER not in extracted.text
    page_two = extracted.text.index("待观众")
    assert [(p.page, p.start, p.end) for p in extracted.pages] == [
        (1, 0, page_two), (2, page_two, len(extracted.text) - 1)]
    assert extracted.page_count == 2 and not extracted.partial


def test_latin_words_joined_with_a_space():
    from reportlab.pdfbase.pdfmetrics import stringWidth

    words = "The plan opens every public museum and memorial hall free of charge to visitors by 2025".split()
    lines, line = [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if stringWidth(candidate, _font(), SIZE) > PER_LINE * SIZE:
            lines.append((0, line))
            line = word
        else:
            line = candidate
    lines.append((0, line))
    body = _wrap("全市公共文化设施全部免费开放，博物馆纪念馆每周二至周日免费接待观众，服务效能明显提升。")
    extracted = read_pdf(make_pdf([[*body, *lines]]), "en.pdf")
    assert extracted.text.split("\n")[:2] == [HEADER, "全市公共文化设施全部免费开放，博物馆纪念馆每周二至周日免费接待观众，服务效能明显提升。"]
    assert extracted.text.split("\n")[2:] == [" ".join(words), ""]


def _image_of_text(lines: tuple[str, ...] = ("公共文化设施全部免费开放",)) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1200, 120 * len(lines) + 100), "white")
    for i, line in enumerate(lines):
        ImageDraw.Draw(image).text((40, 60 + 110 * i), line, fill="black", font=ImageFont.truetype(str(FONT), 70))
    png = io.BytesIO()
    image.save(png, format="PNG")
    return png.getvalue()


def test_page_without_text_layer_is_reported_when_no_ocr_engine(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf_format, "_ocr_engine", lambda: "no OCR engine is installed "
                        "(apt-get install tesseract-ocr tesseract-ocr-chi-sim)")
    (tmp_path / "scan.pdf").write_bytes(make_pdf([[(0, "一、总体要求"), *_wrap(BODY)]], _image_of_text()))
    files, reports = read_paths([tmp_path])
    # one page with text: its header is not a running header, its page number still goes
    assert files[0].text == f"{HEADER}\n一、总体要求\n{BODY}\n"
    (report,) = reports
    assert (report.status, report.pages, report.pages_empty, report.pages_ocr) == ("partial", 2, (2,), ())
    assert report.reason == ("page 2 has no text layer and no OCR engine is installed "
                             "(apt-get install tesseract-ocr tesseract-ocr-chi-sim)")


@pytest.mark.skipif(pdf_format._ocr_engine() is not None, reason="needs tesseract-ocr-chi-sim (make system)")
def test_page_without_text_layer_is_ocrd_and_marked(tmp_path):
    (tmp_path / "scan.pdf").write_bytes(make_pdf([[(0, "一、总体要求"), *_wrap(BODY)]], _image_of_text()))
    files, reports = read_paths([tmp_path])
    src = files[0]
    ocr_start = src.text.index("\n", src.text.index("服务效能")) + 1
    assert src.text[ocr_start:].strip() == "公共文化设施全部免费开放"
    assert src.pages[-1].ocr and src.pages[-1].page == 2
    assert src.ocr_in(ocr_start, ocr_start + 4) and not src.ocr_in(0, 4)
    assert src.pages_of(0, 4) == (1,) and src.pages_of(ocr_start, ocr_start + 4) == (2,)
    assert (reports[0].status, reports[0].pages_ocr) == ("taken", (2,))


@pytest.mark.skipif(pdf_format._ocr_engine() is not None, reason="needs tesseract-ocr-chi-sim (make system)")
def test_wrapped_lines_of_an_ocrd_page_are_joined():
    image = _image_of_text(("一、总体要求", "全市公共文化设施全部免费开放，", "博物馆每周二至周日开放。"))
    extracted = read_pdf(make_pdf([], image), "scan.pdf")
    assert extracted.text == "一、总体要求\n全市公共文化设施全部免费开放，博物馆每周二至周日开放。\n"
    assert [(p.page, p.ocr) for p in extracted.pages] == [(1, True)]


def test_a_line_after_a_full_stop_joins_unless_it_opens_a_ladder_heading():
    # Both full lines end in 。 at the right margin: 「1.」 opens a numbered heading of the ladder
    # (index.markers.LADDER), 「3.5亿元」 is a decimal that carries the sentence's paragraph on.
    first = "全市文化产业增加值年均增长百分之八以上，总量明显扩大。"[:PER_LINE - 1] + "。"
    second = "全市公共文化设施全部免费开放，博物馆纪念馆免费开放。"[:PER_LINE - 1] + "。"
    extracted = read_pdf(make_pdf([[(0, first), (0, "1.加强组织领导"), (0, second), (0, "3.5亿元用于场馆建设")]]),
                         "ladder.pdf")
    assert extracted.text == f"{HEADER}\n{first}\n1.加强组织领导\n{second}3.5亿元用于场馆建设\n"


def test_heading_marker_is_the_ladder_of_index_markers():
    matched = [bool(pdf_format._MARKER.match(line)) for line in (
        "第十二条 申请人", "第3章 总则", "一、总体要求", "（二）主要目标", "1.加强组织领导", "（1）设施", "专栏1",
        "附件2", "表 1 主要指标", "3.5亿元用于建设", "2025年建成", "100.加强")]
    assert matched == [True] * 9 + [False] * 3
