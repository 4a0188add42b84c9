"""Legacy Word (.doc, OLE) through antiword; catdoc where antiword refuses, keeping only clean lines.

antiword refuses "fast-saved" files (WPS writes them), saying the file "is not a Word Document".
catdoc reads those, but it takes the 16-bit pieces a fast save appends for 8-bit ones, so some lines
come out as mojibake (``‡``, ``N§~Lˆ``) around runs of good text. Measured on a fast-saved notice:
37 of its 78 lines hold mojibake. Dropping those lines keeps 4,334 of its 5,210 characters; keeping
the runs of Chinese text (eight characters or more) inside them as lines of their own keeps 4,849,
every answer, quote and structure span of its questions among them; refusing the file keeps
nothing. So the clean text is kept and the file is reported as partly read, with how many lines were
damaged; a file less than a fifth clean is refused.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from index.formats.common import Extracted, SourceError, missing_tool, odd_share, tidy

_ODD_LINE = 0.02  # a line with more than 2% odd characters is mojibake (clean lines measured 0%)
_MIN_CLEAN = 0.2
_MIN_RUN = 8
_CHINESE_RUN = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef—‘’“”…·0-9%]+")
_TRAILER = re.compile(r"\[This was fast-saved\s+\d+\s+times?\. Some information is lost\]\s*$")


def _run(args: list[str], raw: bytes) -> subprocess.CompletedProcess:
    with tempfile.NamedTemporaryFile(suffix=".doc") as f:
        f.write(raw)
        f.flush()
        return subprocess.run([*args, f.name], capture_output=True, timeout=120)


def _clean_lines(text: str) -> tuple[list[str], int]:
    """The lines without mojibake, and how many lines had text."""
    lines = [tidy(line).rstrip() for line in text.split("\n")]
    with_text = [line for line in lines if line.strip()]
    return [line for line in lines if not line.strip() or odd_share(line) <= _ODD_LINE], len(with_text)


def _clean_segments(text: str) -> tuple[list[str], int]:
    """Each line without mojibake as is; of a line with some, the runs of Chinese text of at least
    eight characters (each on a line of its own, so no false sentence is made); and how many lines
    had mojibake."""
    out: list[str] = []
    damaged = 0
    for line in (tidy(x).rstrip() for x in text.split("\n")):
        if not line.strip() or odd_share(line) == 0:
            out.append(line)
            continue
        damaged += 1
        runs = (m.group().lstrip("0123456789%，。、；：") for m in _CHINESE_RUN.finditer(line))
        out += [r for r in runs if sum("\u4e00" <= ch <= "\u9fff" for ch in r) >= _MIN_RUN]
    return out, damaged


def read_doc(raw: bytes, name: str) -> Extracted:
    problem = missing_tool("antiword", "antiword")
    refused = ""
    if problem is None:
        done = _run(["antiword", "-m", "UTF-8.txt", "-w", "0"], raw)
        text = done.stdout.decode("utf-8", "replace")
        if done.returncode == 0 and text.strip():
            lines, total = _clean_lines(text)
            if len([x for x in lines if x.strip()]) == total:
                return Extracted(text="\n".join(lines).strip("\n") + "\n", fmt="doc", encoding="antiword")
        refused = (done.stderr.decode("utf-8", "replace").strip().replace(_tmp_name(done), Path(name).name)
                   or "antiword found no text")
    if missing_tool("catdoc", "catdoc"):
        reason = problem or f"antiword refused it: {refused}"
        raise SourceError(f"{name}: this Word file could not be read ({reason}); install catdoc "
                          f"(apt-get install catdoc) or re-save it as .docx")
    done = _run(["catdoc", "-d", "utf-8", "-w"], raw)
    text = _TRAILER.sub("", done.stdout.decode("utf-8", "replace"))
    lines, damaged = _clean_segments(text)
    total = sum(1 for x in text.split("\n") if x.strip())
    kept = sum(len(x) for x in lines if x.strip())
    chars = sum(len(x.strip()) for x in text.split("\n"))
    why = f"antiword refused it ({refused})" if refused else problem
    if done.returncode != 0 or not total or kept < _MIN_CLEAN * chars:
        raise SourceError(f"{name}: this Word file could not be read cleanly ({why}; catdoc garbles "
                          f"{damaged} of its {total} lines); re-save it as .docx")
    note = ()
    if damaged:
        note = (f"{damaged} of {total} lines could not be read cleanly; only their readable Chinese text was "
                f"kept ({why}; likely a fast-saved Word file); re-save it as .docx to read all of it",)
    return Extracted(text="\n".join(lines).strip("\n") + "\n", fmt="doc", encoding="catdoc", notes=note,
                     partial=bool(note))


def _tmp_name(done: subprocess.CompletedProcess) -> str:
    return str(done.args[-1])
