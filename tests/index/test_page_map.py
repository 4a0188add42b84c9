"""The page map of a PDF: its page numbers agree with the chunks', a known passage's rectangle lies where
it is printed, and the index keeps the PDF and the map (checksummed, kept by an update, refused when edited)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("reportlab")
pytest.importorskip("pypdfium2")

from pdf_fixture import (  # noqa: E402
    FONT,
    HEIGHT,
    LEFT,
    SIZE,
    STEP,
    TARGET_LINE,
    TARGET_SENTENCE,
    TOP,
    WIDTH,
    build_pdf_index,
    plan_pdf,
)

from index.check import verify_index  # noqa: E402
from index.page_map import PageMap, pages_of_file, read_map, read_original  # noqa: E402
from index.reader import read_file  # noqa: E402
from index.store import load_index  # noqa: E402

pytestmark = pytest.mark.skipif(not FONT.exists(), reason="needs fonts-wqy-microhei (make system)")
PDF_NAME = "星河市规划.pdf"


@pytest.fixture(scope="module")
def pdf_index(tmp_path_factory) -> Path:
    return build_pdf_index(tmp_path_factory.mktemp("pages"))


def _read(tmp_path: Path):
    file = tmp_path / PDF_NAME
    file.write_bytes(plan_pdf())
    return read_file(file, PDF_NAME)


def test_a_passage_maps_to_its_page_and_a_rectangle_where_it_is_printed(tmp_path):
    src = _read(tmp_path)
    kept = pages_of_file(src)
    assert kept is not None and kept.map.page_count == 2
    start = src.text.index(TARGET_SENTENCE)
    end = start + len(TARGET_SENTENCE)
    assert kept.map.pages_of(start, end) == src.pages_of(start, end) == (2,)
    assert kept.map.pages_of(0, 5) == (1,)
    [mark] = kept.map.marks(start, end)  # one printed line
    assert mark.page == 2
    # printed after a two-character indent; the middle of its 12 pt type inside the mark, the next line's not
    assert abs(mark.left - (LEFT + 2 * SIZE) / WIDTH) < 0.005
    middle = TOP + STEP * TARGET_LINE - SIZE / 2
    assert mark.top < middle / HEIGHT < mark.top + mark.height < (middle + STEP) / HEIGHT
    assert 0.5 < mark.left + mark.width < 0.8
    # half the line: half the width (Chinese type on a fixed pitch)
    [half] = kept.map.marks(start, start + len(TARGET_SENTENCE) // 2)
    assert half.left == mark.left and half.width == pytest.approx(mark.width / 2, abs=0.02)
    assert kept.map.marks(end + 1, end + 1) == []


def test_the_map_reads_back_as_written(tmp_path):
    kept = pages_of_file(_read(tmp_path))
    assert PageMap.from_dict(json.loads(json.dumps(kept.map.to_dict()))) == kept.map


def test_text_files_have_no_page_map(tmp_path):
    file = tmp_path / "a.txt"
    file.write_text("某市规划\n一、目标\n到2025年完成。\n", encoding="utf-8")
    assert pages_of_file(read_file(file, "a.txt")) is None


def test_the_index_keeps_the_pdf_and_its_map_checked_and_agreeing_with_citations(pdf_index):
    stored = load_index(pdf_index)
    files = stored.manifest["files"]
    assert f"pages/{PDF_NAME}/original.pdf" in files and f"pages/{PDF_NAME}/map.json" in files
    assert not any(name.startswith("pages/a.txt") for name in files)  # only PDFs
    assert read_original(pdf_index, stored.manifest, PDF_NAME) == plan_pdf()
    page_map = read_map(pdf_index, stored.manifest, PDF_NAME)
    pdf_chunks = [c for c in stored.chunks if c.source == PDF_NAME]
    assert pdf_chunks and all(page_map.pages_of(c.start, c.end) == c.pages for c in pdf_chunks)
    assert verify_index(pdf_index).ok


def test_an_edited_map_is_refused_and_reported_by_check(pdf_index, tmp_path):
    import shutil

    copy = tmp_path / "index"
    shutil.copytree(pdf_index, copy)
    map_file = copy / "pages" / PDF_NAME / "map.json"
    map_file.write_bytes(map_file.read_bytes().replace(b'"page":2', b'"page":3'))
    stored = load_index(copy)
    with pytest.raises(ValueError, match="rebuild with `planqa build`"):
        read_map(copy, stored.manifest, PDF_NAME)
    assert f"pages/{PDF_NAME}/map.json: checksum differs (edited or replaced)" in verify_index(copy).problems


def test_an_update_keeps_the_page_files_of_a_pdf_it_does_not_read_again(tmp_path, register_hash_encoder):
    from conftest import HashEncoder

    from index.config import Config
    from index.library import add_files, build

    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / PDF_NAME).write_bytes(plan_pdf())
    index = tmp_path / "index"
    encoders = {"dense": HashEncoder(), "use": HashEncoder()}
    build([plans], index=index, config=Config(encoder="hash-test"), encoders=encoders, cache=tmp_path / "cache")
    before = load_index(index).manifest["files"][f"pages/{PDF_NAME}/map.json"]
    (plans / PDF_NAME).unlink()  # the original is gone: only the index's copy remains
    extra = tmp_path / "more" / "b.txt"
    extra.parent.mkdir()
    extra.write_text("某市规划\n一、目标\n到2025年完成。\n", encoding="utf-8")
    report = add_files([extra], index=index, encoders=encoders, cache=tmp_path / "cache")
    stored = load_index(index)
    assert report.added == ("b.txt",) and {d.source for d in stored.documents} == {PDF_NAME, "b.txt"}
    assert stored.manifest["files"][f"pages/{PDF_NAME}/map.json"] == before
    assert read_original(index, stored.manifest, PDF_NAME) == plan_pdf()
    assert verify_index(index).ok


@pytest.mark.skipif(not __import__("shutil").which("tesseract"), reason="needs tesseract-ocr-chi-sim (make system)")
def test_an_ocr_page_marks_the_passage_where_the_text_layer_does():
    """The top of page 2 as a scanned image (200 dpi), read by OCR: its rectangle is the text layer's, within
    3 points across and at the top; tesseract's boxes run a few points lower (16.6 against 11.2 high here)."""
    import io

    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from index.formats.pdf import read_pdf

    printed, band = plan_pdf(), 150  # points of page 2 scanned: its first lines (OCR time grows with the area)
    pdf = pdfium.PdfDocument(printed)
    image = pdf[1].render(scale=200 / 72, crop=(0, HEIGHT - band, 0, 0)).to_pil()
    pdf.close()
    png, scan = io.BytesIO(), io.BytesIO()
    image.save(png, format="PNG")
    sheet = canvas.Canvas(scan, pagesize=(WIDTH, band))
    sheet.drawImage(ImageReader(io.BytesIO(png.getvalue())), 0, 0, width=WIDTH, height=band)
    sheet.showPage()
    sheet.save()
    key = "细颗粒物年均浓度"
    boxes = []
    for raw, height in ((printed, HEIGHT), (scan.getvalue(), band)):
        extracted = read_pdf(raw, "plan.pdf")
        at = extracted.text.index(key)
        [mark] = PageMap(extracted.pages, extracted.page_count).marks(at, at + len(key))
        boxes.append((mark.page, mark.left * WIDTH, mark.top * height, mark.width * WIDTH, mark.height * height))
    (text_page, *text), (ocr_page, *ocr) = boxes
    assert (text_page, ocr_page) == (2, 1) and extracted.pages[0].ocr
    assert all(abs(a - b) < limit for a, b, limit in zip(text, ocr, (3, 3, 3, 8))), (text, ocr)
