"""HTML saved from government sites through selectolax: the main content only, tables kept as tables.

Chrome goes first: scripts, forms, ``nav``/``header``/``footer``/``aside``, and elements whose class or
id names a menu, breadcrumb, share bar, search box, footer or related-links list (the portal templates
of gz.gov.cn and thnet.gov.cn use ``curmb``, ``fx``, ``footer-tpl``, ``xgxx`` …), and short blocks that
open with 当前位置. The main content is then the element with the most text outside links (links count
three times against it), which keeps the article and its attachment tables and leaves the menus out.
Block elements end lines; ``h1``–``h6`` are headings; tables with two or more columns become one
``| a | b |`` line per row. The page's ``<h1>`` (or ``<title>`` without its site name) is the title hint,
and is put first when the main content does not hold it.
"""

from __future__ import annotations

import re

from index.formats.common import Block, Extracted, SourceError, TextBuilder, tidy

_DROP = "script, style, noscript, template, iframe, svg, canvas, form, button, select, input, textarea, " \
        "nav, header, footer, aside, object, embed"
_CHROME = re.compile(
    r"(^|[-_\s])(nav|navbar|menu|cru?mbs?|bread\w*|share\w*|fx|bdshare|footer\w*|foot|header|head|top|topbar|"
    r"toolbar|search\w*|sousuo|ss|related|xgxx|xgwz|xglj|links?|friend\w*|sidebar|side|login|copyright|"
    r"banner|print|fontsize|zoom-tool|pager|pagination|qrcode|ewm|wza|skip)([-_\s]|$)", re.IGNORECASE)
_HERE = re.compile(r"^\s*(当前位置|您当前的位置|您现在的位置|您的位置|当前所在位置)")
# Page tools that sit inside the article's box as text: font-size switches, view counters, print/close.
_TOOLS = re.compile(r"【?\s*字体[:：]?\s*[【\[]?\s*[大中小]\s*[大中小\s\]】]*】?|浏览(次数|量)[:：]?\s*[-\d]*\s*次?"
                    r"|^[-\d]*\s*次$|【?\s*(打印(本页|此页)?|关闭(窗口|本页)?|收藏|返回顶部)\s*】?(?=\s|$)")
_BLOCK = {"p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre",
          "center", "address", "figure", "figcaption", "tr", "table", "tbody", "thead", "tfoot", "br", "hr",
          "h1", "h2", "h3", "h4", "h5", "h6", "body", "form", "fieldset", "caption"}
_HEADING = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_WRAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])[ \t]*[\r\n]+[ \t\r\n]*(?=[\u3000-\u9fff\uff00-\uffef])")


def _collapse(text: str) -> str:
    """HTML whitespace: a source line break between Chinese characters is nothing, other runs a space."""
    return re.sub(r"[ \t\r\n]+", " ", _WRAP.sub("", text))


def _is_chrome(node) -> bool:
    attrs = node.attributes
    names = " ".join(v for k, v in attrs.items() if k in ("class", "id") and v)
    if names and _CHROME.search(names):
        return True
    if attrs.get("role") in ("navigation", "banner", "contentinfo", "search") or attrs.get("aria-hidden") == "true":
        return True
    style = (attrs.get("style") or "").replace(" ", "").lower()
    return "display:none" in style


def _strip_chrome(root) -> None:
    for node in root.css(_DROP):
        node.decompose()
    for node in list(root.css("*")):
        if node.mem_id != root.mem_id and _is_chrome(node):
            node.decompose()
    for node in list(root.css("div, p, span, td, li, ul")):
        if node.mem_id == root.mem_id:
            continue
        text = node.text(strip=True)
        if len(text) < 200 and _HERE.match(text):
            node.decompose()


def _score(node) -> int:
    links = sum(len(a.text(strip=True)) for a in node.css("a"))
    return len(node.text(strip=True)) - 3 * links


def _main(body):
    best, best_score = body, _score(body)
    for node in body.css("div, article, section, main, td"):
        score = _score(node)
        if score > best_score:
            best, best_score = node, score
    return best


def _cell_text(cell) -> str:
    parts: list[str] = []
    _inline(cell, parts, cell_mode=True)
    text = re.sub(r"\s*\ue000[\s\ue000]*", "\ue000", tidy("".join(parts))).strip(" \ue000")
    # lines inside a cell: nothing between Chinese characters (「基\n础\n指\n标」), a space otherwise
    text = re.sub(r"(?<=[\u3400-\u9fff])\ue000(?=[\u3400-\u9fff])", "", text).replace("\ue000", " ")
    return re.sub(r"\s+", " ", text).replace("|", "｜")


def _inline(node, parts: list[str], cell_mode: bool = False) -> None:
    """Text of ``node`` with block boundaries as newlines (or spaces inside a table cell)."""
    for child in node.iter(include_text=True):
        if child.tag == "-text":
            parts.append(_collapse(child.text_content or ""))
        elif child.tag in ("br", "hr"):
            parts.append("\ue000" if cell_mode else "\n")
        elif child.tag in _BLOCK:
            parts.append("\ue000" if cell_mode else "\n")
            _inline(child, parts, cell_mode)
            parts.append("\ue000" if cell_mode else "\n")
        elif child.tag not in ("-comment", "img"):
            _inline(child, parts, cell_mode)


