"""Secrets and credentials, found by detect-secrets' own plugins run on plain strings.

The regex-based plugins are run as they are. The high-entropy plugins are meant for
quoted strings in source files; on prose they would look at every word, so we only
hand them tokens that look like keys (long, no spaces, letters and digits mixed) and
apply the plugin's own entropy measure and limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from itertools import islice

from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString, HexHighEntropyString
from detect_secrets.plugins.ip_public import IPPublicDetector
from detect_secrets.plugins.keyword import CONFIG_DENYLIST_REGEX_TO_GROUP, KeywordDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector

from engine.hunter.findings import Hit, Severity

# A public IP in a lead is not a credential (links with IP hosts are the links detector's).
_SKIP = (IPPublicDetector,)
# Plugins whose every regex needs one of these substrings: a cheap test that lets most
# prose skip the plugin entirely. Plugins not listed always run.
_KEY_TOKEN = re.compile(r"[A-Za-z0-9_\-+/=.]{16,}")
_BASE64_CHARS = set(Base64HighEntropyString().charset)
_HEX_CHARS = set("0123456789abcdefABCDEF")


@cache
def regex_plugins() -> list[BasePlugin]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    out: list[BasePlugin] = []
    plugin_classes: list[type[BasePlugin]] = list(get_mapping_from_secret_type_to_class().values())
    for cls in plugin_classes:
        if issubclass(cls, RegexBasedDetector) and not issubclass(cls, _SKIP):
            out.append(cls())
    return out


_keyword = KeywordDetector()
_b64 = Base64HighEntropyString()
_hex = HexHighEntropyString()
_MARKERS = re.compile(r"PRIVATE KEY|PuTTY-User-Key|://[^\s/@:]{1,128}:[^\s/@]{1,256}@", re.IGNORECASE)
_KEYWORD_HINTS = ("key", "pass", "pwd", "secret", "token", "contraseña", "credential")
# Credentials in a connection URL, `scheme://user:password@host`. detect-secrets' BasicAuthDetector
# refuses passwords holding URL punctuation (`tr0ub4dor&3`, `pa$$w0rd#1`); this takes anything up
# to the last `@` before the host (bounded, so it cannot backtrack far).
_URL_CREDENTIALS = re.compile(r"://([^\s:/@?#\[\]]{0,128}):([^\s/]{1,256})@[\w\-.\[\]%]{1,253}")
_PLACEHOLDER = re.compile(r"[*x.•]+|<[^>]*>|\{[^}]*\}|\$\{?\w+\}?|%\(?\w+\)?s?|(?i:password|pass|passwd|pwd|secret|"
                          r"changeme|pw|p)", re.IGNORECASE)
# The detect-secrets plugins' own patterns were written for source files; several backtrack
# quadratically on a long line (NpmDetector's `//.+/:_authToken`, the IBM ones). So they are run
# on pieces of at most PIECE_CHARS, cut at line breaks or spaces, each overlapping the last by
# OVERLAP_CHARS so a `key = value` cut in two is still seen whole in one piece.
PIECE_CHARS = 512
# What a plugin's patterns cannot match without: a piece lacking all of them skips the plugin.
# (exact: case-sensitive substrings; lower: substrings of the lowered piece, all groups needed.)
_EXACT_GATES: dict[str, tuple[str, ...]] = {
    "ArtifactoryDetector": ("AKC", "AP"), "AzureStorageKeyDetector": ("AccountKey=",),
    "GitHubTokenDetector": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    "GitLabTokenDetector": ("glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "GR1348941", "glcbt-", "glimt-",
                            "glptt-", "glagent-", "gloas-"),
    "JwtTokenDetector": ("eyJ",), "MailchimpDetector": ("-us",), "NpmDetector": ("/:_authToken=",),
    "OpenAIDetector": ("T3BlbkFJ",), "PrivateKeyDetector": ("PRIVATE KEY", "PuTTY-User-Key"),
    "PypiTokenDetector": ("pypi-",), "SendGridDetector": ("SG.",), "SlackDetector": ("xox", "hooks.slack.com"),
    "SquareOAuthDetector": ("sq0csp-",), "StripeDetector": ("k_live_",), "BasicAuthDetector": ("://",),
}
_KEYWORDS = ("key", "pw", "pass", "token")
_LOWER_GATES: dict[str, tuple[tuple[str, ...], ...]] = {
    "AWSKeyDetector": (("a3t", "abia", "acca", "akia", "asia", "aws"),),
    "CloudantDetector": (("cl",), _KEYWORDS),
    "IbmCloudIamDetector": (_KEYWORDS,),
    "IbmCosHmacDetector": (("secret",), ("key",)),
    "SoftlayerDetector": (("sl",), _KEYWORDS),
}


def _may_match(plugin: BasePlugin, piece: str, low: str) -> bool:
    name = type(plugin).__name__
    exact = _EXACT_GATES.get(name)
    if exact is not None and not any(g in piece for g in exact):
        return False
    return all(any(g in low for g in group) for group in _LOWER_GATES.get(name, ()))

OVERLAP_CHARS = 96
# The keyword plugin costs about a millisecond a piece: it reads the first pieces that hold a
# keyword (4 KB of them), enough for any lead; a text with more is blocked or redacted anyway
# by what is found in them, and the other detectors still read all of it.
MAX_KEYWORD_PIECES = 8


def _positions(text: str, value: str) -> Iterator[tuple[int, int]]:
    start = text.find(value)
    while start != -1:
        yield start, start + len(value)
        start = text.find(value, start + len(value))


def pieces(text: str, size: int = PIECE_CHARS, overlap: int = OVERLAP_CHARS) -> Iterator[tuple[int, str]]:
    """(offset, piece) covering `text`: each piece ends after a line break or a space when it has
    one, and the next starts at a word within the last `overlap` characters of it."""
    n, start = len(text), 0
    while True:
        end = min(start + size, n)
        if end < n:
            cut = max(text.rfind("\n", start + overlap + 1, end), text.rfind(" ", start + overlap + 1, end))
            if cut > start:
                end = cut + 1
        yield start, text[start:end]
        if end >= n:
            return
        back = end - overlap
        found = [i for i in (text.find(" ", back, end - 1), text.find("\n", back, end - 1)) if i != -1]
        start = min(found) + 1 if found else back


def detect_secrets(text: str) -> Iterator[Hit]:
    seen: set[tuple[int, int]] = set()
    # Cheap gate: every regex plugin needs a long key-like token or a private-key/URL marker.
    if _KEY_TOKEN.search(text) or _MARKERS.search(text):
        text_low = text.lower()
        plugins = [p for p in regex_plugins() if _may_match(p, text, text_low)]
        for offset, piece in pieces(text):
            low = piece.lower()
            for plugin in plugins:
                if not _may_match(plugin, piece, low):
                    continue
                values = set(plugin.analyze_string(piece))  # the plugin's own matching and validation
                if not values:
                    continue
                sev = Severity.CRITICAL if isinstance(plugin, PrivateKeyDetector) else Severity.HIGH
                for s, e in _spans(plugin, piece, values):
                    span = (s + offset, e + offset)
                    if not _overlaps(span, seen):
                        seen.add(span)
                        yield _hit(plugin.secret_type, sev, span, text)
    if "://" in text:
        for m in _URL_CREDENTIALS.finditer(text):
            password = m.group(2)
            span = m.span(2)
            if _PLACEHOLDER.fullmatch(password) or (password.isdigit() and len(password) <= 5) or \
                    _overlaps(span, seen):
                continue
            seen.add(span)
            yield Hit("secret", Severity.HIGH, span[0], span[1], "credentials in a URL")
    low = text.lower()
    if any(h in low for h in _KEYWORD_HINTS):
        keyword_pieces = (op for op in pieces(text) if any(h in op[1].lower() for h in _KEYWORD_HINTS))
        for offset, piece in islice(keyword_pieces, MAX_KEYWORD_PIECES):
            for found in _keyword.analyze_string(piece, CONFIG_DENYLIST_REGEX_TO_GROUP):
                # On prose the plugin's value runs to the end of the line: the secret is its first word.
                value = found.split()[0].strip("'\"`,;") if found.split() else ""
                if not _looks_like_password(value):
                    continue
                for s, e in _positions(piece, value):
                    span = (s + offset, e + offset)
                    if not _overlaps(span, seen):
                        seen.add(span)
                        yield _hit("password or secret after a keyword", Severity.HIGH, span, text)
    for m in _KEY_TOKEN.finditer(text):
        token = m.group().strip(".=")
        span = (m.start(), m.start() + len(token))
        if len(token) < 20 or _overlaps(span, seen) or not _looks_like_key(token):
            continue
        if set(token) <= _HEX_CHARS:
            high = _hex.calculate_shannon_entropy(token) > _hex.entropy_limit and len(token) >= 32
        else:
            high = set(token) <= _BASE64_CHARS and _b64.calculate_shannon_entropy(token) > _b64.entropy_limit
        if high:
            seen.add(span)
            yield _hit("high-entropy string (a key or token?)", Severity.HIGH, span, text)


def _spans(plugin: BasePlugin, text: str, values: set[str]) -> Iterator[tuple[int, int]]:
    """Where the plugin's values are. A plugin yields a regex group when it has one: mask that
    group when it is the secret itself (8+ characters), else the whole match (e.g. `ghp_…`)."""
    for rx in getattr(plugin, "denylist", ()):
        for m in rx.finditer(text):
            groups = m.groups()
            if m.group() not in values and not any(g in values for g in groups if g):
                continue
            inner = [i for i, g in enumerate(groups, 1) if g and len(g) >= 8 and g in values]
            yield m.span(inner[0]) if inner else m.span()


def _looks_like_password(value: str) -> bool:
    """Not an ordinary word or a date: letters with digits or symbols, 6+ characters."""
    return len(value) >= 6 and any(c.isalpha() for c in value) and \
        any(c.isdigit() or not c.isalnum() for c in value)


def _looks_like_key(token: str) -> bool:
    """Letters and digits mixed, no dots (domains, file names), not a UUID or plain word."""
    if "." in token or not any(c.isdigit() for c in token) or not any(c.isalpha() for c in token):
        return False
    return not re.fullmatch(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", token)


def _overlaps(span: tuple[int, int], seen: set[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in seen)


_TOKEN_TAIL = re.compile(r"[A-Za-z0-9_\-+/=.]*")


def _hit(what: str, sev: Severity, span: tuple[int, int], text: str) -> Hit:
    start, end = span
    # Some plugin regexes stop early (a lazy tail, e.g. a JWT's signature): mask the whole token.
    more = _TOKEN_TAIL.match(text, end)
    end = more.end() if more else end
    if what == "Private Key":
        # Mask the whole armoured block, not just its header line.
        tail = text.find("-----END", end)
        close = text.find("-----", tail + 8) if tail != -1 else -1
        end = close + 5 if close != -1 else len(text)
    return Hit("secret", sev, start, end, what)
