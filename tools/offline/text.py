"""A message made ready for the patterns: capped, Slack markup read through, number words as digits.

Every pattern of the offline model runs on text that went through `prepare` first, so it is never longer
than `MAX_CHARS`, and every pattern here and in `slots` is linear: no repeat inside or next to another
unbounded repeat over the same characters.
"""

from __future__ import annotations

import html
import re

# What Slack shows of a message before "Show more" is about 4,000 characters; the model reads no further.
# (Slack's hard limit for a message is 40,000; a pasted post longer than 4,000 is cut, never scanned whole.)
MAX_CHARS = 4000

SLACK_MENTION = re.compile(r"<[@#!][A-Za-z0-9^_-]{1,40}(?:\|[^<>|]{0,200})?>")
SLACK_LINK = re.compile(r"<(?:mailto:)?([^<>|\s]{1,500})(?:\|([^<>|]{0,500}))?>")
SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")
LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029]")
# A lone surrogate (from a broken client) cannot be encoded; it becomes a replacement character.
SURROGATE = re.compile(r"[\ud800-\udfff]")

UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if i > 1}
# Number words are read as an id only right after one of these (so "this one" stays words).
NUMBERED = re.compile(r"\b(lead|project|proj|milestone|invoice)\b(\.?\s{0,3}(?:(?:no\.?|nr\.?|number|#)\s{0,3})?)"
                      r"([a-z]+(?:[ -][a-z]+){0,5})", re.IGNORECASE)


def cap(text: str) -> str:
    """At most MAX_CHARS characters, no lone surrogates."""
    return SURROGATE.sub("\ufffd", text[:MAX_CHARS])


def clean(text: str) -> str:
    """Slack's markup out: mentions dropped, <mailto:a@b|a@b> and <url|label> to their text, &amp; to &.
    Line breaks are kept (a pasted post needs them); runs of spaces become one."""
    text = LINE_BREAKS.sub("\n", cap(text))
    text = SLACK_MENTION.sub(" ", text)
    text = SLACK_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = html.unescape(text)
    return SPACES.sub(" ", text).strip()


def _below_hundred(words: list[str], i: int) -> tuple[int, int] | None:
    """A number under 100 at words[i]: "seven", "forty", "forty eight"; (value, next index)."""
    if i < len(words) and words[i] in UNITS:
        return UNITS[words[i]], i + 1
    if i < len(words) and words[i] in TENS:
        value = TENS[words[i]]
        if i + 1 < len(words) and words[i + 1] in UNITS and 0 < UNITS[words[i + 1]] < 10:
            return value + UNITS[words[i + 1]], i + 2
        return value, i + 1
    return None


def words_to_number(words: list[str]) -> tuple[int, int] | None:
    """("forty", "eight", ...) -> (48, words used); "three hundred and six" -> (306, 5); None if no number."""
    first = _below_hundred(words, 0)
    if first is None:
        return None
    value, i = first
    if value < 10 and i < len(words) and words[i] == "hundred":
        value, i = value * 100, i + 1
        j = i + 1 if i < len(words) and words[i] == "and" else i
        rest = _below_hundred(words, j)
        if rest:
            value, i = value + rest[0], rest[1]
    return value, i


def digits_for_words(text: str) -> str:
    """"lead forty-eight" -> "lead 48", "project seven" -> "project 7"; other words untouched."""
    out: list[str] = []
    pos = 0
    # A keyword whose words are no number is stepped over (not consumed), so "invoice project six" still
    # finds "project six"; each search starts past the last keyword, so the whole pass stays linear.
    while m := NUMBERED.search(text, pos):
        words = re.split(r"[ -]", m.group(3).lower())
        found = words_to_number(words)
        if not found:
            out.append(text[pos:m.end(1)])
            pos = m.end(1)
            continue
        number, used = found
        consumed = "".join(re.split(r"([ -])", m.group(3))[:2 * used - 1])
        out.append(text[pos:m.start()])
        out.append(f"{m.group(1)}{m.group(2) or ' '}{number}")
        pos = m.start(3) + len(consumed)
    out.append(text[pos:])
    return "".join(out)


def prepare(text: str) -> str:
    """The message as the model reads it: capped, cleaned, number words after "lead"/"project" as digits."""
    return digits_for_words(clean(text))