class _Render:
    def __init__(self) -> None:
        self.out = TextBuilder()
        self.pending: list[str] = []
        self.paragraphs = 0
        self.tables = 0

    def flush(self) -> None:
        text = tidy("".join(self.pending))
        self.pending = []
        for line in text.split("\n"):
            if len(line) <= 60:
                line = _TOOLS.sub("", line)
            if line.strip():
                self.paragraphs += 1
                self.out.line(line.strip(" "), "paragraph", f"p{self.paragraphs}")

    def walk(self, node) -> None:
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                self.pending.append(_collapse(child.text_content or ""))
            elif tag in _HEADING:
                self.flush()
                text = re.sub(r"\s+", " ", tidy(child.text(separator=" "))).strip()
                self.paragraphs += 1
                self.out.line(text, "heading", f"p{self.paragraphs}", _HEADING[tag])
            elif tag == "table":
                self.flush()
                self.table(child)
            elif tag in ("br", "hr"):
                self.pending.append("\n")
            elif tag in _BLOCK:
                self.pending.append("\n")
                self.walk(child)
                self.pending.append("\n")
            elif tag not in ("-comment", "img"):
                self.walk(child)

    def table(self, table) -> None:
        rows = [row for row in table.css("tr") if _own_table(row, table)]
        nested = any(t.mem_id != table.mem_id for t in table.css("table"))
        if nested or not rows:  # a layout table: read its cells as blocks
            for cell in table.css("td, th"):
                if _own_table(cell, table):
                    self.walk(cell)
                    self.pending.append("\n")
            self.flush()
            return
        cells = _grid(rows, table)
        self.tables += 1
        if max(len(c) for c in cells) <= 1:
            for r, row in enumerate(cells, start=1):
                for cell in row:
                    self.out.line(cell, "paragraph", f"t{self.tables}r{r}")
            return
        for r, row in enumerate(cells, start=1):
            if any(row):
                self.out.line("| " + " | ".join(row) + " |", "row", f"t{self.tables}r{r}")


def _span(cell, attr: str) -> int:
    try:
        return max(1, min(50, int(cell.attributes.get(attr) or 1)))
    except ValueError:
        return 1


def _grid(rows: list, table) -> list[list[str]]:
    """Cell texts row by row on the table's grid: a cell spanning rows is repeated in each (so every
    row line carries its category: 「| 基础指标 | 1 | 合法稳定住所 | … |」), one spanning columns is
    written once, the columns it covers left empty."""
    grid: list[list[str]] = []
    carried: dict[int, tuple[str, int]] = {}  # column -> (text, rows still to fill)
    for row in rows:
        line: list[str] = []
        cells = [c for c in row.css("td, th") if _own_table(c, table)]
        col = 0
        for cell in cells:
            while col in carried:
                line.append(_carry(carried, col))
                col += 1
            text = _cell_text(cell)
            for k in range(_span(cell, "colspan")):
                line.append("" if k else text)  # once across the columns it spans
                if _span(cell, "rowspan") > 1:
                    carried[col] = ("" if k else text, _span(cell, "rowspan") - 1)
                col += 1
        while col in carried:
            line.append(_carry(carried, col))
            col += 1
        grid.append(line)
    return grid


def _carry(carried: dict[int, tuple[str, int]], col: int) -> str:
    text, left = carried[col]
    if left <= 1:
        del carried[col]
    else:
        carried[col] = (text, left - 1)
    return text


def _own_table(node, table) -> bool:
    """Is ``node`` a row/cell of ``table`` itself, not of a table nested in it?"""
    parent = node.parent
    while parent is not None and parent.tag != "table":
        parent = parent.parent
    return parent is not None and parent.mem_id == table.mem_id


def _title_hint(tree) -> str | None:
    page_title = tidy(tree.css_first("title").text()).strip() if tree.css_first("title") else ""
    heads = [re.sub(r"\s+", " ", tidy(h.text())).strip() for h in tree.css("h1")]
    heads = [h for h in heads if len(h) >= 4]
    for head in heads:
        if page_title and (head in page_title or page_title in head):
            return head
    if page_title:
        return max(re.split(r"\s+[-_|–—]\s+|_", page_title), key=len).strip() or None
    return heads[0] if heads else None


def read_html(raw: bytes, name: str, text: str) -> Extracted:
    """``text`` is the decoded page (the caller detected its encoding)."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(text)
    title = _title_hint(tree)
    body = tree.body or tree.root
    if body is None:
        raise SourceError(f"{name}: the HTML page has no body")
    _strip_chrome(body)
    render = _Render()
    render.walk(_main(body))
    render.flush()
    out = render.out
    extracted = out.text
    blocks = tuple(out.blocks)
    if title and re.sub(r"\s", "", title) not in re.sub(r"\s", "", extracted[:2000]):
        head = title + "\n"
        blocks = (Block(0, len(title), "heading", "title", 1),) + tuple(
            Block(b.start + len(head), b.end + len(head), b.kind, b.where, b.level) for b in blocks)
        extracted = head + extracted
    if not extracted.strip():
        raise SourceError(f"{name}: the HTML page holds no text outside menus and scripts")
    return Extracted(text=extracted, fmt="html", blocks=blocks, title_hint=title)
