"""Train Hunter's prompt-injection classifier on train.jsonl (never on a held-out file).

    python tests/data/hunter/meaning/train.py

TF-IDF over character n-grams within words (3-5: robust to spelling, inflection and other
languages) and over words and word pairs, and a logistic regression, stored as plain JSON weights
in engine/hunter/detectors/injection_model.json (no pickle: loading it runs no code).

Checked by cross-validation on the training rows only, grouped by template (a template's rows are
all in the same fold, so each fold's figures are on phrasings the model did not see): the figure
printed is Hunter's, patterns or classifier, as a scan would act. The decision threshold is chosen on
those out-of-fold scores: the lowest that keeps ordinary texts under 0.5% flagged.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline, make_union

HERE = Path(__file__).parent
ROOT = HERE.parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import evaluate  # noqa: E402 (beside this file)

from engine.hunter.detectors import injection  # noqa: E402

OUT = ROOT / "engine" / "hunter" / "detectors" / "injection_model.json"
CHAR = {"analyzer": "char_wb", "ngram_range": [3, 5], "lowercase": True, "sublinear_tf": True, "min_df": 2,
        "max_features": 20000}
WORD = {"analyzer": "word", "ngram_range": [1, 2], "lowercase": True, "sublinear_tf": True, "min_df": 2,
        "max_features": 15000}
C = float(sys.argv[sys.argv.index('-C') + 1]) if '-C' in sys.argv else 10.0
# The thresholds keep at most this share of the hand-written ordinary texts flagged in cross-validation
# (they are a month of real traffic with many look-alikes of attacks: chatbot projects quoting prompts,
# "please mark invoice 881 paid", "disregard my last e-mail"); without hand-written rows, of all ordinary ones.
ORDINARY_FLAGGED = float(sys.argv[sys.argv.index('--ordinary-flagged') + 1]) if '--ordinary-flagged' in sys.argv \
    else 0.02
# A hand-written row counts this many times in fitting: the template rows are many and alike.
HAND_WEIGHT = 2.0
# Neither threshold below this: the cross-validated ordinary texts are paraphrases and translations
# of one another, so they look more familiar to each fold than a stranger's text will (the first
# fresh evaluation of a model chosen without it flagged 10% of ordinary texts).
FLOOR = 0.5
# Chunks of a few sentences as well as sentences (cross-validation: chunks catch more at the same
# ordinary rate); with --sentences-only the chunk threshold is stored as 2 (never met).
READ_CHUNKS = "--sentences-only" not in sys.argv


def load(name: str) -> list[dict[str, str]]:
    """A corpus file's rows but its secrets (Hunter's secret detectors are not this classifier's)."""
    return [r for r in evaluate.load(name) if r["kind"] != "secret"]


def training_rows() -> list[dict[str, str]]:
    """build.py's template rows and the hand-written ones (hand_*.jsonl, see hand.py)."""
    return load("train.jsonl") + [r for f in sorted(HERE.glob("hand_*.jsonl")) for r in load(f.name)]


def fit(texts: list[str], y: np.ndarray, hand: np.ndarray):  # type: ignore[no-untyped-def]
    """The pipeline fitted on `texts` (hand-written ones weighted HAND_WEIGHT) and on every sentence of
    the ordinary ones (fitting_set), then fitted again with, for each injection of several sentences,
    the sentence the first fit scores highest as an injection of its own. A scan reads sentences: an
    injection buried in a genuine brief is one or two sentences, and fitting only on whole texts
    teaches the brief's own words as signs of an injection (cross-validation: 1 to 3 more points of
    injections caught at the same share of ordinary texts flagged)."""
    all_texts, all_y = fitting_set(texts, y)
    weight = np.ones(len(all_texts))
    weight[:len(texts)][hand] = HAND_WEIGHT
    first = pipeline().fit(all_texts, all_y, logisticregression__sample_weight=weight)
    groups = [sentences for text, label in zip(texts, y, strict=True)
              if label == 1 and len(sentences := [text[s:e] for s, e in injection.pieces(text)[0]]) > 1]
    p = first.predict_proba([t for g in groups for t in g])[:, 1] if groups else np.zeros(0)  # one call for all
    ends = np.cumsum([len(g) for g in groups])
    best = [g[int(np.argmax(p[end - len(g):end]))] for g, end in zip(groups, ends, strict=True)]
    return pipeline().fit(all_texts + best, np.concatenate([all_y, np.ones(len(best), dtype=int)]),
                          logisticregression__sample_weight=np.concatenate([weight, np.ones(len(best))]))


