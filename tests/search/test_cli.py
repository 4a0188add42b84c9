"""The command line: build, search (text, JSON, batch, filters), eval, docs, chunks, outline, serve."""

import json

import pytest

from index.normalize import match_key
from search import cli

HIT_KEYS = {"chunk_id", "doc_id", "doc_title", "section_path", "context", "text", "source", "start", "end",
            "score", "ranks"}


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANQA_CACHE", str(tmp_path / "cache"))  # keep test vectors out of .planqa/cache


@pytest.fixture
def index(mini_plans, tmp_path, register_hash_encoder, capsys):
    path = tmp_path / "index"
    code, out, _ = run(capsys, "build", mini_plans, "--index", path, "--encoder", "hash-test", "--channels", "bm25,dense",
                       "--quiet")
    assert code == 0 and out.startswith("Indexed 2 documents, ")
    return path


def doc_ids(capsys, index) -> dict[str, str]:
    _, out, _ = run(capsys, "docs", "--index", index, "--json")
    return {d["title"]: d["doc_id"] for d in json.loads(out)}


def test_search_json_has_exactly_the_hit_fields(capsys, index):
    code, out, _ = run(capsys, "search", "食品抽检量达到多少", "--index", index, "--json", "--k", "3")
    result = json.loads(out)
    assert code == 0 and result["query"] == "食品抽检量达到多少"
    assert 1 <= len(result["hits"]) <= 3
    top = result["hits"][0]
    assert set(top) == HIT_KEYS
    assert "食用农产品和食品抽检量达到10批次/千人" in top["text"]
    assert set(top["ranks"]) == {"bm25", "dense"} and top["ranks"]["bm25"] == 1


def test_search_text_output_cites_the_passage(capsys, index):
    code, out, _ = run(capsys, "search", "绿色工厂", "--index", index)
    assert code == 0
    assert out.startswith(" 1. 《湖州市質量發展“十四五”規劃》")
    assert "b.txt:" in out and "bm25 #1" in out
    # the query's terms are marked in the (traditional) passage; brackets when not on a terminal
    assert "[綠色工廠]" in out.splitlines()[2]


def test_search_filters_by_document_and_region(capsys, index):
    ids = doc_ids(capsys, index)
    huzhou = ids["湖州市質量發展“十四五”規劃"]
    _, out, _ = run(capsys, "search", "2025年目标", "--index", index, "--json", "--doc", huzhou)
    assert {h["doc_id"] for h in json.loads(out)["hits"]} == {huzhou}
    _, out, _ = run(capsys, "search", "2025年目标", "--index", index, "--json", "--region", "深圳")
    assert {h["doc_title"] for h in json.loads(out)["hits"]} == {"深圳市食品安全“十四五”规划"}


def test_search_one_channel(capsys, index):
    _, out, _ = run(capsys, "search", "营商环境", "--index", index, "--json", "--channels", "bm25")
    hits = json.loads(out)["hits"]
    assert hits and all(set(h["ranks"]) == {"bm25"} for h in hits)


def test_batch_writes_one_line_per_question(capsys, index, tmp_path):
    batch = tmp_path / "q.jsonl"
    rows = [{"id": "x1", "question": "营商环境"}, {"id": "x2", "question": "空气质量优良天数"}]
    batch.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    code, out, _ = run(capsys, "search", "--batch", batch, "--k", "2", "--json", "--index", index)
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [line["id"] for line in lines] == ["x1", "x2"]
    assert all(set(line) == {"id", "hits"} and len(line["hits"]) <= 2 for line in lines)
    assert "营商环境" in lines[0]["hits"][0]["text"]


