"""The intent classifier at run time: a linear model over TF-IDF features, read from a JSON file.

Trained by `python -m tools.offline.train` (scikit-learn, deterministic) from the corpus in
tests/data/agent/train.jsonl; the weights ship as `intent_model.json` (JSON, never pickle). Using it needs
no scikit-learn: the TF-IDF weighting and the softmax are a few lines below, the same arithmetic as
sklearn's TfidfVectorizer(sublinear_tf=True, norm="l2") and LogisticRegression.predict_proba.
The file is read once per process, on first use.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tools.offline.features import Speller, features

MODEL_PATH = Path(__file__).with_name("intent_model.json")
NO_TOOL = "none"
STRONG = 1.5


@dataclass(frozen=True)
class IntentModel:
    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: list[float]
    weights: dict[int, list[float]]  # feature index -> one weight per class (features all-zero are left out)
    intercept: list[float]
    threshold: float
    speller: Speller

    def scores(self, text: str) -> list[tuple[str, float]]:
        """Every class with its probability, best first."""
        counts = Counter(self.vocabulary[f] for f in features(text, self.speller) if f in self.vocabulary)
        tfidf = {i: (1.0 + math.log(c)) * self.idf[i] for i, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in tfidf.values())) or 1.0
        logits = list(self.intercept)
        for i, v in tfidf.items():
            row = self.weights.get(i)
            if row:
                x = v / norm
                for k, w in enumerate(row):
                    logits[k] += w * x
        top = max(logits)
        exp = [math.exp(z - top) for z in logits]
        total = sum(exp)
        return sorted(((c, e / total) for c, e in zip(self.classes, exp, strict=True)), key=lambda t: -t[1])


def from_json(data: dict) -> IntentModel:
    vocab = {f: i for i, f in enumerate(data["features"])}
    # Typos are corrected only towards words that matter to the model (a strong weight for some tool):
    # correcting towards any known word turned new words into wrong old ones (cross-validated).
    known = {f[2:] for i, f in enumerate(data["features"]) if f.startswith("w:")
             and max(map(abs, data["weights"].get(str(i), [0.0]))) >= STRONG}
    return IntentModel(tuple(data["classes"]), vocab, data["idf"],
                       {int(k): v for k, v in data["weights"].items()}, data["intercept"], data["threshold"],
                       Speller(known))


@cache
def load(path: Path = MODEL_PATH) -> IntentModel:
    """The shipped model, read once per process."""
    return from_json(json.loads(path.read_text(encoding="utf-8")))
