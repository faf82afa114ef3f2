"""The prompt-injection classifier's stored weights (`injection_model.json`): TF-IDF vocabularies,
inverse document frequencies and logistic-regression coefficients, as plain Python values. Read by
the plain-Python scorer in `injection` and the numpy one in `injection_numpy`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("injection_model.json")


@dataclass(frozen=True, eq=False)  # hashed by identity: the numpy scorer caches its arrays per Weights
class Weights:
    char_vocabulary: dict[str, int]  # character n-grams within words (scikit-learn's char_wb)
    char_idf: list[float]
    char_coef: list[float]
    ngram_range: tuple[int, int]
    word_vocabulary: dict[str, int]  # words and word pairs; empty when the model has no word part
    word_idf: list[float]
    word_coef: list[float]
    word_ngrams: int
    intercept: float
    threshold: float  # for a chunk
    sentence_threshold: float


@lru_cache(maxsize=1)
def weights() -> Weights:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    char, word = data["char"], data.get("word") or {}
    lo, hi = (int(x) for x in char["ngram_range"])
    return Weights(char["vocabulary"], [float(x) for x in char["idf"]], [float(x) for x in char["coef"]], (lo, hi),
                   word.get("vocabulary", {}), [float(x) for x in word.get("idf", [])],
                   [float(x) for x in word.get("coef", [])], int(word["ngram_range"][1]) if word else 0,
                   float(data["intercept"]), float(data["threshold"]), float(data.get("sentence_threshold", 1.0)))
