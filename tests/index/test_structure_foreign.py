"""Section paths of regulations (第X章 > 第X条), 专栏 boxes, lost brackets and run-in headings."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.clean import clean
from index.config import Config
from index.corpus import ingest_file
from index.reader import SourceFile


def _ingest(text: str):
    src = SourceFile(path=None, name="r.txt", text=text, encoding="utf-8")  # type: ignore[arg-type]
    docs, sections, chunks = ingest_file(src, Config())
    for ch in chunks:
        assert clean(text[ch.start:ch.end]).text == ch.text
    return docs, sections, chunks


def _path_of(chunks, phrase: str) -> tuple[str, ...]:
    return next(c.section_path for c in chunks if phrase in c.text)


REGULATION = (
    "某州政务数据资源管理暂行办法\n"
    "\u3000第一章\u3000总则\u3000\u3000第一条 \u3000为规范政务数据资源管理，制定本办法。\n"
    "\u3000\u3000第二条 \u3000本办法适用于全州。依照本办法第五条处理的，从其规定。\n"
    "第二章  规划 建设\n第三条\n各部门不得新建数据中心。\n"
    "第四条 申请应当包括下列材料：\n（一）申请表；\n（二）身份证明。\n"
    "第五条 应当自收到申请之日起7个工作日内答复。\n"
) * 1


def test_articles_under_chapters():
    docs, sections, chunks = _ingest(REGULATION + "其他说明。" * 300)
    assert docs[0].title == "某州政务数据资源管理暂行办法"
    assert [s.heading for s in sections if s.kind == "heading"] == [
        "第一章 总则", "第一条", "第二条", "第二章 规划 建设", "第三条", "第四条", "第五条"]
    assert _path_of(chunks, "不得新建") == ("第二章 规划 建设", "第三条")
    assert _path_of(chunks, "身份证明") == ("第二章 规划 建设", "第四条")  # items are the article's


PLAN = (
    "某省应急体系规划\n一、规划背景\n（一）发展基础。\n某省应急工作取得进展。\n"
    "二、总体要求\n一）指导思想\n坚持人民至上。\n"
    "（二）服务美丽乡村建设行动，促进生态宜居。一要加强农村基础设施建设，二要保护生态。\n"
    "专栏1　安全生产治本攻坚重点\n\u3000\u30001．危险化学品。化工园区本质安全整治提升。\n"
    "\u3000\u30002．矿山。煤与瓦斯突出治理。\n"
    "（三）主要目标。\n到2025年，应急体系更加完善，各项目标全面实现，人民群众安全感明显增强。\n"
)


def test_plan_ladder_lost_bracket_run_in_heading_and_box():
    _, sections, chunks = _ingest(PLAN + "其他说明。" * 300)
    headings = [s.heading for s in sections if s.kind == "heading"]
    assert headings == ["一、规划背景", "（一）发展基础", "二、总体要求", "（一）指导思想",
                        "（二）服务美丽乡村建设行动，促进生态宜居", "（三）主要目标"]
    assert _path_of(chunks, "瓦斯") == ("二、总体要求", "（二）服务美丽乡村建设行动，促进生态宜居",
                                        "专栏1安全生产治本攻坚重点")


SUMMARY_BOX = (
    "某区工业发展规划\n第一章 重点产业\n一、壮大一批千亿元产业\n（一）石化产业\n建设石化基地，延长产业链。\n"
    "（二）造纸产业\n建设林浆纸一体化项目，发展循环经济。\n"
    "专栏1 两大千亿元产业发展重点\n【石化产业】建设沿海石油化工产业基地，打造超千亿元石化产业园。\n"
    "【造纸产业】重点建设临港林浆纸一体化项目。\n"
    "二、积极发展新兴产业\n坚持创新驱动，培育新材料产业。\n"
    "三、发展目标\n到2020年，工业总产值达到16000亿元以上，实现跨越发展。\n"
    "表 1 “十三五”时期主要发展目标\n指标\n单位\n2020 年\n工业总产值\n亿元\n16000\n年销售收入超千亿元企业\n个\n5\n"
    "第二章 保障措施\n一、加强组织领导\n明确任务分工，落实工作责任，确保工作取得实效。\n"
)


def test_box_summing_up_a_section_and_a_cell_per_line_table():
    _, _, chunks = _ingest(SUMMARY_BOX + "其他说明。" * 300)
    assert _path_of(chunks, "超千亿元石化产业园") == ("第一章 重点产业", "一、壮大一批千亿元产业",
                                                   "专栏1两大千亿元产业发展重点")
    assert _path_of(chunks, "年销售收入超千亿元企业") == ("第一章 重点产业", "三、发展目标",
                                                     "表1“十三五”时期主要发展目标")
    assert _path_of(chunks, "林浆纸一体化项目，发展") == ("第一章 重点产业", "一、壮大一批千亿元产业", "（二）造纸产业")


FOREIGN = Path(__file__).resolve().parents[3] / "shared" / "foreign-dev"


@pytest.mark.skipif(not (FOREIGN / "structure.json").exists(), reason="foreign-dev corpus not present")
def test_foreign_dev_titles_and_section_paths():
    import json
    import re

    from index.corpus import read_corpus
    from index.normalize import match_key

    corpus = read_corpus([FOREIGN / "docs"])
    by_source: dict[str, list] = {}
    for d in corpus.documents:
        by_source.setdefault(Path(d.source).name, []).append(d)
    assert all(len(docs) == 1 for docs in by_source.values()), {k: [d.title for d in v] for k, v in by_source.items()}

    def key(s: str) -> str:
        return re.sub(r"\s+", "", match_key(s))

    items = json.loads((FOREIGN / "structure.json").read_text(encoding="utf-8"))
    for item in items:
        docs = by_source.get(item["doc"], [])
        assert any(key(item["title"]) in key(d.title) or key(d.title) in key(item["title"]) for d in docs), item
        chunk = next(c for c in corpus.chunks if Path(c.source).name == item["doc"] and key(item["passage"]) in key(c.text))
        got = [key(h) for h in chunk.section_path][-len(item["section_path"]):]
        assert all(w in g or g in w for w, g in zip([key(h) for h in item["section_path"]], got)), (item, chunk.section_path)
