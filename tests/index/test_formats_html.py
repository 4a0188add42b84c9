"""HTML reading on a government-style page with navigation chrome: the main content only, tables as tables."""

from __future__ import annotations

import pytest

pytest.importorskip("selectolax")

from index.reader import read_paths  # noqa: E402

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>某市人民政府关于印发某市养老服务发展规划的通知 - 某市人民政府门户网站</title>
<style>.x{color:red}</style><script>var a = "首页";</script></head>
<body>
<div class="header"><a href="/">首页</a> <a href="/zwgk">政务公开</a> <a href="/hd">互动交流</a></div>
<ul class="nav-menu"><li><a href="/a">机构概况</a></li><li><a href="/b">政策文件</a></li></ul>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a></div>
<form class="search-box"><input name="q" value="请输入关键词"><button>搜索</button></form>
<div class="main">
  <h1>某市人民政府关于印发某市养老服务发展规划的通知</h1>
  <div class="share-bar">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
  <div class="article">
    <p>各区人民政府：</p>
    <p>&#12288;&#12288;现将《某市养老服务发展规划》印发给你们，请认真贯彻执行。</p>
    <h2>一、发展目标</h2>
    <p>&#12288;&#12288;到2025年，每千名老年人
    拥有养老床位&nbsp;40&nbsp;张。</p>
    <table>
      <tr><th>指标</th><th>2020年</th><th>2025年</th></tr>
      <tr><td rowspan="2">养老床位</td><td>30张</td><td>40张</td></tr>
      <tr><td>护理型<br>占比50%</td><td>60%</td></tr>
    </table>
  </div>
  <div class="related-links"><h3>相关链接</h3><a href="/c">某市民政局</a><a href="/d">某市卫健委</a></div>
</div>
<div class="footer">主办：某市人民政府办公室 版权所有 ICP备12345号</div>
</body></html>"""

EXPECTED = """某市人民政府关于印发某市养老服务发展规划的通知
各区人民政府：
\u3000\u3000现将《某市养老服务发展规划》印发给你们，请认真贯彻执行。
一、发展目标
\u3000\u3000到2025年，每千名老年人拥有养老床位 40 张。
| 指标 | 2020年 | 2025年 |
| 养老床位 | 30张 | 40张 |
| 养老床位 | 护理型占比50% | 60% |
"""


def test_main_content_without_chrome(tmp_path):
    (tmp_path / "notice.html").write_text(PAGE, encoding="utf-8")
    files, reports = read_paths([tmp_path])
    src = files[0]
    assert src.text == EXPECTED
    assert (src.fmt, src.title_hint) == ("html", "某市人民政府关于印发某市养老服务发展规划的通知")
    headings = [(src.text[b.start:b.end], b.level) for b in src.blocks if b.kind == "heading"]
    assert headings == [("某市人民政府关于印发某市养老服务发展规划的通知", 1), ("一、发展目标", 2)]
    assert reports[0].status == "taken"


def test_gb2312_page_and_markup_named_txt(tmp_path):
    page = PAGE.replace('charset="utf-8"', 'charset="gb2312"')
    (tmp_path / "notice.txt").write_bytes(page.encode("gb18030"))  # markup in a .txt: read as HTML
    files, _ = read_paths([tmp_path])
    assert (files[0].fmt, files[0].encoding, files[0].text) == ("html", "gb18030", EXPECTED)
