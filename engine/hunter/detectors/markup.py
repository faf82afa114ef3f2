"""Markup and script injection in fields shown in Slack or on our pages, and suspicious links."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from itertools import islice
from urllib.parse import urlsplit

from engine.hunter.detectors.injection import lowered
from engine.hunter.findings import Hit, Severity

# Every repeat that could meet another one is bounded: Hunter reads text from strangers, and
# two unbounded runs side by side backtrack quadratically (bench/hostile.py).
_SCRIPT = re.compile(  # run on lowered text: no IGNORECASE, so re skips ahead by first character
    r"<\s{0,20}(?:script|iframe|object|embed|applet|meta\s+http-equiv|base\s+href)\b"
    r"|<[^<>]{0,300}?\bon[a-z]{3,20}\s{0,20}=\s{0,20}[\"']?[^\s>]"
    r"|\b(?:javascript|vbscript)\s{0,20}:"
    r"|data:\s{0,20}text/html"
)
_HTML_ELEMENTS = (
    "a|abbr|article|aside|audio|b|blockquote|body|br|button|canvas|code|details|dialog|div|em|font|footer|form|"
    "frame|frameset|h[1-6]|head|header|hr|html|i|img|input|label|li|link|main|marquee|math|nav|ol|option|p|"
    "picture|pre|section|select|small|source|span|strong|style|sub|summary|sup|svg|table|tbody|td|template|"
    "textarea|th|thead|title|tr|u|ul|video"
)
# Known HTML elements only: "Dear <first name>" in a brief is not markup. Any tag-shaped text
# is found first, then its name looked up (an alternation of 70 names at every "<" is slow).
_HTML_ELEMENT_NAMES = frozenset(
    n for n in _HTML_ELEMENTS.replace("h[1-6]", "h1|h2|h3|h4|h5|h6").split("|"))
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]{0,15})(?:\s[^<>]{0,500})?/?>")
_MASS_MENTION = re.compile(r"<!(?:channel|here|everyone|subteam\^[A-Z0-9]+)(?:\|[^<>]{0,200})?>", re.IGNORECASE)
_SLACK_LINK = re.compile(r"<((?:https?|ftp|mailto)[^|<>\s]{0,2000})\|([^<>]{0,500})>", re.IGNORECASE)
_MD_LINK = re.compile(r"\[([^\[\]]{1,200})\]\(((?:https?|ftp)://[^()\[\]\s]{1,2000})\)", re.IGNORECASE)
_DOMAINISH = re.compile(r"(?i)(?<![a-z0-9\-\u00a1-\uffff.])(?:https?://)?((?:[a-z0-9\-\u00a1-\uffff]++\.)++"
                        r"[a-z\u00a1-\uffff]{2,})")
_URL = re.compile(r"(?i)\b(?:https?|ftp)://[^\s<>\"'|\])]+")
# Links looked at per string: each costs a URL parse; a text with more is a link farm, and what
# the first ones show decides (the scan flags it either way).
MAX_LINKS = 200
SHORTENERS = frozenset({
    "bit.ly", "bitly.com", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly", "cutt.ly", "rebrand.ly",
    "t.ly", "shorturl.at", "tiny.cc", "rb.gy", "s.id", "v.gd", "lnkd.in", "shorte.st", "adf.ly", "bl.ink",
    "tr.im", "soo.gd", "qr.ae", "x.co", "clck.ru", "u.to", "tiny.one", "short.io", "urlz.fr",
})


def detect_markup(text: str) -> Iterator[Hit]:
    if "<" not in text and ":" not in text and "{" not in text and "[" not in text:
        return
    active = [(m.start(), m.end()) for m in _SCRIPT.finditer(text.lower() if text.isascii() else lowered(text))]
    for start, end in active:
        yield Hit("markup", Severity.CRITICAL, start, end, "script or active content", sensitive=False)
    for m in _MASS_MENTION.finditer(text):
        yield Hit("markup", Severity.HIGH, m.start(), m.end(), "Slack mass mention", sensitive=False,
                  replacement="[removed: mass mention]")
    for m in _SLACK_LINK.finditer(text):
        yield _link_hit(m.start(), m.end(), m.group(1), m.group(2), "Slack")
    for m in _MD_LINK.finditer(text):
        yield _link_hit(m.start(), m.end(), m.group(2), m.group(1), "Markdown")
    for m in _TAG.finditer(text):
        if m.group(1).lower() not in _HTML_ELEMENT_NAMES:
            continue
        inside = any(s <= m.start() < e or m.start() <= s < m.end() for s, e in active)
        if not inside and not text.startswith(("<!", "<http", "<mailto"), m.start()):
            yield Hit("markup", Severity.MEDIUM, m.start(), m.end(), "HTML tag", sensitive=False)


def _link_hit(start: int, end: int, url: str, label: str, style: str) -> Hit:
    host = _host(url)
    shown = _DOMAINISH.search(label)
    shown_host = shown.group(1).lower().rstrip(".") if shown else None
    if shown_host and host and not (host == shown_host or host.endswith("." + shown_host)):
        return Hit("markup", Severity.HIGH, start, end, f"{style} link whose text shows {shown_host} but goes to {host}",
                   sensitive=False, replacement=f"[removed: disguised link to {defang(host)}]")
    return Hit("markup", Severity.MEDIUM, start, end, f"{style}-formatted link", sensitive=False)


def detect_links(text: str) -> Iterator[Hit]:
    if "://" not in text:
        return
    for m in islice(_URL.finditer(text), MAX_LINKS):
        url = m.group().rstrip(".,;:!?")
        reason = suspicious_link(url)
        if reason:
            yield Hit("suspicious_link", Severity.MEDIUM, m.start(), m.start() + len(url), reason, sensitive=False)


def suspicious_link(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return "malformed link"
    if "@" in parts.netloc:
        return "link with a user name before the host"
    if not host:
        return None
    if _is_ip(host):
        return "link to a bare IP address"
    if any(label.startswith("xn--") for label in host.split(".")):
        return "punycode (look-alike) host"
    if not host.isascii():
        return "non-ASCII (look-alike) host"
    if host in SHORTENERS or host.removeprefix("www.") in SHORTENERS:
        return "URL shortener hides the destination"
    return None


def _is_ip(host: str) -> bool:
    h = host.strip("[]")
    if re.fullmatch(r"\d+|0x[0-9a-f]+", h):  # http://3232235777 is an IPv4 address too
        return True
    try:
        ipaddress.ip_address(h)
        return True
    except ValueError:
        return False


def _host(url: str) -> str | None:
    try:
        return (urlsplit(url).hostname or "").lower() or None
    except ValueError:
        return None


def defang(host: str) -> str:
    return host.replace(".", "[.]")


def slack_safe(text: str) -> str:
    """Text bound for Slack with mass mentions and disguised links made inert: escaped, so Slack
    shows them as typed instead of pinging everyone or hiding where a link goes.

    Everything else is left as is, so a message's own formatting survives: user mentions
    `<@U…>`, channel links `<#C…>`, `<!date^…>`, and links whose text is not another domain
    (`<https://…|View the proposal>`)."""
    if "<" not in text:
        return text
    text = _MASS_MENTION.sub(lambda m: _inert(m.group()), text)
    return _SLACK_LINK.sub(lambda m: _inert(m.group()) if _link_hit(m.start(), m.end(), m.group(1), m.group(2),
                                                                   "Slack").severity == Severity.HIGH
                           else m.group(), text)


def _inert(s: str) -> str:
    return s.replace("<", "&lt;").replace(">", "&gt;")


def escape_mrkdwn(text: object) -> str:
    """Text a client, a lead or a model wrote, made inert in a message (Slack mrkdwn): `&`, `<`, `>`
    escaped, so a link, a mention or `<!channel>` shows as typed. The one escaping function:
    the engine's messages and every Block Kit surface in `bot/slack/blocks` use it."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
