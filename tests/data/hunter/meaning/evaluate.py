"""Hunter on its held-out corpus of injections by meaning, URL credentials and ordinary texts.

    python tests/data/hunter/meaning/evaluate.py [heldout.jsonl|fresh_heldout3.jsonl|...|train.jsonl]
    python tests/data/hunter/meaning/evaluate.py --all    # one line per held-out file, no misses listed

Each text goes through `engine.hunter.scan` as a lead's requirements would; an injection or a
secret counts when the scan's action is its expected one (redact, or stricter: block), an
ordinary text when it is allowed. Also printed: the same with the classifier off (patterns only),
the figure the approach was chosen by. Last line: one JSON object.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[3]))

from engine.hunter import scan  # noqa: E402
from engine.hunter.detectors import injection  # noqa: E402

STRICTER = {"redact": {"redact", "block"}, "allow": {"allow"}}


def load(name: str = "heldout.jsonl") -> list[dict[str, Any]]:
    return [json.loads(x) for x in (HERE / name).read_text(encoding="utf-8").splitlines() if x.strip()]


@contextmanager
def patterns_only() -> Iterator[None]:
    saved = injection.CLASSIFIER_MIN_CHARS
    injection.CLASSIFIER_MIN_CHARS = 10**9
    try:
        yield
    finally:
        injection.CLASSIFIER_MIN_CHARS = saved


def by_patterns(text: str) -> bool:
    """Whether the phrase patterns alone (classifier off) flag `text` as a prompt injection."""
    with patterns_only():
        return any(h.detector == "prompt_injection" for h in injection.detect_prompt_injection(text))


def figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    missed: list[str] = []
    for kind in ("injection", "secret", "ordinary"):
        items = [r for r in rows if r["kind"] == kind]
        ok = 0
        for r in items:
            action = scan("requirements", r["text"]).action.value
            if action in STRICTER[r["expected"]]:
                ok += 1
            else:
                missed.append(f"{kind} -> {action}: {r['text'][:110]!r}")
        out[kind] = {"n": len(items), "at_expected_action": ok, "rate": round(ok / len(items), 4) if items else None}
    bad = out["injection"]["n"] + out["secret"]["n"] - out["injection"]["at_expected_action"] - \
        out["secret"]["at_expected_action"]
    n_bad = out["injection"]["n"] + out["secret"]["n"]
    out["malicious_at_expected_action"] = round(1 - bad / n_bad, 4)
    out["ordinary_not_allowed"] = round(1 - out["ordinary"]["rate"], 4)
    out["missed"] = missed
    return out


HELD_OUT = ("heldout.jsonl", "fresh_heldout.jsonl", "fresh_heldout2.jsonl", "fresh_heldout3.jsonl",
            "fresh_heldout4.jsonl", "fresh_heldout5.jsonl", "fresh_heldout6.jsonl",
            "fresh_heldout7.jsonl", "fresh_heldout8.jsonl", "fresh_feedback.jsonl")


def main() -> None:
    if sys.argv[1:] == ["--all"]:
        for name in HELD_OUT:
            f = figures(load(name))
            print(json.dumps({"corpus": name, "malicious_at_expected_action": f["malicious_at_expected_action"],
                              "ordinary_not_allowed": f["ordinary_not_allowed"]}))
        return
    name = sys.argv[1] if len(sys.argv) > 1 else "heldout.jsonl"
    rows = load(name)
    with patterns_only():
        base = figures(rows)
    full = figures(rows)
    for label, f in (("patterns only", base), ("patterns + classifier", full)):
        print(f"{label:22} injections {f['injection']['at_expected_action']}/{f['injection']['n']}, "
              f"secrets {f['secret']['at_expected_action']}/{f['secret']['n']}, "
              f"ordinary allowed {f['ordinary']['at_expected_action']}/{f['ordinary']['n']}")
    for m in full["missed"]:
        print("  missed:", m)
    print(json.dumps({"corpus": name, "rows": len(rows),
                      "malicious_at_expected_action": full["malicious_at_expected_action"],
                      "ordinary_not_allowed": full["ordinary_not_allowed"],
                      "patterns_only_malicious_at_expected_action": base["malicious_at_expected_action"],
                      "patterns_only_ordinary_not_allowed": base["ordinary_not_allowed"]}))


if __name__ == "__main__":
    main()
