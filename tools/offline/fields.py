"""Slot extractors of the everyday CRM tools: who owns a lead (a Slack mention), what kind of interaction is
logged and what was said, an exchange rate (currency and rate), and the fields a message changes on a lead
or its client ("budget is €15k now", "prefers whatsapp", "moved to Portugal").

Like tools/offline/slots.py, each runs on a message already capped at MAX_CHARS, and every pattern is
linear: alternations of literals and bounded repeats only. A field is read only after its own words
("budget", "phone", "country", ...) so a message never changes what it does not name.
"""

from __future__ import annotations

import re

from engine.money import parse_amount
from tools.offline import slots

_I = re.IGNORECASE

# ---- owners -----------------------------------------------------------------------------------------------
# A Slack mention as the bot receives it (<@U012AB3CD> or <@U012AB3CD|maria>), or a user id typed bare.
MENTION = re.compile(r"<@([UW][A-Z0-9]{2,20})(?:\|[^<>|]{0,80})?>")
BARE_USER_ID = re.compile(r"(?<![\w@])([UW](?=[A-Z0-9]{0,19}\d)[A-Z0-9]{6,20})(?![\w])")


# After a mention that opens a message, the words that make it the owner ("<@U0...> takes over lead 17").
OWNER_AFTER = re.compile(r"\s{0,3}(?:takes?|taking|owns?|will (?:own|take|handle)|should (?:own|take|handle)|gets|"
                         r"is (?:the )?(?:new )?owner|is responsible|is in charge|handles?)\b", _I)


def owner(raw: str) -> str | None:
    """The team member a lead is given to: the Slack id of the mention in the message. A mention that opens a
    message is the bot being addressed ("<@GRACE> give lead 5 to <@U0...>"), unless owner words follow it."""
    found = [(m.start(), m.end(), m.group(1)) for m in MENTION.finditer(raw)]
    if found and not raw[: found[0][0]].strip() and (len(found) > 1 or not OWNER_AFTER.match(raw, found[0][1])):
        found = found[1:]
    if found:
        return found[0][2]
    bare = BARE_USER_ID.search(raw)
    return bare.group(1) if bare else None


# ---- interactions -----------------------------------------------------------------------------------------
KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"\b(?:e-?mail(?:s|ed)?|mail(?:ed)?|wrote (?:to )?(?:us|them|back)|inbox|replied by mail)\b",
                         _I)),
    ("meeting", re.compile(r"\b(?:meeting|meetings|met|meet|zoom|teams call|google meet|in person|workshop|"
                           r"lunch|coffee|demo|catch ?-?up|sat down|visit(?:ed)?|video call)\b", _I)),
    ("call", re.compile(r"\b(?:call|called|calls|calling|phone(?:d)?|rang|ring|dial(?:l?ed)?|on the phone|"
                        r"phone call|voicemail|spoke|spoken|talked|tlaked|chatted)\b", _I)),
    ("note", re.compile(r"\b(?:note|notes|memo|fyi|jot)\b", _I)),
)
SUMMARY_AFTER = re.compile(r"(?::|\s[-–—]\s|\bsaying\b|\bsaid\b|\babout\b|\bre:)\s{0,3}([^\n].{2,})", _I)


def interaction_kind(text: str) -> str:
    """call, meeting, email or note: the one whose words come first ("note: they called" is a note)."""
    best = ("note", len(text) + 1)
    for kind, pattern in KINDS:
        m = pattern.search(text)
        if m and m.start() < best[1]:
            best = (kind, m.start())
    return best[0]


def summary(text: str) -> str:
    """What was said or done, in the speaker's words: the clause after a ":" or " - " when it has a few words,
    else the whole message (a record of what the person wrote is never wrong)."""
    if (m := SUMMARY_AFTER.search(text)) and len(m.group(1).split()) >= 3:
        return m.group(1).strip()[:2000]
    return text.strip()[:2000]


