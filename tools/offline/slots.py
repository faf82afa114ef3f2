"""Slot extractors: what a message says about which lead or project, e-mails, amounts, sources, stages,
periods, names and companies, search queries, invoices and references.

Each runs on a message that went through `tools.offline.text.prepare` (capped at MAX_CHARS), and each
pattern is linear: bounded repeats, or unbounded ones separated by a literal that cannot overlap them.
Names and companies are found on tokens (a split on white space), not by one pattern over the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from engine.money import parse_amount
from tools.offline import vocabulary as V

_I = re.IGNORECASE
# An e-mail is a token: it is checked with fullmatch on one white-space-free piece, never searched for.
EMAIL_TOKEN = re.compile(r"[\w.+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
TOKEN = re.compile(r"[^\s<>(),;\"“”\[\]]+")
LEAD_REF = re.compile(r"\b(?:lead)s?'?s?\.?\s{0,3}(?:#|no\.?|nr\.?|number)?\s{0,3}(\d{1,12})\b", _I)
PROJECT_REF = re.compile(r"\b(?:project|proj)'?s?\.?\s{0,3}(?:#|no\.?|nr\.?|number)?\s{0,3}(\d{1,12})\b", _I)
HASH_REF = re.compile(r"(?<![\w&])#\s?(\d{1,12})\b")
BARE_NUMBER = re.compile(r"(?<![\w#$€£.,/:-])(\d{1,12})(?![\w%$€£]|[.,]\d|:\d)")
MILESTONE = re.compile(r"\bmilestone\s{0,3}(?:#|no\.?|nr\.?|number)?\s{0,3}(\d{1,4})\b", _I)
INVOICE_NUMBER = re.compile(r"\b(INV-[A-Z0-9]{1,20}(?:-[A-Z0-9]{1,20}){0,4})\b", _I)
INVOICE_ID = re.compile(r"\binvoice\s{0,3}(?:#|no\.?|nr\.?|number|id)?\s{0,3}(\d{1,12})\b", _I)
REFERENCE = re.compile(r"\b(?:ref(?:erence)?|txn|transaction(?: id)?|transfer id|wire)\b\s{0,3}(?:is|was|:|#|no\.?|=)?"
                       r"\s{0,3}([A-Za-z0-9][\w/.-]{0,60})", _I)
# A reference without its keyword: a code with a letter prefix and digits, e.g. "SEPA-4471" or "TRX-991".
CODE = re.compile(r"\b([A-Z]{2,6}-\d{2,12}|[A-Z]{2,6}/\d{2,6}/\d{1,12})\b")
_CUR = r"(?:usd|eur|gbp|chf|cad|aud|us\$|[$€£])"
AMOUNT = re.compile(
    rf"(?:{_CUR}\s?\d[\d,.' ]{{0,14}}(?:\s?(?:k|m|thousand|million)\b)?(?:\s?(?:usd|eur|gbp)\b)?"
    r"|\b\d[\d,.]{0,14}\s?(?:k|m|thousand|million)\b(?:\s?(?:usd|eur|gbp|€|\$))?"
    rf"|\b\d[\d,.]{{0,14}}\s?(?:usd|eur|gbp|chf|€|\$)(?![\w])"
    r"|\b\d{1,3}(?:[,.]\d{3}){1,4}(?:[.,]\d{1,2})?\b)", _I)
BUDGET_PLAIN = re.compile(r"\b(?:budget|spend|max|around|about)\b(?:\s{1,3}(?:is|of|around|about|max|up to))?"
                          r"\s{0,3}[:=~]?\s{0,3}(\d{3,9})\b", _I)


AMONG_LEADS = re.compile(r"\b(?:any|have|got|is|are)\s{1,3}([^\s,.;:!?]{1,40}(?:\s[^\s,.;:!?]{1,40}){0,3}?)\s{1,3}"
                         r"(?:in (?:the |our )?(?:leads|pipeline|crm)|as (?:a )?leads?|among (?:the |our )?leads|"
                         r"(?:a|one of our) leads?\b)", _I)


@dataclass
class Refs:
    lead_id: int | None = None
    project_id: int | None = None
    hash_id: int | None = None
    bare: list[int] = field(default_factory=list)
    pronoun: bool = False


def emails(text: str) -> list[str]:
    out = []
    for m in TOKEN.finditer(text):
        tok = m.group(0).strip(".:'!?")
        if tok.lower().startswith("mailto:"):
            tok = tok[7:]
        if "@" in tok and EMAIL_TOKEN.fullmatch(tok):
            out.append(tok)
    return out


def without(text: str, pieces: list[str]) -> str:
    for p in pieces:
        text = text.replace(p, " ")
    return text


def amounts(text: str) -> list[tuple[int, int, str]]:
    """Amounts as typed, with where they are: "$6,000", "15000 EUR", "€8.500", "12k"; each parses."""
    out = []
    for m in AMOUNT.finditer(text):
        raw = m.group(0).strip().rstrip(".,' ")
        try:
            parse_amount(raw)
        except ValueError:
            continue
        out.append((m.start(), m.start() + len(raw), raw))
    return out


def budget(text: str) -> str | None:
    found = amounts(text)
    if found:
        return found[0][2]
    m = BUDGET_PLAIN.search(text)
    return m.group(1) if m else None


def refs(text: str) -> Refs:
    """Which lead or project the message names: "lead 12", "project #3", "#12", a bare "12", or "it"."""
    r = Refs()
    if m := LEAD_REF.search(text):
        r.lead_id = int(m.group(1))
    if m := PROJECT_REF.search(text):
        r.project_id = int(m.group(1))
    if m := HASH_REF.search(text):
        r.hash_id = int(m.group(1))
    rest = HASH_REF.sub(" ", PROJECT_REF.sub(" ", LEAD_REF.sub(" ", text)))
    rest = MILESTONE.sub(" ", INVOICE_ID.sub(" ", INVOICE_NUMBER.sub(" ", rest)))
    for _, _, raw in amounts(rest):
        rest = rest.replace(raw, " ")
    r.bare = [int(m.group(1)) for m in BARE_NUMBER.finditer(rest)][:3]
    r.pronoun = bool(V.PRONOUNS.search(text))
    return r


def source(text: str) -> str | None:
    """The lead source said in plain words ("emailed us cold" -> cold_email), None when none is said."""
    for pattern, value in V.SOURCES:
        if pattern.search(text):
            return value
    return None


def referrer(text: str) -> str | None:
    m = V.REFERRER.search(text)
    return m.group(1) if m else None


def stage(text: str) -> str | None:
    """The stage a message moves to: one after "to/into/in/as/->" first, else the last one named."""
    if m := V.STAGE_AFTER.search(text):
        return V.stage_of(m.group(1))
    found = [(m.start(), V.stage_of(m.group(0))) for m in V.STAGE_WORD.finditer(text)]
    return found[-1][1] if found else None


def period(text: str) -> str:
    for pattern, value in V.PERIODS:
        if pattern.search(text):
            return value
    return "all"


def milestone(text: str) -> int | None:
    m = MILESTONE.search(text)
    return int(m.group(1)) if m else None


def invoice(text: str) -> str | None:
    if m := INVOICE_NUMBER.search(text):
        return m.group(1).upper()
    if m := INVOICE_ID.search(text):
        return m.group(1)
    return None


def reference(text: str) -> str | None:
    if m := REFERENCE.search(text):
        return m.group(1).rstrip(".,")
    rest = INVOICE_NUMBER.sub(" ", text)
    if m := CODE.search(rest):
        return m.group(1)
    return None


def reason(text: str) -> str | None:
    """Why a lead was lost: a known phrase ("went with another agency"), else the clause after a
    separator (":", ",", "-", "because"), else what is left once the lead and the words for "lost" go."""
    for pattern in V.LOST_REASONS:
        if m := pattern.search(text):
            return re.split(r"[,.;!?(]", text[m.start():], maxsplit=1)[0].strip()[:200]
    rest = LEAD_REF.sub(" ", HASH_REF.sub(" ", text))
    if m := V.REASON_AFTER.search(rest):
        words = [w for w in m.group(1).split() if w.lower().strip(".,!?") not in V.LOST_WORDS]
        cand = " ".join(words).strip(" .,;:-()")
        if len(cand) >= 3:
            return cand[:200]
    words = [w for w in re.split(r"\s+", rest) if w and w.lower().strip(".,!?:;-()") not in V.LOST_WORDS
             and not re.fullmatch(r"\W*\d*\W*", w)]
    cand = " ".join(words).strip(" .,;:-()")
    return cand[:200] if len(words) >= 2 else None


def requirements(text: str) -> str | None:
    if m := V.REQUIREMENTS.search(text):
        return m.group(1).strip(" .,;") or None
    return None


def timeline(text: str) -> str | None:
    m = V.TIMELINE.search(text)
    return m.group(1) if m else None


def project_type(text: str) -> str | None:
    for pattern, value in V.PROJECT_TYPES:
        if pattern.search(text):
            return value
    return None


# ---- names and companies -------------------------------------------------------------------------------------

@dataclass
class Span:
    start: int  # token index
    end: int
    words: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.words)


def _tokens(text: str) -> list[tuple[str, str]]:
    """(word, the punctuation right after it) for each white-space-separated piece."""
    out = []
    for piece in text.split():
        core = piece.strip("()<>[]\"“”'‘’,;:!?/|*")
        if piece.endswith(".") and not re.fullmatch(r"[A-Z][a-z]{0,3}\.|(?:[A-Z]\.){1,4}", core):
            core = core.rstrip(".")
        trail = piece[len(piece.rstrip(",;:!?)>/|.")):]
        lead = piece[: len(piece) - len(piece.lstrip("(<[\"“'‘"))]
        if lead:
            out.append(("", lead))
        out.append((core, trail))
    return out


def _is_word(w: str, lowercase_ok: bool) -> bool:
    if not w or "@" in w or not re.fullmatch(r"[^\W\d_][\w'’.&-]{0,40}|&", w):
        return False
    if w.lower() in V.NOT_NAMES:
        return False
    return w == "&" or w[0].isupper() or lowercase_ok


def _spans(tokens: list[tuple[str, str]], lowercase_ok: bool) -> list[Span]:
    """Runs of name-like words (at most 5), broken by punctuation, stop words and e-mails."""
    spans: list[Span] = []
    cur: list[str] = []
    start = 0
    for i, (w, trail) in enumerate(tokens):
        if _is_word(w, lowercase_ok) and not (w == "&" and not cur):
            if not cur:
                start = i
            cur.append(w)
            if trail or len(cur) == 5:
                spans.append(Span(start, i + 1, cur))
                cur = []
        else:
            if cur:
                spans.append(Span(start, i, cur))
            cur = []
    if cur:
        spans.append(Span(start, len(tokens), cur))
    return [s for s in spans if s.words[-1] != "&"]


_FOLD = str.maketrans("áàâäãåéèêëíìîïóòôöõúùûüñçłøšžćß", "aaaaaaeeeeiiiiooooouuuuncloszcs")
_NOT_A_TO_Z = re.compile(r"[^a-z]")


@lru_cache(maxsize=4096)  # called per word per candidate span: a long message repeats its words
def _letters(s: str) -> str:
    return _NOT_A_TO_Z.sub("", s.lower().translate(_FOLD))


def _capitalised_head(s: Span) -> Span:
    keep = 1
    while keep < len(s.words) and (s.words[keep][:1].isupper() or s.words[keep] in ("&", "and", "of", "de")):
        keep += 1
    while keep > 1 and s.words[keep - 1] in ("&", "and", "of", "de"):
        keep -= 1
    return Span(s.start, s.start + keep, s.words[:keep]) if s.words[0][:1].isupper() else s


@dataclass
class Who:
    name: str | None
    company: str | None


def name_and_company(text: str, email: str | None, skip: list[str]) -> Who:
    """The contact's name and company in a message about a new lead.

    Candidates are runs of capitalised words (or of any non-stop words when the message is all lower case).
    A run scores as a name when it sits right before the e-mail or shares a piece with its local part, and
    as a company when it has a company suffix, follows "from/at/of/works for/company", or matches the
    e-mail's domain. The best name is taken first; the company is the best of the other runs.
    """
    for s in skip:
        text = text.replace(s, " ")
    # Slack is often all lower case: then any non-stop word may be part of a name (a capital or two
    # elsewhere, "... referral from Giulia", does not change that).
    alpha = [w for w in text.split() if w[:1].isalpha() and "@" not in w]
    lowercase_ok = sum(w[0].isupper() for w in alpha) <= max(1, len(alpha) // 6)
    tokens = _tokens(text)
    spans = _spans(tokens, True)
    local = domain = ""
    email_at = None
    if email:
        local, _, host = email.lower().partition("@")
        domain = _letters(host.split(".")[0])
        local = local.replace(".", " ").replace("_", " ").replace("-", " ")
        email_at = next((i for i, (w, _) in enumerate(tokens) if email.lower() in w.lower()), None)
    lowered = [w.lower() for w, _ in tokens]

    def before(span: Span) -> str:
        i = span.start - 1
        while i >= 0 and tokens[i][0] == "":
            i -= 1
        return lowered[i] if i >= 0 else ""

    def before2(span: Span) -> str:
        i = span.start - 1
        while i >= 0 and tokens[i][0] == "":
            i -= 1
        return " ".join(lowered[max(0, i - 1): i + 1])

    def next_is_email(span: Span) -> bool:
        return email_at is not None and span.end <= email_at and all(
            tokens[k][0] == "" or lowered[k] in ("email", "e-mail", "mail", "at", "-") for k in range(span.end, email_at))

    local_words = local.split()
    local_letters = _letters(local)

    def in_local(w: str) -> bool:
        p = _letters(w)
        return len(p) >= 2 and (p in local_letters or bool(local_words and local_words[0] == p))

    def name_score(s: Span) -> float:
        score = {1: 0.0, 2: 1.5, 3: 1.0}.get(len(s.words), -1.0)
        if any(V.COMPANY_SUFFIX.fullmatch(w) for w in s.words):
            score -= 4
        matched = sum(in_local(w) for w in s.words)
        score += 3 if matched else 0
        score += 1 if matched >= 2 else 0
        if not lowercase_ok and not matched:
            score -= 3 * sum(1 for w in s.words if w[:1].islower())
        if domain and _letters(s.text) and _letters(s.text) in domain and len(_letters(s.text)) >= 4:
            score -= 3
        if next_is_email(s):
            score += 2
        if before(s) in V.COMPANY_BEFORE and not next_is_email(s):
            score -= 2
        if before(s) in V.REFERRER_BEFORE or before2(s) in V.REFERRER_BEFORE:
            score -= 5
        return score

    def company_score(s: Span) -> float:
        score = 0.0
        if any(V.COMPANY_SUFFIX.fullmatch(w) for w in s.words[1:]):
            score += 3
        if before(s) in V.COMPANY_BEFORE or before2(s) in V.COMPANY_BEFORE:
            score += 2
        letters = _letters(s.text)
        if domain and letters and (letters in domain or domain in letters or _letters(s.words[0]) == domain):
            score += 3
        if email_at is not None and s.start > email_at and s.start - email_at <= 2:
            score += 1
        if before(s) in V.REFERRER_BEFORE or before2(s) in V.REFERRER_BEFORE:
            score -= 5
        return score

    subs = [Span(s.start + i, s.start + j, s.words[i:j]) for s in spans
            for i in range(len(s.words)) for j in range(i + 1, min(len(s.words), i + 3) + 1)]
    named = sorted(((name_score(s), -abs((email_at or 0) - s.end), s) for s in subs if name_score(s) > 0),
                   key=lambda t: (t[0], t[1]), reverse=True)
    name_span = named[0][2] if named else None
    others = [s for s in spans if name_span is None or s.end <= name_span.start or s.start >= name_span.end]
    if not lowercase_ok:
        # In a capitalised message a company is its capitalised words: "Globex Corp filled in" -> "Globex Corp".
        others = [_capitalised_head(s) for s in others if s.words[0][:1].isupper() or
                  (domain and _letters(s.text) in domain)]
    scored = sorted(((company_score(s), -s.start, s) for s in others if company_score(s) > 0),
                    key=lambda t: (t[0], t[1]), reverse=True)
    company = scored[0][2].text if scored else None
    name = " ".join(name_span.words[:3]) if name_span else None
    return Who(name, company)


def _typo_of_leads(w: str) -> bool:
    """One letter dropped, added, changed or two swapped in "leads" ("leds", "lads", "laeds", "leadss")."""
    if w in ("leads", "lead") or not 3 <= len(w) <= 6 or w[0] != "l":
        return False
    target = "leads"
    if len(w) == 5:
        diff = [i for i in range(5) if w[i] != target[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and w[diff[0]] == target[diff[1]]
                                  and w[diff[1]] == target[diff[0]])
    short, long_ = (w, target) if len(w) < 5 else (target, w)
    return len(long_) - len(short) == 1 and any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def query(text: str) -> str | None:
    """What to search for in "find leads from Northwind", "search priya", "any leads asking for a chatbot".
    A quoted text wins; source and stage words are never a query."""
    if m := re.search(r"[\"“']([^\"”'\n]{1,80})[\"”']", text):
        return m.group(1).strip()
    if m := AMONG_LEADS.search(text):  # "any dental clinics in the leads?", "do we have Bluebird as a lead"
        cand = " ".join(w for w in m.group(1).split() if w.lower() not in V.QUERY_SKIP).strip(" .,!?")
        if cand and not V.is_source_or_stage(cand):
            return cand
    text = V.REFERRER.sub(" . ", text)  # "a referral from Jane": Jane referred them, she is no query
    for pattern, _ in V.SOURCES:  # "leads from found us on LinkedIn": the source is no query
        text = pattern.sub(" . ", text)
    text = V.SOURCE_LEADIN.sub(" . ", text)
    words = [w for w in text.split() if re.search(r"\w", w) or w in ".,;:!?&"]
    # "leds", "laeds": a typo of "leads" is no query
    low = ["leads" if w[:1].islower() and _typo_of_leads(w.lower().strip(".,!?:;()")) else w.lower().strip(".,!?:;()")
           for w in words]
    for i, w in enumerate(low):
        if w in V.QUERY_BEFORE or (i + 1 < len(low) and f"{w} {low[i + 1]}" in V.QUERY_BEFORE):
            j = i + 1 if w in V.QUERY_BEFORE else i + 2
            while j < len(low) and low[j] in V.QUERY_SKIP:
                j += 1
            got: list[str] = []
            while j < len(low) and low[j] and low[j] not in V.QUERY_NOISE and len(got) < 4:
                got.append(words[j].strip(".,!?:;()"))
                if re.search(r"[,.!?;:]$", words[j]):
                    break
                j += 1
            cand = " ".join(got).strip()
            if cand and not V.is_source_or_stage(cand):
                return cand
    # "leads umbrella health", "leads initech?": a name right after "leads" that no cue word introduces
    for i, w in enumerate(low):
        if w in ("leads", "lead") and i + 1 < len(low) and (i == 0 or low[i - 1] in V.QUERY_VERBS | {"any"}):
            got = []
            for word, lw in zip(words[i + 1:], low[i + 1:], strict=False):
                if not lw or lw in V.QUERY_NOISE or not re.search(r"[^\W\d_]", lw) or len(got) == 3:
                    break
                got.append(word.strip(".,!?:;()"))
                if re.search(r"[,.!?;:]$", word):
                    break
            cand = " ".join(got)
            if cand and not V.is_source_or_stage(cand) and not V.is_source_or_stage(got[0]):
                return cand
    # "find fintech leads": the word before "leads"
    for i, w in enumerate(low):
        if w in ("leads", "lead", "clients") and i > 0 and low[i - 1] and low[i - 1] not in V.QUERY_NOISE \
                and not V.is_source_or_stage(low[i - 1]) and low[i - 1] not in V.QUERY_VERBS:
            return words[i - 1].strip(".,!?:;()")
    # "search priya", "look up Globex"
    for i, w in enumerate(low):
        if w in V.QUERY_VERBS and i + 1 < len(low):
            rest = [x.strip(".,!?:;()") for x, lw in zip(words[i + 1:], low[i + 1:], strict=False)
                    if lw and lw not in V.QUERY_NOISE and not V.is_source_or_stage(lw)][:3]
            cand = " ".join(rest)
            if cand and not V.is_source_or_stage(cand):
                return cand
    return None
