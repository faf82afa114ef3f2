"""Train Hunter's prompt-injection classifier on train.jsonl (never on heldout.jsonl).

    python tests/data/hunter/meaning/train.py

TF-IDF over character n-grams (2-5, within words: robust to spelling, inflection and other
languages) and a logistic regression, stored as plain JSON weights in
engine/hunter/detectors/injection_model.json (no pickle: loading it runs no code). The decision
threshold is chosen on out-of-fold scores of the training rows only: the lowest that keeps
ordinary texts under 0.5% flagged.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline

HERE = Path(__file__).parent
ROOT = HERE.parents[3]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "engine" / "hunter" / "detectors" / "injection_model.json"
PARAMS = {"analyzer": "char_wb", "ngram_range": [2, 5], "lowercase": True, "sublinear_tf": True,
          "min_df": 2, "max_features": 12000}


def load(name: str, held: bool) -> tuple[list[str], np.ndarray]:
    rows = [json.loads(x) for x in (HERE / name).read_text(encoding="utf-8").splitlines() if x]
    texts = [r["text"] for r in rows if r["kind"] != "secret"]
    labels = [1 if r["kind"] == "injection" else 0 for r in rows if r["kind"] != "secret"]
    return texts, np.array(labels)


def main() -> None:
    texts, y = load("train.jsonl", held=False)
    vec_params = {**PARAMS, "ngram_range": tuple(PARAMS["ngram_range"])}
    model = make_pipeline(TfidfVectorizer(**vec_params), LogisticRegression(C=4.0, class_weight="balanced",
                                                                             max_iter=2000))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=17)
    oof = cross_val_predict(model, texts, y, cv=folds, method="predict_proba")[:, 1]
    ordinary = np.sort(oof[y == 0])
    attacks = np.sort(oof[y == 1])
    # Midway between the highest-scoring ordinary text and the injection at the 2nd percentile:
    # the widest margin on both sides that the training rows allow.
    threshold = float((ordinary[-1] + attacks[int(len(attacks) * 0.02)]) / 2)
    print("ordinary top scores", np.round(ordinary[-5:], 3), "injection low scores", np.round(attacks[:8], 3))
    caught = float((oof[y == 1] >= threshold).mean())
    print(f"train rows {len(texts)} ({int(y.sum())} injections); out-of-fold: threshold {threshold:.3f}, "
          f"injections caught {caught:.1%}, ordinary flagged {(ordinary >= threshold).mean():.1%}")
    model.fit(texts, y)
    vec, clf = model.steps[0][1], model.steps[1][1]
    vocab = {k: int(v) for k, v in vec.vocabulary_.items()}
    OUT.write_text(json.dumps({
        "about": "Hunter prompt-injection classifier; built by tests/data/hunter/meaning/train.py",
        "vectorizer": PARAMS, "vocabulary": vocab, "idf": [round(float(x), 5) for x in vec.idf_],
        "coef": [round(float(x), 5) for x in clf.coef_[0]], "intercept": round(float(clf.intercept_[0]), 5),
        "threshold": round(threshold, 4),
    }, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
