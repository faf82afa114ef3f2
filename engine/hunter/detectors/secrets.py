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
_MARKERS = re.compile(r"PRIVATE KEY|PuTTY-User-Key|://[^\s/@:]+:[^\s/@]+@", re.IGNORECASE)
_KEYWORD_HINT = re.compile(r"(?i)(key|pass|pwd|secret|token|contraseña|credential)")


def _positions(text: str, value: str) -> Iterator[tuple[int, int]]:
    start = text.find(value)
    while start != -1:
        yield start, start + len(value)
        start = text.find(value, start + len(value))


def detect_secrets(text: str) -> Iterator[Hit]:
    seen: set[tuple[int, int]] = set()
    # Cheap gate: every regex plugin needs a long key-like token or a private-key/URL marker.
    if _KEY_TOKEN.search(text) or _MARKERS.search(text):
        for plugin in regex_plugins():
            values = set(plugin.analyze_string(text))  # the plugin's own matching and validation
            if not values:
                continue
            sev = Severity.CRITICAL if isinstance(plugin, PrivateKeyDetector) else Severity.HIGH
            for span in _spans(plugin, text, values):
                if not _overlaps(span, seen):
                    seen.add(span)
                    yield _hit(plugin.secret_type, sev, span, text)
    if _KEYWORD_HINT.search(text):
        for found in _keyword.analyze_string(text, CONFIG_DENYLIST_REGEX_TO_GROUP):
            # On prose the plugin's value runs to the end of the line: the secret is its first word.
            value = found.split()[0].strip("'\"`,;") if found.split() else ""
            if not _looks_like_password(value):
                continue
            for span in _positions(text, value):
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