def pipeline():  # type: ignore[no-untyped-def]
    def vec(p: dict) -> TfidfVectorizer:  # type: ignore[type-arg]
        return TfidfVectorizer(**{**p, "ngram_range": tuple(p["ngram_range"])})

    return make_pipeline(make_union(vec(CHAR), vec(WORD)),
                         LogisticRegression(C=C, class_weight="balanced", max_iter=3000))


def by_patterns(texts: list[str]) -> np.ndarray:
    """Whether the patterns alone (classifier off) already flag each text."""
    return np.array([evaluate.by_patterns(t) for t in texts])


def unit_scores(model, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Each text's scores as a scan reads it (injection.pieces): the highest of its chunks, the
    highest of its sentences."""
    pieces: list[str] = []
    owner: list[int] = []
    for i, t in enumerate(texts):
        sentences, chunk_of = injection.pieces(t)
        for c in sorted(set(chunk_of)) if READ_CHUNKS else []:
            at = [k for k, x in enumerate(chunk_of) if x == c]
            pieces.append(t[sentences[at[0]][0]:sentences[at[-1]][1]])
            owner.append(i)
        for s, e in sentences:
            pieces.append(t[s:e])
            owner.append(len(texts) + i)
    p = model.predict_proba(pieces)[:, 1]
    out = np.zeros(2 * len(texts))
    np.maximum.at(out, np.array(owner), p)
    return out[:len(texts)], out[len(texts):]


def thresholds(chunk: np.ndarray, sentence: np.ndarray, y: np.ndarray, patterns: np.ndarray,
               counted: np.ndarray) -> tuple[float, float]:
    """The pair (chunk, sentence threshold) catching the most injections while at most ORDINARY_FLAGGED
    of the `counted` ordinary texts are flagged (by the patterns or either threshold)."""
    negative = (y == 0) & counted
    budget = int(ORDINARY_FLAGGED * negative.sum())
    free = negative & ~patterns
    best = (-1.0, 0.5, 0.5)
    for ts in np.unique(np.concatenate([sentence[free], [1.0]])):
        ts = max(FLOOR, float(ts) + 1e-6)
        left = budget - int(patterns[negative].sum()) - int((sentence[free] >= ts).sum())
        if left < 0:
            continue
        rest = np.sort(chunk[free & (sentence < ts)])[::-1]
        tc = max(FLOOR, float(rest[left]) + 1e-6 if left < len(rest) else 0.0) if READ_CHUNKS else 2.0
        caught = float((patterns | (chunk >= tc) | (sentence >= ts))[y == 1].mean())
        if caught > best[0]:
            best = (caught, tc, ts)
    return best[1], best[2]


def fitting_set(texts: list[str], y: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The rows, plus every sentence of the ordinary rows as an ordinary text of its own (a scan
    reads sentences one by one, and every sentence of an ordinary text is ordinary)."""
    more = [t[s:e] for t, label in zip(texts, y, strict=True) if label == 0 for s, e in injection.pieces(t)[0]]
    more = [m for m in dict.fromkeys(more) if len(m.strip()) >= 20 and m not in set(texts)]
    return texts + more, np.concatenate([y, np.zeros(len(more), dtype=int)])


def main() -> None:
    rows = training_rows()
    texts = [r["text"] for r in rows]
    y = np.array([r["kind"] == "injection" for r in rows], dtype=int)
    buried = np.array([bool(r.get("buried")) for r in rows])
    groups = np.array([r["template"].rstrip("+") for r in rows])
    paired = np.array([r["template"].endswith("+") for r in rows])
    hand = np.array([r["template"].startswith("hand") for r in rows])
    families = np.array([r["family"] + (" (buried)" if r.get("buried") else " (in traffic)" if r.get("in_traffic") else "")
                         for r in rows])
    chunk, sentence = np.zeros(len(rows)), np.zeros(len(rows))
    for fit_at, test_at in GroupKFold(n_splits=5).split(texts, y, groups):
        # Buried rows are only checked on; pairs of ordinary texts are left out of fitting (a pair holds
        # a second template's text, which may be in the fold being checked).
        fit_at = fit_at[~buried[fit_at] & ~paired[fit_at]]
        model = fit([texts[i] for i in fit_at], y[fit_at], hand[fit_at])
        chunk[test_at], sentence[test_at] = unit_scores(model, [texts[i] for i in test_at])
    patterns = by_patterns(texts)
    threshold, sentence_threshold = thresholds(chunk, sentence, y, patterns, hand if hand.any() else ~hand)
    flagged = patterns | (chunk >= threshold) | (sentence >= sentence_threshold)
    oof = np.maximum(chunk, sentence)
    if "-v" in sys.argv:
        for i in np.argsort(-np.where(y == 0, oof, -1))[:12]:
            print(f"  ordinary {oof[i]:.3f} {texts[i][:150]!r}")
    print(f"train rows {len(texts)} ({int(y.sum())} injections, {int(buried.sum())} of them buried in a brief); "
          f"5-fold cross-validation grouped by template, thresholds {threshold:.3f} (chunks), {sentence_threshold:.3f} (sentences):")
    print(f"  injections caught {flagged[y == 1].mean():.1%} (patterns alone {patterns[y == 1].mean():.1%}), "
          f"ordinary flagged {flagged[y == 0].mean():.2%}")
    if hand.any():
        print(f"  hand-written rows: injections caught {flagged[hand & (y == 1)].mean():.1%} of {(hand & (y == 1)).sum()}, "
              f"ordinary flagged {flagged[hand & (y == 0)].mean():.2%} of {(hand & (y == 0)).sum()}")
    for f in sorted(set(families[y == 0])):
        sel = (families == f) & (y == 0)
        print(f"    {f:34} {flagged[sel].mean():6.2%} of {sel.sum()} flagged")
    for f in sorted(set(families[y == 1])):
        sel = (families == f) & (y == 1)
        print(f"    {f:34} {flagged[sel].mean():6.1%} of {sel.sum()}")
    keep = ~buried
    model = fit([t for t, k in zip(texts, keep, strict=True) if k], y[keep], hand[keep])
    union, clf = model.steps[0][1], model.steps[1][1]
    (_, char), (_, word) = union.transformer_list
    n_char = len(char.vocabulary_)
    coef = clf.coef_[0]

    def part(vec: TfidfVectorizer, params: dict, weights: np.ndarray) -> dict:  # type: ignore[type-arg]
        return {"params": params, "ngram_range": params["ngram_range"],
                "vocabulary": {k: int(v) for k, v in vec.vocabulary_.items()},
                "idf": [round(float(x), 5) for x in vec.idf_], "coef": [round(float(x), 5) for x in weights]}

    OUT.write_text(json.dumps({
        "about": "Hunter prompt-injection classifier; built by tests/data/hunter/meaning/train.py",
        "char": part(char, CHAR, coef[:n_char]), "word": part(word, WORD, coef[n_char:]),
        "intercept": round(float(clf.intercept_[0]), 5), "threshold": round(threshold, 4),
        "sentence_threshold": round(sentence_threshold, 4),
    }, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
