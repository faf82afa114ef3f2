"""The offline agent model on the held-out part of the corpus (tests/data/agent/held_out.jsonl), which
it was never trained or tuned on.

Two readings of every message, timed in the same run:
- the model as shipped (the learned classifier, the two hand rules, the slot extractors);
- the baseline: the classifier alone, without the hand rules (so the ratio shows what the rules add).

Accuracy: `tool_accuracy` counts the right tool called at once; `full_accuracy` also needs the key
arguments right (tools/offline/evaluate.py). Time: the median of parsing one message (after a warm-up
pass that loads the model file, as a running process has).

Usage: python bench/agent.py [--failures]   Last line: one JSON object.
Look at this figure rarely: iterate on cross-validation over the training part instead
(`python -m tools.offline.train --cv [--failures]`), which never reads the held-out file.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.offline.evaluate import Verdict, judge, read, run  # noqa: E402


def measure(rows: list[dict], *, rules: bool) -> tuple[float, float, float, list[tuple[dict, Verdict]]]:
    tool_ok = full_ok = 0
    times = []
    wrong = []
    for row in rows:
        t0 = time.perf_counter()
        parsed = run(row, rules=rules)
        times.append((time.perf_counter() - t0) * 1000)
        v = judge(row, parsed)
        tool_ok += v.tool_ok
        full_ok += v.full_ok
        if not v.full_ok:
            wrong.append((row, v))
    return tool_ok / len(rows), full_ok / len(rows), statistics.median(times), wrong


def main() -> None:
    rows = read("held_out.jsonl")
    for row in rows[:20]:
        run(row)  # warm-up: the model file is read once per process
    base_tool, base_full, base_ms, _ = measure(rows, rules=False)
    tool, full, ms, wrong = measure(rows, rules=True)
    if "--failures" in sys.argv:
        for row, v in wrong:
            print(f"  {row['text'][:90]!r}: want {row['tool']} {row['args']}, got {v.got_tool} {v.got_args}")
    print(f"held-out messages: {len(rows)}")
    print(f"classifier alone : tool {base_tool:.1%}, full {base_full:.1%}, p50 {base_ms:.2f} ms")
    print(f"model as shipped : tool {tool:.1%}, full {full:.1%}, p50 {ms:.2f} ms")
    print(f"ratios (shipped / classifier alone): full accuracy x{full / base_full:.3f}, time x{ms / base_ms:.2f}")
    print(json.dumps({"held_out": len(rows), "tool_accuracy": round(tool, 4), "full_accuracy": round(full, 4),
                      "p50_ms": round(ms, 3), "baseline_full_accuracy": round(base_full, 4),
                      "baseline_p50_ms": round(base_ms, 3)}))


if __name__ == "__main__":
    main()
