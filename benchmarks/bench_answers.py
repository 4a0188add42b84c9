"""Answer quality in one process: does the answer sentence hold an expected span, how often does `ask`
abstain on answerable questions, and does it abstain on questions the corpus cannot answer.

    .venv/bin/python benchmarks/bench_answers.py --index /tmp/me/idx [--set FILE.jsonl]… [--unanswerable FILE]
        [--misses]

Prints one JSON record: per set and language ``[held, n]``, false abstentions, R@1 of the passages
``ask`` returns, abstentions on the unanswerable file, and the behaviour on a few fixed probes
(markup, nonsense). A span is held when it is contained in the answer text after ``match_key``
(繁→简, NFKC, whitespace and punctuation removed) on both sides.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETS = ("../shared/eval/dev.jsonl", "benchmarks/data/zh_blind.jsonl", "benchmarks/data/en_blind.jsonl")
DEFAULT_UNANSWERABLE = "../shared/eval/unanswerable_dev.jsonl"
PROBES = ("asdfgh", "<script>alert(1)</script>", "'; DROP TABLE chunks; --")


def _rows(path: str) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from index.normalize import match_key
    from search.engine import Engine

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", required=True)
    ap.add_argument("--set", action="append", dest="sets", help="question file with answers (repeatable)")
    ap.add_argument("--unanswerable", default=DEFAULT_UNANSWERABLE)
    ap.add_argument("--misses", action="store_true", help="print each miss on stderr")
    a = ap.parse_args()
    engine = Engine.load(a.index, build_if_missing=False, quiet=True)
    record: dict = {}
    started = time.perf_counter()
    asked = 0
    for path in a.sets or DEFAULT_SETS:
        if not Path(path).is_file():
            continue
        name = Path(path).stem
        per: dict[str, list[int]] = {}
        for q in _rows(path):
            result = engine.ask(q["question"])
            asked += 1
            keys = [match_key(x) for x in q["answers"] if match_key(x)]
            text = result.answer.text if result.answer else None
            held = bool(text) and any(k in match_key(text) for k in keys)
            top1 = bool(result.hits) and any(k in match_key(result.hits[0].chunk.text) for k in keys)
            stats = per.setdefault(q["lang"], [0, 0, 0, 0])  # held, n, abstained, top-1 passage holds
            stats[0] += held
            stats[1] += 1
            stats[2] += text is None
            stats[3] += top1
            if a.misses and not held:
                sys.stderr.write(f"MISS {name} {q['id']} {q['question']}\n   want {q['answers'][0]}\n"
                                 f"   got  {text!r} {'' if text else result.reason}\n")
        for lang, (held, n, abstained, top1) in sorted(per.items()):
            record[f"{name}_{lang}"] = {"held": [held, n], "share": round(held / n, 3),
                                        "abstained": abstained, "r@1": round(top1 / n, 3)}
    if Path(a.unanswerable).is_file():
        rows = _rows(a.unanswerable)
        wrong = []
        for q in rows:
            result = engine.ask(q["question"])
            asked += 1
            if result.answer is not None:
                wrong.append(q["id"])
                if a.misses:
                    sys.stderr.write(f"ANSWERED {q['id']} {q['question']}\n   got  {result.answer.text!r}\n")
        record["unanswerable_abstained"] = [len(rows) - len(wrong), len(rows)]
    record["probes_abstained"] = [sum(engine.ask(p).answer is None for p in PROBES), len(PROBES)]
    record["seconds_per_question"] = round((time.perf_counter() - started) / max(1, asked), 3)
    print(json.dumps(record, ensure_ascii=False))


if __name__ == "__main__":
    main()