# ---- currencies and rates ---------------------------------------------------------------------------------
CURRENCY_CODES = frozenset("""usd eur gbp chf cad aud nzd jpy cny inr sek nok dkk pln czk huf ron bgn try brl mxn
ars clp cop zar ngn kes egp aed sar ils sgd hkd krw twd thb myr idr php vnd uah""".split())
CURRENCY_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:euros?|€)", _I), "EUR"),
    (re.compile(r"\b(?:pounds?(?: sterling)?|sterling|quid|£)", _I), "GBP"),
    (re.compile(r"\b(?:swiss francs?|francs?|chf)\b", _I), "CHF"),
    (re.compile(r"\b(?:canadian dollars?|loonies?)\b", _I), "CAD"),
    (re.compile(r"\b(?:australian dollars?|aussie dollars?)\b", _I), "AUD"),
    (re.compile(r"\byen\b", _I), "JPY"),
    (re.compile(r"\brupees?\b", _I), "INR"),
    (re.compile(r"\bzloty\b", _I), "PLN"),
    (re.compile(r"\b(?:kron(?:a|or|er))\b", _I), "SEK"),
    (re.compile(r"\breais|real\b", _I), "BRL"),
    (re.compile(r"\bpesos?\b", _I), "MXN"),
    (re.compile(r"\brand\b", _I), "ZAR"),
    (re.compile(r"\b(?:dollars?|bucks)\b", _I), "USD"),
)
CODE_WORD = re.compile(r"(?<![\w])([A-Za-z]{3})(?![\w])")
RATE_NUMBER = re.compile(r"(?<![\w.,])(\d{1,9}(?:[.,]\d{1,9})?)(?![\w]|[.,]\d)")
ONE_UNIT = re.compile(r"(?<![\w.,])1\s{0,2}(?=[A-Za-z€£$])")


def currencies(text: str) -> list[tuple[int, str]]:
    """The currencies a message names, where: ISO codes (any case, e.g. "EUR", "gbp") and plain words."""
    out = [(m.start(), m.group(1).upper()) for m in CODE_WORD.finditer(text) if m.group(1).lower() in CURRENCY_CODES]
    for pattern, code in CURRENCY_WORDS:
        out += [(m.start(), code) for m in pattern.finditer(text)]
    return sorted(out)


def fx_rate(text: str) -> tuple[str | None, str | None]:
    """(currency, rate) in "set the EUR rate to 1.08", "1 GBP = 1,27", "euro is at 1.11 today". The currency
    is the first one named (the rate is of one unit of it); the rate the number that is not that "1"."""
    named = currencies(text)
    code = named[0][1] if named else None
    rest = ONE_UNIT.sub(" ", text)
    numbers = [n.replace(",", ".") for n in RATE_NUMBER.findall(rest)]
    decimal = [n for n in numbers if "." in n]
    rate = decimal[0] if decimal else (numbers[-1] if numbers else None)
    return code, rate


# ---- fields of a lead or a client -------------------------------------------------------------------------
# What a field is called -> the field, and whether a link word ("is", "to", ":", "now", "should be") must
# follow before the value ("budget €15k" needs none; "contact preference" is no name).
LEAD_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("value estimate|estimated value|deal value|deal size|worth", "value_estimate", False),
    ("next action date|next step date|follow[ -]?up date", "next_action_date", True),
    ("next action|next step", "next_action", True),
    ("project type|type of project|kind of project", "project_type", False),
    ("type", "project_type", True),
    ("requirements?|scope|reqs", "requirements", False),
    ("time ?line|deadline|due date|go[ -]live", "timeline", True),
    ("budget", "budget", False),
    ("currency", "currency", False),
    ("notes?", "notes", True),
)
CLIENT_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("(?:company|firm) (?:has )?changed (?:its |their |the )?name|renamed|rebranded|changed (?:its |their |the )?name|"
     "new company name|company name|company|firm|"
     "business name|org(?:anisation|anization)?", "company", True),
    ("industry|sector|vertical", "industry", True),
    ("based in|moved to|relocated to|located in|moving to", "country", False),
    ("country", "country", True),
    ("contact name|contact person|full name|name|the contact|main contact", "name", True),
    ("notes?", "notes", True),
)
VERB = (r"is|are|was|will be|should be|becomes|became|has changed|changed|changes|moved|moves|pushed|shifted|"
        r"went up|went down|goes up|goes down|increased|decreased|raised|lowered|dropped|updated|corrected")
