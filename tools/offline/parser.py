"""Turn a message into a tool call, or into a question saying what is missing.

Deterministic: the same message in the same thread always gives the same answer.
All patterns and words come from `tools.offline.rules`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from engine.money import parse_amount
from tools.offline import rules as R

_I = re.IGNORECASE
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", _I)
LEAD_ID = re.compile(r"\blead\s*(?:#|no\.?\s*|number\s*)?\s*(\d+)\b", _I)
PROJECT_ID = re.compile(r"\bproject\s*(?:#|no\.?\s*|number\s*)?\s*(\d+)\b", _I)
HASH_ID = re.compile(r"(?<![\w&])#(\d+)\b")
AMOUNT = re.compile(
    r"(?:(?:\b(?:USD|EUR|GBP)|[$€£])\s*\d[\d,]*(?:\.\d+)?\s*(?:k|m|thousand|million)?\b"
    r"|\b\d[\d,]*(?:\.\d+)?\s*(?:k|m|thousand|million)\b(?:\s*(?:USD|EUR|GBP)\b)?"
    r"|\b\d{1,3}(?:,\d{3})+(?:\.\d+)?\b(?:\s*(?:USD|EUR|GBP)\b)?"
    r"|\b\d+(?:\.\d+)?\s*(?:USD|EUR|GBP)\b)", _I)
BUDGET_PLAIN = re.compile(r"\bbudget\b\s*(?:is|of|:|=|around|about|~)?\s*(\d+(?:\.\d+)?)\b", _I)
CAP_RUN = re.compile(r"\b[A-Z][\w'’&-]*(?:[ \t]+[A-Z][\w'’&.-]*)*")
# "at Acme", "from Acme & Sons", "company: Acme", "works for Acme"
COMPANY_AFTER = re.compile(r"(?:\bat|\bfrom|\bof|\bwith|company:?|works (?:at|for))\s+([A-Z][\w&'.-]*(?:\s+(?:&\s+)?[A-Z][\w&'.-]*){0,3})")
SLACK_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
SLACK_LINK = re.compile(r"<(?:mailto:)?([^|>]+)(?:\|([^>]*))?>")


@dataclass
class Entities:
    lead_id: int | None = None
    project_id: int | None = None
    hash_id: int | None = None
    pronoun: bool = False
    email: str | None = None
    name: str | None = None
    company: str | None = None
    budget: str | None = None
    source: str | None = None
    referrer: str | None = None
    stage: str | None = None
    period: str | None = None
    requirements: str | None = None
    timeline: str | None = None
    project_type: str | None = None
    query: str | None = None
    invoice: str | None = None
    reference: str | None = None

    def described(self) -> str:
        parts = []
        if self.lead_id is not None:
            parts.append(f"lead #{self.lead_id}")
        if self.project_id is not None:
            parts.append(f"project #{self.project_id}")
        for label, v in (("name", self.name), ("e-mail", self.email), ("company", self.company),
                         ("budget", self.budget), ("source", self.source), ("stage", self.stage)):
            if v:
                parts.append(f"{label} {v}")
        return ", ".join(parts)


@dataclass
class Parsed:
    kind: str  # call | missing | unknown | help
    intent: R.Intent | None = None
    args: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    entities: Entities = field(default_factory=Entities)


def clean(text: str) -> str:
    """Slack's markup out: mentions dropped, <mailto:a@b|a@b> and <url|label> to their text, &amp; to &."""
    text = SLACK_MENTION.sub(" ", text)
    text = SLACK_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = html.unescape(text)
    return re.sub(r"[ \t]+", " ", text).strip()


def _first(patterns: dict[str, tuple[str, ...]], text: str) -> str | None:
    """The key whose longest synonym occurs in the text (longest wins, so 'proposal sent' beats 'proposal')."""
    best: tuple[int, str] | None = None
    for key, words in patterns.items():
        for w in words:
            if re.search(rf"\b{re.escape(w)}\b", text, _I) and (best is None or len(w) > best[0]):
                best = (len(w), key)
    return best[1] if best else None


def _amount(text: str) -> str | None:
    for m in AMOUNT.finditer(text):
        try:
            parse_amount(m.group(0).strip())
            return m.group(0).strip()
        except ValueError:
            continue
    plain = BUDGET_PLAIN.search(text)
    return plain.group(1) if plain else None


