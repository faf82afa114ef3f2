"""Train the intent classifier from the corpus and write `tools/offline/intent_model.json`.

    python -m tools.offline.train            # writes the model
    python -m tools.offline.train --check    # fails if the shipped model is not what the corpus gives
    python -m tools.offline.train --cv [--failures]   # cross-validation on the training part only

Cross-validation leaves whole groups out (the rows generated from one template together, each hand-written
row alone), five folds fixed by a hash of the group, and runs the whole parser (classifier, hand rules, slot
extractors) with each fold's model: the figure to iterate on, so the held-out part is only ever checked.

Only tests/data/agent/train.jsonl is read: the held-out file is never seen here. Deterministic: the same
corpus gives the same file (lbfgs, fixed folds, weights rounded to 5 digits).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from tools.offline.classifier import MODEL_PATH, NO_TOOL
from tools.offline.features import features
from tools.offline.fields import owner
from tools.offline.parser import model_text
from tools.offline.text import MAX_CHARS, prepare

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "data" / "agent" / "train.jsonl"
C = float(__import__("os").environ.get("GRACE_TRAIN_C", "100"))
MIN_DF = 1
# Below this probability the model asks which of its two best readings was meant (chosen on the training
# corpus by cross-validation, never on the held-out part).
THRESHOLD = 0.4


def read(path: Path = CORPUS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def texts(rows: list[dict[str, Any]]) -> list[str]:
    """Each message as the classifier reads it at run time (tools/offline/parser.py: prepared, and marked when
    it mentions a team member)."""
    return [model_text(re.sub(r"\s+", " ", prepare(r["text"][:MAX_CHARS])), owner(r["text"][:MAX_CHARS])) for r in rows]


def fit(rows: list[dict[str, Any]], threshold: float = THRESHOLD) -> dict[str, Any]:
    # scikit-learn is needed only to train (deferred: the running model reads the JSON file).
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    labels = [r["tool"] or NO_TOOL for r in rows]
    vec = TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=MIN_DF, norm="l2")
    x = vec.fit_transform(texts(rows))
    clf = LogisticRegression(C=C, max_iter=5000)
    clf.fit(x, labels)
    names = vec.get_feature_names_out()
    weights: dict[str, list[float]] = {}
    for j in range(len(names)):
        col = [round(float(clf.coef_[k][j]), 5) for k in range(len(clf.classes_))]
        if any(abs(w) >= 1e-4 for w in col):
            weights[str(j)] = col
    return {"classes": [str(c) for c in clf.classes_], "features": [str(n) for n in names],
            "idf": [round(float(v), 5) for v in vec.idf_], "weights": weights,
            "intercept": [round(float(v), 5) for v in clf.intercept_], "threshold": threshold,
            "trained_on": {"rows": len(rows), "C": C}}


def dump(model: dict[str, Any]) -> str:
    return json.dumps(model, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"


def _group(row: dict[str, Any], index: int) -> str:
    origin = str(row.get("origin", ""))
    return origin if origin.startswith("template") else f"{origin}:{index}"


def cross_validate(rows: list[dict[str, Any]], folds: int = 5, failures: bool = False) -> dict[str, Any]:
    """Tool and full accuracy of the parser over `folds` leave-groups-out folds of the training rows."""
    import zlib
    from collections import Counter
    from unittest import mock

    from tools.offline import classifier
    from tools.offline.evaluate import judge, run

    fold_of = [zlib.crc32(_group(r, i).encode()) % folds for i, r in enumerate(rows)]
    seen: Counter[str] = Counter()
    tool_ok: Counter[str] = Counter()
    full_ok: Counter[str] = Counter()
    misses = []
    for k in range(folds):
        model = classifier.from_json(fit([r for r, f in zip(rows, fold_of, strict=True) if f != k]))
        with mock.patch.object(classifier, "load", lambda *a, m=model: m):
            for row, f in zip(rows, fold_of, strict=True):
                if f != k:
                    continue
                v = judge(row, run(row))
                name = row["tool"] or NO_TOOL
                seen[name] += 1
                tool_ok[name] += v.tool_ok
                full_ok[name] += v.full_ok
                if not v.full_ok:
                    misses.append((row, v))
    n = sum(seen.values())
    if failures:
        for row, v in misses:
            print(f"  {row['text'][:100]!r}: want {row['tool']} {row['args']}, got {v.got_tool} {v.got_args}")
    for name in sorted(seen):
        print(f"  {name:22} {seen[name]:4}  tool {tool_ok[name] / seen[name]:.2f}  full {full_ok[name] / seen[name]:.2f}")
    return {"cv_rows": n, "cv_tool_accuracy": round(sum(tool_ok.values()) / n, 4),
            "cv_full_accuracy": round(sum(full_ok.values()) / n, 4)}


def main(argv: list[str]) -> int:
    if "--cv" in argv:
        print(json.dumps(cross_validate(read(), failures="--failures" in argv)))
        return 0
    text = dump(fit(read()))
    if "--check" in argv:
        same = MODEL_PATH.exists() and MODEL_PATH.read_text(encoding="utf-8") == text
        print("the shipped model matches the corpus" if same else "the shipped model is stale: retrain")
        return 0 if same else 1
    MODEL_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {MODEL_PATH} ({len(text) // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
