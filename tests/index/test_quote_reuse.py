"""An update keys only its new documents for quote lookup; the quote index equals a fresh one."""

from conftest import HashEncoder, write_plans

import index.quote_reuse as quote_reuse
from index.config import Config
from index.library import add_files, build, remove
from index.quote_index import QuoteIndex
from index.store import load_index, read_source
from search.quote import quote_key

CONFIG = Config(encoder="hash-test", channels=("bm25", "dense"))
NEW_PLAN = "大连市邮政业规划\n\n一、发展目标\n快递业务量突破5亿件。\n二、主要任务\n建设智能快递柜2000组。\n"


def _arrays(quote: QuoteIndex) -> dict:
    return {"key": quote.key, "documents": [d.to_dict() for d in quote.documents],
            **{n: getattr(quote, n).tolist() for n in ("origin", "doc_starts", "grams", "gram_positions")}}


def _joined(quote: QuoteIndex) -> dict:
    """What lookups read of an index: the key, offsets and documents (its 3-gram tables may be in parts)."""
    return {"key": quote.key, "documents": [d.to_dict() for d in quote.documents],
            **{n: getattr(quote, n).tolist() for n in ("origin", "doc_starts")}}


QUOTES = ("快递业务量突破5亿件", "建设智能快递柜2000组", "食品评价性抽检合格率保持在99%以上", "快递业务量突破6亿件",
          "推行告知承诺制将食品经营许可办理时限压缩")


def test_an_add_keys_only_the_new_document_and_finds_what_a_fresh_quote_index_finds(tmp_path, mini_plans,
                                                                                     monkeypatch):
    options = {"index": tmp_path / "index", "encoders": {"dense": HashEncoder()}, "cache": tmp_path / "cache"}
    build([mini_plans], config=CONFIG, **options)
    keyed = []
    of_sources = QuoteIndex.of_sources.__func__
    monkeypatch.setattr(QuoteIndex, "of_sources", classmethod(
        lambda cls, documents, sources: keyed.extend(d.source for d in documents) or of_sources(cls, documents, sources)))
    report = add_files([write_plans(tmp_path / "incoming", {"c.txt": NEW_PLAN}) / "c.txt"], **options)
    assert report.appended and keyed == ["c.txt"]
    monkeypatch.undo()
    stored = load_index(options["index"])
    sources = {d.source: read_source(stored, d.source) for d in stored.documents}
    expected = QuoteIndex.of_sources(stored.documents, sources)
    loaded = QuoteIndex.load(options["index"] / "quote", stored.corpus_hash)
    assert len(loaded.more) == 1 and _joined(loaded) == _joined(expected)
    for quote in QUOTES:
        key = quote_key(quote)
        assert loaded.exact(key) == expected.exact(key) and loaded.locate(key) == expected.locate(key)
    found = loaded.exact(quote_key("快递业务量突破5亿件"))
    assert len(found) == 1 and loaded.document_at(found[0]).source == "c.txt"
    assert loaded.locate(quote_key("快递业务量突破6亿件"))[0][2] == 0.9  # one key character of ten changed
    # a rewrite of the whole index (a file removed) keys nothing again and gives one table
    keyed.clear()
    fresh = quote_reuse._fresh
    monkeypatch.setattr(quote_reuse, "_fresh", lambda doc, sources: keyed.append(doc.source) or fresh(doc, sources))
    assert not remove("a.txt", **options).appended and keyed == []
    stored = load_index(options["index"])
    sources = {d.source: read_source(stored, d.source) for d in stored.documents}
    assert _arrays(QuoteIndex.load(options["index"] / "quote", stored.corpus_hash)) == _arrays(
        QuoteIndex.of_sources(stored.documents, sources))


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
