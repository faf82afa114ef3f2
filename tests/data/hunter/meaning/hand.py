"""Add hand-written rows to Hunter's training corpus as hand_<name>.jsonl.

    python tests/data/hunter/meaning/hand.py NAME FILE.jsonl

FILE holds rows written one by one (no templates), following hand_brief.md: {"text", "kind": injection |
ordinary, "family", "group", "lang"}. Rows are checked (kind, non-empty text); exact duplicates,
and any text that shares half its runs of four words with a text of a held-out file, are dropped, and each row gets the corpus's fields: its
template is "hand-NAME:GROUP" (variants of one idea share a group, so cross-validation keeps
them in one fold) and its expected action (redact for an injection, allow otherwise).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from evaluate import HELD_OUT, load  # noqa: E402 (beside this file)


def shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i:i + 4]) for i in range(max(1, len(words) - 3))}


def near_held_out(held: set[str]):  # type: ignore[no-untyped-def]
    """A test: does a text share at least half its runs of four words with a held-out text?"""
    sets = [shingles(t) for t in held]
    index: defaultdict[str, set[int]] = defaultdict(set)
    for i, s in enumerate(sets):
        for g in s:
            index[g].add(i)

    def near(text: str) -> bool:
        mine = shingles(text)
        shared = Counter(i for g in mine for i in index.get(g, ()))
        return any(k >= 0.5 * min(len(mine), len(sets[i])) for i, k in shared.items())

    return near


def main() -> None:
    name, source = sys.argv[1], Path(sys.argv[2])
    held = {r["text"].strip() for f in HELD_OUT if (HERE / f).exists() for r in load(f)}
    near = near_held_out(held)
    out, seen, dropped = [], set(), 0
    for n, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        r = json.loads(line)
        text, kind = str(r.get("text", "")).strip(), r.get("kind")
        if kind not in ("injection", "ordinary") or not text:
            raise SystemExit(f"{source}:{n}: kind must be injection or ordinary and text non-empty")
        if text in seen or text in held or near(text):
            dropped += 1
            continue
        seen.add(text)
        family = r.get("family") or kind
        out.append({"text": text, "kind": kind, "family": f"hand_{family}" if kind == "injection" else "hand_ordinary",
                    "template": f"hand-{name}:{r.get('group') or n}", "lang": r.get("lang", "en"),
                    "expected": "redact" if kind == "injection" else "allow", "origin": f"hand-{name}"})
    target = HERE / f"hand_{name}.jsonl"
    target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), encoding="utf-8")
    print(f"{target.name}: {len(out)} rows ({sum(r['kind'] == 'injection' for r in out)} injections), "
          f"{dropped} dropped as duplicates or held out")


if __name__ == "__main__":
    main()
