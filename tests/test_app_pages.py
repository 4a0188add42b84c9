"""A PDF's page in the viewer: the rendered page (``/pdf-page``: 200 PNG, plain 404s) and the viewer's
显示原页 Show page with the passage's rectangles; documents from other formats show no page."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

pytest.importorskip("reportlab")
pytest.importorskip("pypdfium2")

from conftest import HashEncoder  # noqa: E402
from pdf_fixture import FONT, HEIGHT, TARGET_SENTENCE, WIDTH, build_pdf_index  # noqa: E402

pytestmark = pytest.mark.skipif(not FONT.exists(), reason="needs fonts-wqy-microhei (make system)")
PDF_DOC = "星河市规划"


@pytest.fixture(scope="module")
def pdf_engine(tmp_path_factory):
    from search.engine import Engine

    index = build_pdf_index(tmp_path_factory.mktemp("app-pages"))
    return Engine.load(index, build_if_missing=False, encoders={"dense": HashEncoder(), "use": HashEncoder()})


@pytest.fixture(scope="module")
def client(pdf_engine):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from app_tabs.pages import add_page_route

    demo = SimpleNamespace(app=FastAPI())  # what add_page_route needs of a launched gradio app
    add_page_route(demo, SimpleNamespace(current=pdf_engine))
    return TestClient(demo.app)


def _target(engine):
    doc = engine.document(PDF_DOC)
    text = engine.source_text(doc.source)
    start = text.index(TARGET_SENTENCE)
    return start, start + len(TARGET_SENTENCE)


def test_the_page_route_renders_a_png_at_a_bounded_scale(client):
    from PIL import Image

    got = client.get("/pdf-page", params={"doc": PDF_DOC, "page": 2})
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    width, height = Image.open(io.BytesIO(got.content)).size
    assert abs(width - WIDTH * 1.5) <= 1 and abs(height - HEIGHT * 1.5) <= 1
    small = client.get("/pdf-page", params={"doc": PDF_DOC, "page": 1, "scale": 0.01})  # at least 0.5
    assert abs(Image.open(io.BytesIO(small.content)).size[0] - WIDTH * 0.5) <= 1
    huge = client.get("/pdf-page", params={"doc": PDF_DOC, "page": 1, "scale": 100})  # at most 3, 2400 px
    assert Image.open(io.BytesIO(huge.content)).size[1] == 2400


@pytest.mark.parametrize(("params", "message"), [
    ({"doc": "nope", "page": 1}, "no document 'nope' in this index"),
    ({"doc": "a", "page": 1}, "document 'a' is not a PDF kept with its pages; no page to show"),
    ({"doc": PDF_DOC, "page": 3}, f"document '{PDF_DOC}' has pages 1-2, not 3"),
    ({"doc": PDF_DOC, "page": 0}, f"document '{PDF_DOC}' has pages 1-2, not 0"),
    ({"doc": "../../etc/passwd", "page": 1}, "no document '../../etc/passwd' in this index"),
])
def test_the_page_route_refuses_unknown_documents_and_pages_with_a_plain_404(client, params, message):
    got = client.get("/pdf-page", params=params)
    assert (got.status_code, got.headers["content-type"].split(";")[0], got.text) == (404, "text/plain", message)


def test_the_viewer_of_a_pdf_passage_shows_its_page_with_the_passage_marked(pdf_engine):
    from app_tabs.documents import view
    from search.page_view import page_views

    start, end = _target(pdf_engine)
    [page] = page_views(pdf_engine, PDF_DOC, start, end)
    assert page.page == 2 and len(page.marks) == 1 and 0 < page.marks[0].top < 0.2
    html = view(pdf_engine, PDF_DOC, f"{start}-{end}")
    assert f'<mark class="cited" id="pq-cited">{TARGET_SENTENCE}</mark>' in html  # the text view as before
    assert "显示原页 Show page (p. 2)" in html
    assert 'src="pdf-page?doc=%E6%98%9F%E6%B2%B3%E5%B8%82%E8%A7%84%E5%88%92&amp;page=2"' in html
    assert html.count('class="page-mark"') == 1
    assert f"left:{page.marks[0].left:.2%};top:{page.marks[0].top:.2%}" in html


def test_other_documents_and_a_document_start_show_no_page(pdf_engine):
    from app_tabs.documents import view

    other = pdf_engine.document("a")
    assert "pq-page-view" not in view(pdf_engine, "a", f"{other.start + 10}-{other.start + 20}")
    assert "pq-page-view" not in view(pdf_engine, PDF_DOC, "")  # no passage, no page


def test_an_index_built_before_page_maps_loads_and_shows_no_page(pdf_engine, tmp_path):
    import json
    import shutil

    from app_tabs.documents import view
    from search.engine import Engine
    from search.page_view import PageNotFound, render_page

    old = tmp_path / "index"
    shutil.copytree(pdf_engine.path, old)
    shutil.rmtree(old / "pages")
    manifest = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {k: v for k, v in manifest["files"].items() if not k.startswith("pages/")}
    (old / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    engine = Engine.load(old, build_if_missing=False, encoders={"dense": HashEncoder(), "use": HashEncoder()})
    start, end = _target(engine)
    html = view(engine, PDF_DOC, f"{start}-{end}")
    assert f'<mark class="cited" id="pq-cited">{TARGET_SENTENCE}</mark>' in html and "pq-page-view" not in html
    with pytest.raises(PageNotFound, match="is not a PDF kept with its pages"):
        render_page(engine, PDF_DOC, 1)


def test_an_edited_copy_of_the_pdf_is_a_plain_refusal(pdf_engine, tmp_path):
    import shutil

    from search.engine import Engine
    from search.page_view import PageNotFound, render_page

    copy = tmp_path / "index"
    shutil.copytree(pdf_engine.path, copy)
    original = copy / "pages" / "星河市规划.pdf" / "original.pdf"
    raw = original.read_bytes()
    original.write_bytes(raw[:-20] + b" " * 20)  # same size: load's size check passes, the checksum does not
    engine = Engine.load(copy, build_if_missing=False, encoders={"dense": HashEncoder(), "use": HashEncoder()})
    with pytest.raises(PageNotFound, match="was edited since the index was built"):
        render_page(engine, PDF_DOC, 1)


def test_with_a_login_the_page_route_wants_the_session_cookie(pdf_engine):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from app_tabs.pages import add_page_route

    app = FastAPI()
    # what gradio's App holds once launched with auth=(user, password): its session tokens by cookie
    app.auth, app.auth_dependency, app.cookie_id, app.tokens = ("planqa", "secret"), None, "c1", {"t0k": "planqa"}
    add_page_route(SimpleNamespace(app=app), pdf_engine)
    client = TestClient(app)
    params = {"doc": PDF_DOC, "page": 1}
    assert (client.get("/pdf-page", params=params).status_code, client.get("/pdf-page", params=params).text) == (
        401, "sign in first")
    client.cookies.set("access-token-c1", "t0k")
    assert client.get("/pdf-page", params=params).status_code == 200


def test_an_answer_across_a_page_break_is_cited_by_its_own_page(pdf_engine):
    from search.page_view import narrow_pages
    from search.render import answer_card
    from search.types import Answer, AskResult, Citation, Hit

    start, end = _target(pdf_engine)
    chunk = next(c for c in pdf_engine.chunks if c.doc_id == PDF_DOC and c.start <= start and end <= c.end)
    assert chunk.pages == (1, 2)  # the passage runs across the page break; its answer sentence does not
    at = start - chunk.start
    answer = Answer(TARGET_SENTENCE, chunk.chunk_id, start, end, Citation.of(chunk, start, end), 1.0, at,
                    at + len(TARGET_SENTENCE))
    result = narrow_pages(pdf_engine, AskResult("细颗粒物目标", answer, (Hit(chunk, 1.0, 1),)))
    assert result.answer.citation.pages == (2,) and result.answer.citation.head().endswith(", p. 2")
    assert ", p. 2" in answer_card(result.answer, result.hits) and ", p. 1" not in answer_card(result.answer, result.hits)
    whole = AskResult("q", replace_pages(answer, (2,)), ())  # one page already: returned as it is
    assert narrow_pages(pdf_engine, whole) is whole


def replace_pages(answer, pages):
    from dataclasses import replace

    return replace(answer, citation=replace(answer.citation, pages=pages))
