"""Hunter against the corpus: every malicious sample found at its expected severity, and at
most 1% of ordinary leads flagged at all."""

import json
from pathlib import Path

import pytest

from engine.hunter import scan

DATA = Path(__file__).parents[2] / "data" / "hunter"


def _load(name):
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


MALICIOUS = _load("malicious.jsonl")
ORDINARY = _load("ordinary.jsonl")


def test_corpus_is_big_enough():
    assert len(MALICIOUS) >= 200 and len(ORDINARY) >= 200
    detectors = {m["detector"] for m in MALICIOUS}
    assert {"secret", "payment_card", "bank_account", "national_id", "prompt_injection", "markup",
            "suspicious_link", "oversize", "binary"} <= detectors


def test_every_malicious_sample_found_at_its_severity_and_few_ordinary_flagged(capsys):
    missed = []
    for sample in MALICIOUS:
        found = scan("text", sample["text"])
        if not any(f.detector == sample["detector"] and f.severity.label == sample["severity"] for f in found.items):
            missed.append((sample["text"][:80], sample["detector"], sample["severity"],
                           [(f.detector, f.severity.label) for f in found.items]))
    flagged = []
    for lead in ORDINARY:
        found = scan("lead", lead)
        if found.items:
            flagged.append((lead["name"], found.to_dict()))
    detection = 1 - len(missed) / len(MALICIOUS)
    false_positive = len(flagged) / len(ORDINARY)
    with capsys.disabled():
        print(f"\nHunter corpus: detected {detection:.1%} of {len(MALICIOUS)} malicious samples at their expected "
              f"severity; flagged {false_positive:.1%} of {len(ORDINARY)} ordinary leads")
    assert not missed, "\n".join(map(str, missed))
    assert false_positive <= 0.01, "\n".join(map(str, flagged))


@pytest.mark.parametrize("sample", [m for m in MALICIOUS if m["severity"] == "high"][:40], ids=lambda m: m["detector"])
def test_redaction_removes_the_high_severity_part(sample):
    found = scan("text", sample["text"])
    assert found.action.value == "redact"
    assert found.clean != sample["text"]
