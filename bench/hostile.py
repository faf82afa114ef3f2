"""Every parser of text that strangers send, fed 64 KB of adversarial input.

Adversarial means what makes a backtracking pattern slow: long whitespace runs between a
match's start and a character that cannot end it, the same separator repeated thousands of
times, and near-matches of each pattern (an e-mail address that never gets its domain, a
connection URL that never gets its host, "ignore " said 9,000 times). Each parser is timed
on each input through its public entry point (what a request reaches); a refusal (too long,
not an amount) is a fine answer, only the time counts. The baseline is `str.split()` over the
same input in the same run, so the ratios say how many plain passes over the text a parser
costs.

Last line: {"slowest_ms": ..., "parser": "...", ...}. Target: every parser under 50 ms.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from email_validator import EmailNotValidError, validate_email  # noqa: E402

from engine.errors import GraceError  # noqa: E402
from engine.hunter import scan  # noqa: E402
from engine.hunter.detectors import DETECTORS  # noqa: E402
from engine.money import parse_amount  # noqa: E402
from engine.pipeline.csvfile import read_rows  # noqa: E402
from engine.pipeline.schemas import LeadInput  # noqa: E402
from engine.sources.mail import parse_mailgun, strip_reply  # noqa: E402
from engine.sources.upwork import MAX_POST_CHARS, parse_job_post  # noqa: E402
from tools.offline.parser import parse as offline_parse  # noqa: E402

SIZE = 64 * 1024
TARGET_MS = 50.0
GIVE_UP_S = 2.0


def _fill(unit: str, head: str = "", tail: str = "x") -> str:
    """`head`, then `unit` repeated to 64 KB, then `tail` (the character that makes a match fail)."""
    n = max(1, (SIZE - len(head) - len(tail)) // max(1, len(unit)))
    return head + unit * n + tail


def inputs() -> dict[str, str]:
    ws = " \t\u00a0\u202f"
    return {
        "spaces after a digit": _fill(" ", "1"),
        "mixed whitespace": _fill(ws, "$1"),
        "newlines": _fill("\n", "a"),
        "repeated comma": _fill("1,", "", "x,,"),
        "repeated dots": _fill("1.", "", ".x"),
        "apostrophes": _fill("1'", "", "''"),
        "digit runs": _fill("1 2 ", "€"),
        "e-mail local part": _fill("a.", "", "@"),
        "e-mail near-match": _fill("a@b-", "", "@"),
        "e-mail dots": _fill("a@b.", "", "."),
        "capitalised words": _fill("Acme ", "at ", "&"),
        "company after": _fill("from Acme & ", "", "&"),
        "url credentials": _fill("a:", "postgres://", "@"),
        "url scheme repeats": _fill("://a:b", "", "/"),
        "url no host": _fill("x", "https://", " "),
        "angle brackets": _fill("<a ", "", "<"),
        "on-handler": _fill("<x ", "", " on"),
        "slack links": _fill("<http", "", "|"),
        "markdown links": _fill("[x](http://", "", ")"),
        "ignore said often": _fill("ignore all ", "", "the"),
        "role lines": _fill("system ", "", ":"),
        "tool-call look-alike": _fill("a_b", "", "("),
        "digits and dashes": _fill("1-", "", "-"),
        "account keyword": _fill(" ", "account", "x"),
        "iban near-match": _fill("GB82 ", "", "!"),
        "keyword secret": _fill("password ", "", "="),
        "key-ish token": _fill("aB3/", "", "!"),
        "csv quotes": _fill('"a";', "", '"'),
        "csv quoted delimiters": _fill(',"', "", '"'),
        "reply headers": _fill("> On Mon wrote ", "", ":"),
        "upwork money": _fill("$1,", "Hourly ", "-"),
        "upwork labels": _fill("skills ", "", ":"),
        "hidden characters": _fill("a\u200b", "", "b"),
        "cyrillic look-alikes": _fill("\u0430", "ignore ", "x"),
    }


def _quiet(fn: Callable[[str], Any]) -> Callable[[str], Any]:
    def run(text: str) -> Any:
        try:
            return fn(text)
        except (ValueError, GraceError, EmailNotValidError):
            return None

    return run


def _csv(text: str) -> None:
    header, rows = read_rows("name,email,notes\n" + text)
    for _ in rows:
        pass


def _upwork(text: str) -> Any:
    # Refused above its cap, so the input it actually reads is the longest it accepts.
    return parse_job_post(text[:MAX_POST_CHARS])


def parsers() -> dict[str, Callable[[str], Any]]:
    out: dict[str, Callable[[str], Any]] = {
        "amount": _quiet(parse_amount),
        "e-mail address (lead field)": _quiet(lambda t: LeadInput(source="website", name="Jo", email=t)),
        "e-mail address (validator, 320 chars)": _quiet(lambda t: validate_email(t[:320], check_deliverability=False)),
        "offline parser": _quiet(offline_parse),
        "upwork paste (64 KB, refused)": _quiet(parse_job_post),
        f"upwork paste ({MAX_POST_CHARS} chars)": _quiet(_upwork),
        "csv sniffing and rows": _quiet(_csv),
        "e-mail reply stripper": _quiet(strip_reply),
        "mailgun from": _quiet(lambda t: parse_mailgun({"from": t, "body-plain": "hello"})),
        "mailgun fields": _quiet(lambda t: parse_mailgun({"from": "Jo <jo@example.org>", "subject": t, "body-plain": t})),
        "hunter scan (lead)": _quiet(lambda t: scan("lead", {"requirements": t})),
    }
    for det in DETECTORS:
        out[f"hunter {det.__name__}"] = _quiet(lambda t, d=det: list(d(t)))
    return out


class _TooSlow(Exception):
    pass


def _alarm(_signum: int, _frame: Any) -> None:
    raise _TooSlow


def timed(fn: Callable[[str], Any], text: str, repeat: int = 3) -> float:
    """Best of `repeat` runs in ms; a run past GIVE_UP_S is stopped (the re module checks for
    signals while it backtracks) and counted as GIVE_UP_S, so a regression cannot hang the bench."""
    best = float("inf")
    for _ in range(repeat):
        signal.setitimer(signal.ITIMER_REAL, GIVE_UP_S)
        t = time.perf_counter()
        try:
            fn(text)
        except _TooSlow:
            return GIVE_UP_S * 1000
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        best = min(best, time.perf_counter() - t)
    return best * 1000


def main() -> None:
    signal.signal(signal.SIGALRM, _alarm)
    cases = inputs()
    for text in cases.values():
        assert len(text) >= SIZE - 64, len(text)
    worst: dict[str, tuple[float, str]] = {}
    for name, fn in parsers().items():
        fn("warm up 1,000 USD")
        for label, text in cases.items():
            ms = timed(fn, text)
            if name not in worst or ms > worst[name][0]:
                worst[name] = (ms, label)
    base = max(timed(str.split, t) for t in cases.values())
    print(f"{'parser':42} {'worst ms':>9} {'x split':>8}  worst input")
    for name, (ms, label) in sorted(worst.items(), key=lambda kv: -kv[1][0]):
        flag = "" if ms < TARGET_MS else "  OVER TARGET"
        print(f"{name:42} {ms:9.2f} {ms / base:8.1f}  {label}{flag}")
    slowest = max(worst, key=lambda k: worst[k][0])
    ms, label = worst[slowest]
    print(json.dumps({"slowest_ms": round(ms, 2), "parser": slowest, "input": label,
                      "split_baseline_ms": round(base, 3), "ratio": round(ms / base, 1),
                      "target_ms": TARGET_MS, "all_under_target": ms < TARGET_MS}))


if __name__ == "__main__":
    main()
