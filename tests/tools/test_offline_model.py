"""The offline model's file and corpus: JSON weights that retraining reproduces, the same probabilities as
scikit-learn, no scikit-learn at run time, and a corpus with an honest held-out fifth."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from tools.agent import tool_specs
from tools.offline import classifier, train
from tools.offline.evaluate import read
from tools.offline.features import features


@pytest.fixture(scope="module")
def retrained() -> dict:
    return train.fit(train.read())


def test_the_shipped_model_is_json_and_what_the_corpus_gives(retrained):
    shipped = json.loads(classifier.MODEL_PATH.read_text(encoding="utf-8"))
    assert shipped["classes"] == retrained["classes"] and shipped["features"] == retrained["features"]
    assert shipped["threshold"] == train.THRESHOLD
    drift = max(abs(a - b) for k, row in retrained["weights"].items() for a, b in zip(row, shipped["weights"][k],
                                                                                       strict=True))
    assert drift < 1e-3, "the shipped model is stale: run python -m tools.offline.train"
    assert set(shipped["classes"]) == {s.name for s in tool_specs()} | {classifier.NO_TOOL}


def test_our_arithmetic_gives_scikit_learns_probabilities():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = train.read()
    vec = TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=train.MIN_DF, norm="l2")
    x = vec.fit_transform(train.texts(rows))
    clf = LogisticRegression(C=train.C, max_iter=5000).fit(x, [r["tool"] or classifier.NO_TOOL for r in rows])
    ours = classifier.from_json(train.fit(rows))
    for text in ["qualify lead 12", "lead 91 is dead, never answered", "hmm", "invoice project 3 milestone 2"]:
        theirs = dict(zip(clf.classes_, clf.predict_proba(vec.transform([text]))[0], strict=True))
        for tool, p in ours.scores(text):
            assert abs(p - theirs[tool]) < 1e-3, (text, tool)


def test_running_the_model_never_imports_scikit_learn():
    code = ("import sys; from tools.offline.parser import parse; p = parse('how promising is lead 48?'); "
            "print(p.intent.tool, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["qualify_lead", "False"]


def test_the_corpus_has_an_honest_held_out_fifth():
    trained, held = read("train.jsonl"), read("held_out.jsonl")
    assert len(trained) + len(held) >= 800
    assert 0.18 <= len(held) / (len(trained) + len(held)) <= 0.25
    assert not {r["text"].lower() for r in held} & {r["text"].lower() for r in trained}
    tools = {s.name for s in tool_specs()}
    for rows in (trained, held):
        counts = Counter(r["tool"] for r in rows)
        assert set(counts) == tools | {None}, tools - set(counts)
        assert sum(r["origin"] == "hand" for r in rows) >= 50
    # The held-out part is written apart: its templates are not the training ones.
    assert all(r["origin"] in ("hand", "template") or r["origin"].startswith("held-out-template:") for r in held)
    assert not any(r["origin"].startswith("held-out") for r in trained)


def test_the_corpus_files_are_what_the_builder_writes():
    sys.path.insert(0, str(train.CORPUS.parent))
    try:
        import build_corpus
    finally:
        sys.path.pop(0)
    built_train, built_held = build_corpus.build()
    assert built_train == read("train.jsonl") and built_held == read("held_out.jsonl")