LINK = (rf"(?:'s|s)?\s{{0,3}}(?:(?:{VERB})\s{{1,3}})?"
        r"(?:(?:now|actually|to|into|:|=|->|→|as|at|around|of)\s{0,3}){0,2}")
STRICT_LINK = (rf"(?:'s|s)?\s{{0,3}}(?:(?:(?:{VERB})"
               r"(?:\s{1,3}(?:now|actually|to|into|as))?|now|to|into|:|=|->|→|as)\s{0,3})")
VALUE_END = re.compile(r"\s(?:now$|now\s|not|instead of|rather than|and (?:the|their|set|change|update)|pls|please|thanks|thx|"
                       r"ty|asap|from now on|going forward|for lead|on lead|of lead|for the client|in the crm)\b|"
                       r"[,;!?]|\.(?:\s|$)|\s[-–—]\s|\($", _I)


# Between a field's words and its value, which lead or client it is: "the budget of lead 48 is ...",
# "country for the client of lead 70 to brazil", "sector for lead 57's client: logistics".
WHOSE = (r"(?:\s{1,3}(?:for|of|on|at|in)\s{1,3}(?:the\s)?(?:client\s(?:of|behind|for|from)\s)?|\s{1,3})"
         r"(?:lead\s{0,2}(?:#|no\.?\s?)?\d{1,12}|#\d{1,12})(?:'s)?(?:\s{1,3}(?:client|company|contact))?")


def _field_patterns(table: tuple[tuple[str, str, bool], ...]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(rf"\b(?:{words})\b(?:{WHOSE})?{STRICT_LINK if strict else LINK}", _I), field)
            for words, field, strict in table]


LEAD_PATTERNS = _field_patterns(LEAD_FIELDS)
CLIENT_PATTERNS = _field_patterns(CLIENT_FIELDS)
CHANNELS = (("whatsapp", r"whats ?app|wa"), ("linkedin", r"linked ?in"), ("slack", r"slack"),
            ("phone", r"phone|calls?|telephone|ringing them|mobile|sms|text(?:s|ing)?"),
            ("email", r"e-?mails?|mail"), ("meeting", r"meetings?|in person|zoom|video calls?|face to face"))
CHANNEL_WORD = [(c, re.compile(rf"\b(?:{w})\b", _I)) for c, w in CHANNELS]
STATUSES = (("inactive", r"inactive|dormant|churned|not active|paused"),
            ("customer", r"customers?|paying client"),
            ("active", r"active"), ("prospect", r"prospects?"))
STATUS_WORD = [(s, re.compile(rf"\b(?:{w})\b", _I)) for s, w in STATUSES]
PREFERS = re.compile(r"\b(?:prefers?|preferred|rather|likes? to be|wants? (?:us )?to|best (?:way|reached)|reach (?:them|"
                     r"him|her)|contact (?:them|him|her)|contact preference|contact (?:method|channel)|"
                     r"contact(?:ed)? (?:by|via|on|over|through)|only (?:by|via|on|over))\b", _I)
STATUS_CUE = re.compile(r"\b(?:status|mark(?:ed)?|set|is now|now|is an?|became|make them|flag(?:ged)?|as|went)\b", _I)
PHONE = re.compile(r"(?<![\w])(\+?\d[\d ()./-]{5,20}\d)(?![\w])")
TZ = re.compile(r"\b([A-Z][a-z]{2,15}/[A-Z][A-Za-z_]{2,20}|UTC[+-]\d{1,2}|GMT[+-]\d{1,2}|[ECMP][SD]T|CET|CEST|BST)\b")


def _value(text: str, start: int, limit: int = 200) -> str:
    rest = text[start:start + limit]
    m = VALUE_END.search(rest)
    value = rest[: m.start()] if m else rest
    value = re.sub(r"^(?:called|named|known as)\s{1,3}", "", value.strip(), flags=_I)
    return value.strip(" .,:;\"'“”‘’")