def test_eval_prints_the_table(capsys, index, tmp_path):
    questions = tmp_path / "dev.jsonl"
    rows = [
        {"id": "1", "question": "食品抽检量要达到多少", "lang": "zh", "answers": ["抽检量达到10批次/千人"]},
        {"id": "2", "question": "湖州绿色工厂有多少家", "lang": "zh", "answers": ["國家級綠色工廠44家"]},
    ]
    questions.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    code, out, _ = run(capsys, "eval", questions, "--index", index)
    assert code == 0 and "channels: bm25, dense" in out
    assert out.splitlines()[-1].split() == ["zh", "2", "1.000", "1.000", "1.000", "1.000"]
    code, out, _ = run(capsys, "eval", questions, "--index", index, "--json", "--channels", "bm25")
    assert json.loads(out)["groups"]["all"]["recall@1"] == 1.0


def test_docs_chunks_and_outline(capsys, index):
    _, out, _ = run(capsys, "docs", "--index", index, "--json")
    docs = json.loads(out)
    assert [d["title"] for d in docs] == ["深圳市食品安全“十四五”规划", "湖州市質量發展“十四五”規劃"]
    assert set(docs[0]) == {"doc_id", "title", "source", "start", "end", "region", "years", "issuer", "doc_number",
                            "date", "draft", "chars", "chunks"}
    shenzhen = docs[0]["doc_id"]
    _, out, _ = run(capsys, "chunks", "--index", index, "--doc", shenzhen, "--json")
    chunks = json.loads(out)
    assert len(chunks) == docs[0]["chunks"] and {c["doc_id"] for c in chunks} == {shenzhen}
    _, out, _ = run(capsys, "outline", shenzhen, "--index", index)
    assert out.splitlines()[0].startswith("《深圳市食品安全“十四五”规划》")
    assert "    （一）强化风险防控" in out


def test_errors_say_how_to_fix(capsys, index, tmp_path):
    code, _, err = run(capsys, "chunks", "--index", index, "--doc", "nope")
    assert code == 1 and "`planqa docs` lists them" in err
    code, _, err = run(capsys, "search", "x", "--batch", tmp_path / "q.jsonl", "--index", index)
    assert code == 1 and "either a QUERY or --batch" in err
    (index / "chunks.jsonl").write_text("", encoding="utf-8")
    code, _, err = run(capsys, "search", "营商环境", "--index", index)
    assert code == 1 and "rebuild with `planqa build`" in err


def test_missing_default_index_is_built_over_seeds_first(capsys, mini_plans, tmp_path, monkeypatch,
                                                          register_hash_encoder):
    from index import encoders
    from index.config import Config
    from search import default_index

    for name in (Config().encoder, Config().use_encoder):  # no model here
        monkeypatch.setitem(encoders.ENCODERS, name, lambda: register_hash_encoder)
    monkeypatch.setattr(default_index, "default_paths", lambda: (str(mini_plans),))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLANQA_INDEX", raising=False)
    code, out, err = run(capsys, "search", "营商环境", "--json")  # only the default index is built on demand
    assert code == 0 and json.loads(out)["hits"]
    assert f"No index at .planqa/index; building the default index over {mini_plans}/ …" in err
    code, out, err = run(capsys, "search", "营商环境", "--index", tmp_path / "fresh")
    assert code == 1 and "no planqa index at" in err and not (tmp_path / "fresh").exists()


def test_serve_is_the_apps_command(capsys, monkeypatch):
    import app_serve

    called = {}
    monkeypatch.setattr(app_serve, "main", lambda **kw: called.update(kw))
    assert app_serve.cli(["serve", "--port", "7999", "--index", "somewhere"]) == 0
    assert called == {"host": "127.0.0.1", "port": 7999, "index": "somewhere"}


def test_commands_are_registered():
    cli.parser()
    assert {"build", "search", "eval", "docs", "chunks", "outline", "ask", "compare", "cite"} <= set(cli.COMMANDS)


@pytest.mark.model
def test_end_to_end_food_sampling_question(capsys, built_index):
    code, out, _ = run(capsys, "search", "深圳到2025年食品抽检要达到什么水平", "--json", "--index", built_index)
    hits = json.loads(out)["hits"]
    assert code == 0
    answer = match_key("食用农产品和食品抽检量达到10批次/千人")
    assert any(answer in match_key(h["text"]) for h in hits[:3])