def _runs(text: str) -> list[str]:
    """Runs of capitalised words, split where a word is never part of a name."""
    out: list[str] = []
    for m in CAP_RUN.finditer(text):
        cur: list[str] = []
        for word in m.group(0).split():
            bare = word.strip(".,'’").lower()
            if bare in R.NOT_NAMES or not word[0].isupper():
                if cur:
                    out.append(" ".join(cur))
                cur = []
            else:
                cur.append(word.rstrip(".,"))
        if cur:
            out.append(" ".join(cur))
    return out


def _company(text: str, referrer: str | None) -> str | None:
    m = re.search(rf"\b([A-Z][\w&'-]*(?:\s+(?:&\s+|and\s+)?[A-Z][\w&'-]*)*\s+{R.COMPANY_SUFFIXES})(?![\w])", text)
    if m:
        return m.group(1).strip()
    m = COMPANY_AFTER.search(text)
    while m:
        cand = " ".join(w for w in m.group(1).split() if w.lower().strip(".") not in R.NOT_NAMES).strip()
        if cand and cand != referrer and not any(re.search(p, cand, _I) for p, _ in R.SOURCES):
            return cand.rstrip(".")
        m = COMPANY_AFTER.search(text, m.end())
    return None


def _name(text: str, company: str | None, referrer: str | None) -> str | None:
    runs = [r for r in _runs(text) if r not in (company, referrer) and not (company and r in company)
            and not (referrer and r in referrer) and not any(re.search(p, r, _I) for p, _ in R.SOURCES)]
    multi = [r for r in runs if len(r.split()) >= 2]
    if multi:
        return " ".join(multi[0].split()[:3])
    return runs[0] if runs else None


def extract(text: str) -> Entities:
    e = Entities()
    emails = EMAIL.findall(text)
    e.email = emails[0] if emails else None
    bare = EMAIL.sub(" ", text)  # an e-mail's domain must not look like a source or a company
    if m := LEAD_ID.search(bare):
        e.lead_id = int(m.group(1))
    if m := PROJECT_ID.search(bare):
        e.project_id = int(m.group(1))
    if m := HASH_ID.search(bare):
        e.hash_id = int(m.group(1))
    e.pronoun = bool(re.search(R.PRONOUNS, bare, _I))
    no_ids = HASH_ID.sub(" ", PROJECT_ID.sub(" ", LEAD_ID.sub(" ", bare)))
    e.budget = _amount(no_ids)
    for pattern, source in R.SOURCES:
        if re.search(pattern, bare, _I):
            e.source = source
            break
    if m := re.search(R.REFERRER, bare):
        e.referrer = m.group(1)
    e.stage = _first(R.STAGES, bare)
    e.period = _first(R.PERIODS, bare)
    no_sources = bare
    for pattern, _source in R.SOURCES:
        no_sources = re.sub(pattern, " ", no_sources, flags=_I)
    e.project_type = _first(R.PROJECT_TYPES, no_sources)
    if m := re.search(R.REQUIREMENTS, bare, _I):
        e.requirements = m.group(1).strip(" .,;") or None
    if m := re.search(R.TIMELINE, bare, _I):
        e.timeline = m.group(1)
    if m := re.search(R.INVOICE_NUMBER, bare, _I):
        e.invoice = m.group(1).upper()
    elif m := re.search(R.INVOICE_ID, bare, _I):
        e.invoice = m.group(1)
    if m := re.search(R.PAYMENT_REFERENCE, bare, _I):
        e.reference = m.group(1)
    no_amounts = AMOUNT.sub(" ", no_ids)
    e.company = _company(no_amounts, e.referrer)
    e.name = _name(no_amounts, e.company, e.referrer)
    return e


def _query(text: str, e: Entities) -> str | None:
    if m := re.search(r"[\"“']([^\"”']+)[\"”']", text):
        return m.group(1)
    if e.email:
        return e.email
    if e.name:
        return e.name
    if e.company:
        return e.company
    if m := re.search(r"\b(?:named|called|matching|about|for)\s+([\w@.\-' ]+)$", text, _I):
        words = [w for w in m.group(1).split() if w.lower() not in R.NOT_NAMES]
        return " ".join(words) or None
    return None


def _trigger(intent: R.Intent, text: str) -> re.Match[str] | None:
    for p in intent.triggers:
        if m := re.search(p, text, _I):
            return m
    return None


