"""Hunter's detectors: each takes one string and yields `Hit`s."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from engine.hunter.detectors.injection import detect_prompt_injection
from engine.hunter.detectors.markup import detect_links, detect_markup
from engine.hunter.detectors.numbers import detect_bank_accounts, detect_national_ids, detect_payment_cards
from engine.hunter.detectors.secrets import detect_secrets
from engine.hunter.findings import Hit

Detector = Callable[[str], Iterable[Hit]]

DETECTORS: tuple[Detector, ...] = (
    detect_secrets,
    detect_payment_cards,
    detect_bank_accounts,
    detect_national_ids,
    detect_prompt_injection,
    detect_markup,
    detect_links,
)

SHORT_TEXT_DETECTORS: tuple[Detector, ...] = (detect_prompt_injection, detect_markup)

DETECTOR_NAMES = ("secret", "payment_card", "bank_account", "national_id", "prompt_injection", "markup",
                  "suspicious_link", "oversize", "binary")
