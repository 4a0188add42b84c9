"""How much of an index's indicator names the glossary can gloss back into English (search.english_gloss).

    .venv/bin/python benchmarks/bench_gloss.py --index /tmp/me/idx [--sample 20]

Takes the first Han cell (4-30 characters, no sentence punctuation) of every row of the index's table
passages as an indicator name, and prints one JSON record: names, share glossed at several coverage
thresholds (``MIN_COVERED`` is the one in use), and a sample of names with their gloss and coverage.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from search.english_gloss import _BRACKETS, MIN_COVERED, gloss_chinese
    from search.glossary import default_glossary

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", required=True)
    ap.add_argument("--sample", type=int, default=20)
    a = ap.parse_args()
    names: set[str] = set()
    for line in open(Path(a.index) / "chunks.jsonl", encoding="utf-8"):
        chunk = json.loads(line)
        if chunk.get("kind") != "table":
            continue
        for row in chunk["text"].split("\n"):
            for cell in (c.strip() for c in row.split("|")) if "|" in row else ():
                if re.search(r"[\u4e00-\u9fff]{4,}", cell) and len(cell) <= 30 and not re.search(r"[，。；]", cell):
                    names.add(cell)
                    break
    glossary = default_glossary()
    glossed = [(n, *gloss_chinese(_BRACKETS.sub("", n).strip(), glossary)) for n in sorted(names)]
    shares = {str(t): round(sum(c >= t for _, _, c in glossed) / max(len(glossed), 1), 3)
              for t in (0.5, 0.6, MIN_COVERED, 0.9)}
    random.seed(1)
    sample = random.sample(glossed, min(a.sample, len(glossed)))
    print(json.dumps({"names": len(glossed), "min_covered": MIN_COVERED, "glossed_share": shares,
                      "sample": [{"name": n, "english": e, "covered": round(c, 2)} for n, e, c in sample]},
                     ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