def _has_ref(intent: R.Intent, e: Entities) -> bool:
    if "project_id" in intent.needs:
        return e.project_id is not None or e.hash_id is not None or e.pronoun
    return e.lead_id is not None or e.hash_id is not None or e.pronoun


def _reason(text: str, trigger: re.Match[str]) -> str | None:
    """An explicit reason after the trigger ("lost: budget cut", "because ..."), else a phrase
    that says why ("went with another agency"), else None (the parser then asks)."""
    if m := re.search(R.REASON, text[trigger.end():], _I):
        reason = m.group(1).strip(" .")
        if reason:
            return reason
    for pattern in R.LOST_REASONS:
        if m := re.search(pattern, text, _I):
            return re.split(r"[,.;!?]", text[m.start():])[0].strip()
    return None


def parse(text: str, last_lead_id: int | None = None, last_project_id: int | None = None,
          raw: str | None = None) -> Parsed:
    """The tool call a message asks for, using the thread's last lead/project for pronouns.
    `raw` is the message with its line breaks (a pasted post keeps them); `text` by default."""
    raw = clean(raw if raw is not None else text)
    text = clean(text)
    if any(re.search(p, text, _I) for p in R.HELP):
        return Parsed("help")
    e = extract(text)
    bare = EMAIL.sub(" ", text)
    intent, trig = None, None
    for cand in R.INTENTS:
        m = _trigger(cand, bare)
        if m and (not cand.needs_ref or _has_ref(cand, e)):
            intent, trig = cand, m
            break
    if intent is None and e.email:
        intent = next(i for i in R.INTENTS if i.tool == R.CAPTURE_FALLBACK)
    if intent is None:
        return Parsed("unknown", entities=e)

    # Which lead or project: an explicit id, else a bare #N, else the one the thread last mentioned.
    if "project_id" in intent.needs:
        ref = e.project_id if e.project_id is not None else e.hash_id
        if ref is None and (e.pronoun or e.lead_id is None):
            ref = last_project_id
        e.project_id = ref
    elif intent.tool != "capture_lead":
        ref = e.lead_id if e.lead_id is not None else e.hash_id
        if ref is None and e.pronoun:
            ref = last_lead_id
        e.lead_id = ref

    args = _pasted(raw) if intent.tool == "capture_upwork_post" else _args(intent, e, bare, trig)
    missing = [n for n in intent.needs if args.get(n) in (None, "")]
    return Parsed("missing" if missing else "call", intent, args, missing, e)


def _pasted(raw: str) -> dict[str, Any]:
    """A pasted post: what follows the trigger's colon (or the trigger), line breaks kept."""
    intent = next(i for i in R.INTENTS if i.tool == "capture_upwork_post")
    m = _trigger(intent, raw)
    rest = re.sub(r"^\s*:", "", raw[m.end():] if m else raw)
    return {"text": rest.strip() or None}


def _args(intent: R.Intent, e: Entities, text: str, trig: re.Match[str] | None) -> dict[str, Any]:
    t = intent.tool
    if t == "capture_lead":
        args: dict[str, Any] = {"name": e.name, "email": e.email, "source": e.source or R.DEFAULT_SOURCE}
        for k in ("company", "budget", "requirements", "timeline", "project_type"):
            if getattr(e, k):
                args[k] = getattr(e, k)
        return args
    if t == "move_lead_stage":
        return {"lead_id": e.lead_id, "stage": e.stage}
    if t == "mark_lead_lost":
        return {"lead_id": e.lead_id, "reason": _reason(text, trig) if trig else None}
    if t == "generate_proposal":
        args = {"lead_id": e.lead_id}
        if e.budget:
            args["budget"] = e.budget
        if e.requirements:
            args["requirements"] = e.requirements
        return args
    if t == "mark_invoice_paid":
        return {"invoice_number_or_id": e.invoice, "reference": e.reference}
    if t == "collect_payment":
        m = re.search(R.MILESTONE, text, _I)
        return {"project_id": e.project_id, **({"milestone": int(m.group(1))} if m else {})}
    if t == "find_leads":
        args = {k: v for k, v in (("stage", e.stage), ("source", e.source), ("query", _query(text, e))) if v}
        return args
    if t == "revenue_stats":
        return {"period": e.period or "all"}
    if t == "pipeline_metrics":
        return {}
    if "project_id" in intent.needs:
        return {"project_id": e.project_id}
    if not intent.needs:
        return {}  # a list (projects, invoices, rates): no lead to name
    return {"lead_id": e.lead_id}
