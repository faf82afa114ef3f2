"""Every parser of text that strangers send, fed 64 KB of adversarial input.

Adversarial means what makes a backtracking pattern slow: long whitespace runs between a
match's start and a character that cannot end it, the same separator repeated thousands of
times, and near-matches of each pattern (an e-mail address that never gets its domain, a
connection URL that never gets its host, "ignore " said 9,000 times). Each parser is timed
on each input through its public entry point (what a request reaches); a refusal (too long,
not an amount) is a fine answer, only the time counts. The baseline is `str.split()` over the
same input in the same run, so the ratios say how many plain passes over the text a parser
costs. One input is ordinary-looking prose (varied words, sentences): the worst case of a
detector that reads meaning rather than patterns.

Time is the CPU time of the parsing thread (`time.thread_time`), best of REPEAT runs: what a
request costs the server. Wall-clock time is printed beside it; on a machine shared with other
work it also counts the time spent waiting for a core.

Last line: {"slowest_ms": ..., "parser": "...", ...}. Target: every parser under 50 ms (CPU).
"""

from __future__ import annotations

import json
import random
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
REPEAT = 5
_WORDS = ("we need a new customer portal for our logistics team with invoices payments and a dashboard that shows "
          "the status of every shipment please send a proposal budget around thirty thousand euros timeline three "
          "months our developers use python react postgres and stripe the assistant should summarise requests "
          "clients partners security review data export prompt engineering chatbot support tickets reporting "
          "mobile app booking calendar reminders onboarding training documentation admin roles access audit").split()


def _prose() -> str:
    """64 KB of varied sentences: different chunks, different words (no repetition to exploit)."""
    rng = random.Random(17)
    out: list[str] = []
    size = 0
    while size < SIZE:
        sentence = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 24))).capitalize() + rng.choice(
            ".!?.") + rng.choice(("  ", " ", "\n"))
        out.append(sentence)
        size += len(sentence)
    return "".join(out)[:SIZE]


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
        "varied prose": _prose(),
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


def timed(fn: Callable[[str], Any], text: str, repeat: int = REPEAT) -> tuple[float, float]:
    """Best of `repeat` runs in ms, (CPU, wall); a run past GIVE_UP_S of wall time is stopped (the
    re module checks for signals while it backtracks) and counted as GIVE_UP_S, so a regression
    cannot hang the bench."""
    best_cpu = best_wall = float("inf")
    for _ in range(repeat):
        signal.setitimer(signal.ITIMER_REAL, GIVE_UP_S)
        c, t = time.thread_time(), time.perf_counter()
        try:
            fn(text)
        except _TooSlow:
            return GIVE_UP_S * 1000, GIVE_UP_S * 1000
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        best_cpu = min(best_cpu, time.thread_time() - c)
        best_wall = min(best_wall, time.perf_counter() - t)
    return best_cpu * 1000, best_wall * 1000


def main() -> None:
    signal.signal(signal.SIGALRM, _alarm)
    cases = inputs()
    for text in cases.values():
        assert len(text) >= SIZE - 64, len(text)
    worst: dict[str, tuple[float, float, str]] = {}
    for name, fn in parsers().items():
        fn("warm up 1,000 USD")
        fn("warm up: a text long enough for every detector, 1,000 USD")
        for label, text in cases.items():
            ms, wall = timed(fn, text)
            if name not in worst or ms > worst[name][0]:
                worst[name] = (ms, wall, label)
    base = max(timed(str.split, t)[0] for t in cases.values())
    print(f"{'parser':42} {'worst ms':>9} {'(wall)':>8} {'x split':>8}  worst input")
    for name, (ms, wall, label) in sorted(worst.items(), key=lambda kv: -kv[1][0]):
        flag = "" if ms < TARGET_MS else "  OVER TARGET"
        print(f"{name:42} {ms:9.2f} {wall:8.2f} {ms / base:8.1f}  {label}{flag}")
    slowest = max(worst, key=lambda k: worst[k][0])
    ms, wall, label = worst[slowest]
    print(json.dumps({"slowest_ms": round(ms, 2), "parser": slowest, "input": label, "wall_ms": round(wall, 2),
                      "split_baseline_ms": round(base, 3), "ratio": round(ms / base, 1),
                      "target_ms": TARGET_MS, "all_under_target": ms < TARGET_MS}))


if __name__ == "__main__":
    main()