def _amount_after(text: str, start: int) -> str | None:
    """The amount after a field's words; in "went from 10k to 14k" the one after "to"."""
    found = slots.amounts(text[start:start + 80])
    if found:
        rest = text[start:start + 80]
        if len(found) > 1 and (not rest[:found[0][0]].strip() or re.search(r"\bfrom\s{0,3}$", rest[:found[0][0]], _I)) and \
                re.fullmatch(r"\s{0,3}(?:to|->|→)\s{0,3}", rest[found[0][1]:found[1][0]], _I):
            return found[1][2]
        return found[0][2]
    m = re.match(r"\s{0,3}(\d{3,9})\b", text[start:start + 20])
    return m.group(1) if m else None


def _checked_amount(value: str) -> str | None:
    try:
        parse_amount(value)
    except ValueError:
        return None
    return value


def lead_changes(text: str) -> dict[str, str]:
    """The fields of a lead a message changes, each read after its own words: {"budget": "€15k", ...}."""
    out: dict[str, str] = {}
    taken: list[tuple[int, int]] = []
    for pattern, field in LEAD_PATTERNS:
        for m in pattern.finditer(text):
            if field in out or any(a <= m.start() < b for a, b in taken):
                continue
            if field in ("budget", "value_estimate"):
                value = _amount_after(text, m.end())
            elif field == "currency":
                named = [c for at, c in currencies(text[m.end():m.end() + 40])]
                value = named[0] if named else None
            elif field == "next_action_date":
                value = None  # a date needs a calendar and a time zone: left to the person (or a language model)
            else:
                value = _value(text, m.end()) or None
            if value:
                out[field] = value
                taken.append((m.start(), m.end() + len(value)))
    if "currency" not in out and "budget" not in out and re.search(r"\bcurrency\b|\bshould be in\b|\bin (?:euros?|"
                                                                    r"pounds|dollars)\b", text, _I):
        codes = currencies(text)
        if codes:
            out["currency"] = codes[0][1]
    return out


def client_changes(text: str) -> dict[str, str]:
    """The fields of a client a message changes: {"preferred_contact": "phone", "country": "Portugal", ...}."""
    out: dict[str, str] = {}
    if m := PREFERS.search(text):
        hits = [(h.start(), c) for c, p in CHANNEL_WORD for h in [p.search(text, m.end())] if h]
        if hits:
            out["preferred_contact"] = min(hits)[1]
    if STATUS_CUE.search(text):
        hits = [(h.start(), s) for s, p in STATUS_WORD for h in [p.search(text)] if h]
        if hits:
            out["status"] = min(hits)[1]
    if m := PHONE.search(slots.LEAD_REF.sub(" ", slots.HASH_REF.sub(" ", text))):
        if len(re.sub(r"\D", "", m.group(1))) >= 7:
            out["phone"] = m.group(1).strip()
    if m := TZ.search(text):
        out["timezone"] = m.group(1)
    taken: list[tuple[int, int]] = []
    for pattern, field in CLIENT_PATTERNS:
        if field in out:
            continue
        for m in pattern.finditer(text):
            if any(a <= m.start() < b for a, b in taken):
                continue
            value = re.sub(r"^(?:the|a|an)\s", "", _value(text, m.end(), 120), flags=_I)
            if field != "notes" and (not value or len(value.split()) > 4 or
                                     (field != "company" and re.search(r"\d", value))):
                continue
            if value:
                out[field] = value
                taken.append((m.start(), m.end() + len(value)))
                break
    if "country" in out:
        out["country"] = " ".join(w if w.isupper() else w[:1].upper() + w[1:] for w in out["country"].split())
    return out


def checked(changes: dict[str, str]) -> dict[str, str]:
    """The changes whose values can be what the field holds (an amount that parses, a code of three letters)."""
    out = dict(changes)
    for field in ("budget", "value_estimate"):
        if field in out and _checked_amount(out[field]) is None:
            out.pop(field)
    if "currency" in out and not re.fullmatch(r"[A-Z]{3}", out["currency"]):
        out.pop("currency")
    return out
