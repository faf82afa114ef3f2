"""Payment cards (Luhn), IBANs and bank accounts, national id numbers.

Checksums come from python-stdnum; the patterns only find candidates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum import iban, luhn
from stdnum.es import dni
from stdnum.us import rtn, ssn

from engine.hunter.findings import Hit, Severity

_CARD = re.compile(r"(?<![\w+.\-/])(?:\d[ \-]?){12,18}\d(?![\w\-])")
# Issuer prefixes of the card networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro).
_IIN = re.compile(r"^(4|5[1-5]|2[2-7]|3[47]|3[0689]|35|6011|64[4-9]|65|62|5018|5020|5038|6304|67)")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_ACCOUNT = re.compile(
    r"(?i)\b(?:account|acct|a/c|routing|aba|sort[ -]?code|bsb|kontonummer|numéro de compte)"
    r"(?:\s*(?:number|no\.?|num|nr\.?|#))?\s*[:#]?\s*(\d[\d \-]{4,22}\d)\b"
)
_SSN = re.compile(r"(?<![\d\-])\d{3}-\d{2}-\d{4}(?![\d\-])")
_NINO = re.compile(r"\b(?![DFIQUV])[A-CEGHJ-PR-TW-Z](?![DFIOQUV])[A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_DNI = re.compile(r"\b\d{8}-?[A-Z]\b")
_ID_KEYWORD = re.compile(
    r"(?i)\b(?:passport|national id|national insurance|ni number|nino|id card|identity card|tax id|ssn|social security|aadhaar|"
    r"personnummer|steuer-?id|codice fiscale|nif|dni|cpf|pesel|bsn)"
    r"(?:\s*(?:number|no\.?|num|nr\.?|#))?\s*[:#]?\s*([A-Z0-9][A-Z0-9.\- ]{4,20}[A-Z0-9])\b"
)


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def detect_payment_cards(text: str) -> Iterator[Hit]:
    for m in _CARD.finditer(text):
        d = _digits(m.group())
        if 13 <= len(d) <= 19 and _IIN.match(d) and luhn.is_valid(d) and len(set(d)) > 1:
            yield Hit("payment_card", Severity.HIGH, m.start(), m.end(), f"payment card ending {d[-4:]}",
                      replacement=f"[redacted: card ending {d[-4:]}]")


def detect_bank_accounts(text: str) -> Iterator[Hit]:
    for m in _IBAN.finditer(text):
        if iban.is_valid(m.group()):
            yield Hit("bank_account", Severity.HIGH, m.start(), m.end(), "IBAN",
                      replacement=f"[redacted: IBAN {m.group()[:2]}…{_digits(m.group())[-2:]}]")
    for m in _ACCOUNT.finditer(text):
        d = _digits(m.group(1))
        if len(d) >= 6:
            what = "routing number" if len(d) == 9 and rtn.is_valid(d) else "bank account number"
            yield Hit("bank_account", Severity.HIGH, m.start(1), m.end(1), what)


def detect_national_ids(text: str) -> Iterator[Hit]:
    spans: list[tuple[int, int]] = []

    def fresh(s: int, e: int) -> bool:
        if any(s < e2 and s2 < e for s2, e2 in spans):
            return False
        spans.append((s, e))
        return True

    for m in _SSN.finditer(text):
        if ssn.is_valid(m.group()) and fresh(m.start(), m.end()):
            yield Hit("national_id", Severity.HIGH, m.start(), m.end(), "US social security number")
    for m in _NINO.finditer(text):
        if fresh(m.start(), m.end()):
            yield Hit("national_id", Severity.HIGH, m.start(), m.end(), "UK national insurance number")
    for m in _DNI.finditer(text):
        if dni.is_valid(m.group()) and fresh(m.start(), m.end()):
            yield Hit("national_id", Severity.HIGH, m.start(), m.end(), "Spanish DNI")
    for m in _ID_KEYWORD.finditer(text):
        value = m.group(1)
        if sum(c.isdigit() for c in value) >= 4 and fresh(m.start(1), m.end(1)):
            yield Hit("national_id", Severity.HIGH, m.start(1), m.end(1), "identity number after a keyword")
