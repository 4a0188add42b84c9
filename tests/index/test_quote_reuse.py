"""An update keys only its new documents for quote lookup; the quote index equals a fresh one."""

import numpy as np
from conftest import HashEncoder, write_plans

import index.quote_reuse as quote_reuse
from index.config import Config
from index.library import add_files, build
from index.quote_index import QuoteIndex
from index.store import load_index, read_source

CONFIG = Config(encoder="hash-test", channels=("bm25", "dense"))
NEW_PLAN = "大连市邮政业规划\n\n一、发展目标\n快递业务量突破5亿件。\n二、主要任务\n建设智能快递柜2000组。\n"


def _arrays(quote: QuoteIndex) -> dict:
    return {"key": quote.key, "documents": [d.to_dict() for d in quote.documents],
            **{n: getattr(quote, n).tolist() for n in ("origin", "doc_starts", "grams", "gram_positions")}}


def test_an_add_keys_only_the_new_document_and_equals_a_fresh_quote_index(tmp_path, mini_plans, monkeypatch):
    options = {"index": tmp_path / "index", "encoders": {"dense": HashEncoder()}, "cache": tmp_path / "cache"}
    build([mini_plans], config=CONFIG, **options)
    keyed = []
    fresh = quote_reuse._fresh
    monkeypatch.setattr(quote_reuse, "_fresh", lambda doc, sources: keyed.append(doc.source) or fresh(doc, sources))
    add_files([write_plans(tmp_path / "incoming", {"c.txt": NEW_PLAN}) / "c.txt"], **options)
    assert keyed == ["c.txt"]
    stored = load_index(options["index"])
    sources = {d.source: read_source(stored, d.source) for d in stored.documents}
    expected = QuoteIndex.of_sources(stored.documents, sources)
    assert _arrays(QuoteIndex.load(options["index"] / "quote")) == _arrays(expected)
    found = expected.exact("快递业务量突破5亿件")
    assert len(found) == 1 and np.all(expected.origin[found[0]:found[0] + 3] >= 0)


def test_a_changed_source_is_keyed_again(tmp_path, mini_plans, monkeypatch):
    options = {"index": tmp_path / "index", "encoders": {"dense": HashEncoder()}, "cache": tmp_path / "cache"}
    build([mini_plans], config=CONFIG, **options)
    (mini_plans / "a.txt").write_text(NEW_PLAN, encoding="utf-8")
    keyed = []
    fresh = quote_reuse._fresh
    monkeypatch.setattr(quote_reuse, "_fresh", lambda doc, sources: keyed.append(doc.source) or fresh(doc, sources))
    build(**options)
    assert keyed == ["a.txt"]
    stored = load_index(options["index"])
    sources = {d.source: read_source(stored, d.source) for d in stored.documents}
    assert _arrays(QuoteIndex.load(options["index"] / "quote")) == _arrays(QuoteIndex.of_sources(stored.documents,
                                                                                                sources))
