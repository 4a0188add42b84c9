"""Web-page furniture at a document's edges is kept out of the chunks; a plan's own words are not."""

from __future__ import annotations

from index.furniture import page_furniture

BODY = "一、总体要求\n坚持稳中求进工作总基调，推动高质量发展，确保各项目标任务全面完成。" * 3


def _cut(text: str, title: str) -> list[str]:
    start = text.index(title)
    return [text[a:b] for a, b in page_furniture(text, 0, start, start + len(title), len(text))]


def test_site_header_before_the_title_and_view_counter_after_it():
    text = "服务热线: 0755-1234 政策 某市行动计划的通知 日期: 2015-01-01 浏览次数: 17 ?\n" + BODY
    assert _cut(text, "某市行动计划的通知") == ["服务热线: 0755-1234 政策 ", "浏览次数: 17 ?"]


def test_footer_line_goes_whole_with_the_blank_lines_before_it():
    text = "某市规划\n" + BODY + "\n\n?\n\n关闭窗口】【打印\nCONTACT US / 联系我们\n电话:0755-83202711"
    assert _cut(text, "某市规划") == ["\n\n?\n\n关闭窗口】【打印\nCONTACT US / 联系我们\n电话:0755-83202711"]


def test_footer_table_row_goes_from_its_line_start():
    text = "某市规划\n" + BODY + "\n![]() | 版权所有: | 某某信息咨询有限公司 | 粤ICP备16012531号 |"
    assert _cut(text, "某市规划") == ["\n![]() | 版权所有: | 某某信息咨询有限公司 | 粤ICP备16012531号 |"]


def test_share_links_after_the_last_sentence():
    text = "某市规划\n" + BODY + " 扫码获取全文 直接下载全文 相关阅读"
    assert _cut(text, "某市规划") == [" 扫码获取全文 直接下载全文 相关阅读"]


def test_plan_prose_that_names_a_hotline_or_copyright_is_kept():
    text = ("某市规划\n" + BODY + "\n畅通12345政务服务热线，加强版权所有人权益保护和著作权登记服务，"
            "完善知识产权公共服务体系建设。")
    assert _cut(text, "某市规划") == []


def test_metadata_block_lines_around_the_title():
    text = ("# 某市应急体系规划\n**发布日期**: 2021年12月\n**发布机构**: \n**来源**: https://www.gov.cn/a.htm\n"
            "某府发〔2021〕36号\n" + BODY + "\n---\n\n**更新时间**: 2026-01-26 11:25:35")
    assert _cut(text, "# 某市应急体系规划") == [
        "**发布日期**: 2021年12月\n**发布机构**: \n**来源**: https://www.gov.cn/a.htm", "\n---\n\n**更新时间**: 2026-01-26 11:25:35"]


def test_export_header_and_bullet_metadata_before_the_title():
    text = "【法宝引证码】 CLI.12.4792728\n原文链接：https://www.pkulaw.com/a.html\n- **文档类型**：政策类\n某州管理办法\n" + BODY
    assert _cut(text, "某州管理办法") == [
        "【法宝引证码】 CLI.12.4792728\n原文链接：https://www.pkulaw.com/a.html\n- **文档类型**：政策类"]
