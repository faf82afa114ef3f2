"""Payment cards (Luhn), IBANs and bank accounts, national id numbers.

Checksums come from python-stdnum; the patterns only find candidates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice

from stdnum import iban, luhn
from stdnum.es import dni
from stdnum.us import rtn, ssn

from engine.hunter.detectors.injection import lowered, may_match
from engine.hunter.findings import Hit, Severity

# Starts with a digit (the look-behind after it), so re skips ahead to the next digit.
_CARD = re.compile(r"\d(?<![\w+.\-/]\d)(?:[ \-]?\d){12,18}(?![\w\-])")
# Issuer prefixes of the card networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro).
_IIN = re.compile(r"^(4|5[1-5]|2[2-7]|3[47]|3[0689]|35|6011|64[4-9]|65|62|5018|5020|5038|6304|67)")
# Each pattern starts with a character class and checks the word boundary before it by a
# look-behind after it: re then skips ahead to the next candidate character in C.
_IBAN = re.compile(r"[A-Z](?<!\w.)[A-Z]\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
# _ACCOUNT and _ID_KEYWORD run on lowered text (no IGNORECASE: several times faster on long
# text); the gaps between a keyword and its number are bounded, so they cannot backtrack.
_ACCOUNT = re.compile(
    r"\b(?:account|acct|a/c|routing|aba|sort[ -]?code|bsb|kontonummer|numéro de compte)"
    r"(?:[ \t]{0,3}(?:number|no\.?|num|nr\.?|#))?[ \t]{0,3}[:#]?[ \t]{0,3}(\d[\d \-]{4,22}\d)\b"
)
_SSN = re.compile(r"\d(?<![\d\-]\d)\d{2}-\d{2}-\d{4}(?![\d\-])")
_NINO = re.compile(r"[A-CEGHJ-PR-TW-Z](?<!\w.)(?![DFIOQUV])[A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_DNI = re.compile(r"\d(?<!\w\d)\d{7}-?[A-Z]\b")
_ID_KEYWORD = re.compile(
    r"\b(?:passport|national id|national insurance|ni number|nino|id card|identity card|tax id|ssn|social security|aadhaar|"
    r"personnummer|steuer-?id|codice fiscale|nif|dni|cpf|pesel|bsn)"
    r"(?:[ \t]{0,3}(?:number|no\.?|num|nr\.?|#))?[ \t]{0,3}[:#]?[ \t]{0,3}([a-z0-9][a-z0-9.\- ]{4,20}[a-z0-9])\b"
)


# What _ACCOUNT and _ID_KEYWORD cannot match without (see injection._ANCHORS).
_ACCOUNT_ANCHORS = ("account", "acct", "a/c", "routing", "aba", "sort", "bsb", "kontonummer", "compte")
_ID_ANCHORS = ("passport", "national id", "national insurance", "ni number", "nino", "id card", "identity card",
               "tax id", "ssn", "social security", "aadhaar", "personnummer", "steuer", "codice fiscale", "nif",
               "dni", "cpf", "pesel", "bsn")
_DIGIT = re.compile(r"\d")

# Candidates checked per pattern and string: each costs a checksum in Python; a text holding
# more than this many number-shaped strings is not a lead, and the first ones decide.
MAX_CANDIDATES = 200


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def detect_payment_cards(text: str) -> Iterator[Hit]:
    for m in islice(_CARD.finditer(text), MAX_CANDIDATES):
        d = _digits(m.group())
        if 13 <= len(d) <= 19 and _IIN.match(d) and luhn.is_valid(d) and len(set(d)) > 1:
            yield Hit("payment_card", Severity.HIGH, m.start(), m.end(), f"payment card ending {d[-4:]}",
                      replacement=f"[redacted: card ending {d[-4:]}]")


def detect_bank_accounts(text: str) -> Iterator[Hit]:
    if not _DIGIT.search(text):
        return
    for m in islice(_IBAN.finditer(text), MAX_CANDIDATES):
        if iban.is_valid(m.group()):
            yield Hit("bank_account", Severity.HIGH, m.start(), m.end(), "IBAN",
                      replacement=f"[redacted: IBAN {m.group()[:2]}…{_digits(m.group())[-2:]}]")
    low = lowered(text)
    if not may_match(low, _ACCOUNT_ANCHORS):
        return
    for m in islice(_ACCOUNT.finditer(low), MAX_CANDIDATES):
        d = _digits(m.group(1))
        if len(d) >= 6:
            what = "routing number" if len(d) == 9 and rtn.is_valid(d) else "bank account number"
            yield Hit("bank_account", Severity.HIGH, m.start(1), m.end(1), what)


def detect_national_ids(text: str) -> Iterator[Hit]:
    if not _DIGIT.search(text):
        return
    spans: list[tuple[int, int]] = []

    def fresh(s: int, e: int) -> bool:
        if any(s < e2 and s2 < e for s2, e2 in spans):
            return False
        spans.append((s, e))
        return True

    for m in islice(_SSN.finditer(text), MAX_CANDIDATES):
        if ssn.is_valid(m.group()) and fresh(m.start(), m.end()):
            yield Hit("national_id", Severity.HIGH, m.start(), m.end(), "US social security number")
    for m in islice(_NINO.finditer(text), MAX_CANDIDATES):
        if fresh(m.start(), m.end()):
            yield Hit("national_id", Severity.HIGH, m.start(), m.end(), "UK national insurance number")
    for m in islice(_DNI.finditer(text), MAX_CANDIDATES):
        if dni.is_valid(m.group()) and fresh(m.start(), m.end()):
            yield Hit("national_id", Severity.HIGH, m.start(), m.end(), "Spanish DNI")
    low = lowered(text)
    if not may_match(low, _ID_ANCHORS):
        return
    for m in islice(_ID_KEYWORD.finditer(low), MAX_CANDIDATES):
        value = m.group(1)
        if sum(c.isdigit() for c in value) >= 4 and fresh(m.start(1), m.end(1)):
            yield Hit("national_id", Severity.HIGH, m.start(1), m.end(1), "identity number after a keyword")
