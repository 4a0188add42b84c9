"""Abbreviations a question uses for what plans write in full: 电商 for 电子商务, 发改委 for 发展改革委, GDP for
地区生产总值. Answer scoring looks for a question term in either form (retrieval is unchanged: BM25 matches
the question's own words and the dense channel reads the meaning)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from search.terms import QueryTerm

# abbreviation → the full forms plan texts use (normalised keys: simplified, lower case, no spaces).
# General government and planning vocabulary, not the wording of any one question.
FULL_FORMS: dict[str, tuple[str, ...]] = {
    "电商": ("电子商务",),
    "跨境电商": ("跨境电子商务",),
    "发改委": ("发展改革委", "发展和改革委员会", "发展改革委员会"),
    "发改": ("发展改革", "发展和改革"),
    "住建": ("住房和城乡建设", "住房城乡建设"),
    "住建部": ("住房和城乡建设部", "住房城乡建设部"),
    "人社": ("人力资源和社会保障", "人力资源社会保障"),
    "工信": ("工业和信息化",),
    "工信部": ("工业和信息化部",),
    "网信": ("网络安全和信息化",),
    "卫健": ("卫生健康",),
    "卫健委": ("卫生健康委", "卫生健康委员会"),
    "市监": ("市场监督管理", "市场监管"),
    "银保监": ("银行保险监督管理", "银保监会"),
    "国资委": ("国有资产监督管理委员会", "国资委"),
    "医保": ("医疗保障", "医疗保险"),
    "双碳": ("碳达峰", "碳中和"),
    "规上": ("规模以上",),
    "新基建": ("新型基础设施",),
    "公租房": ("公共租赁住房",),
    "保障房": ("保障性住房",),
    "廉租房": ("廉租住房",),
    "民企": ("民营企业",),
    "国企": ("国有企业",),
    "外企": ("外资企业", "外商投资企业"),
    "小微": ("小微企业", "小型微型企业"),
    "gdp": ("地区生产总值", "国内生产总值", "生产总值"),
    "人均gdp": ("人均地区生产总值", "人均生产总值"),
    "研发": ("研究与试验发展",),
    "污水厂": ("污水处理厂",),
    "充电桩": ("充电设施", "充电桩"),
    "养老院": ("养老机构", "养老院"),
}


def with_full_forms(terms: Sequence[QueryTerm]) -> list[QueryTerm]:
    """``terms`` with the full forms of the abbreviations among their forms added (weights unchanged)."""
    out = []
    for term in terms:
        extra = [f for form in term.forms for f in FULL_FORMS.get(form, ()) if f not in term.forms]
        if extra:
            forms = tuple(sorted({*term.forms, *extra}, key=len, reverse=True))
            term = replace(term, forms=forms)
        out.append(term)
    return out
