"""The words the slot extractors know: sources and their synonyms, stages, periods, project types, the
phrases that say why a lead was lost, and the words that are never part of a name or a query.

Every pattern is an alternation of literal phrases (or has bounded repeats), so it runs in linear time.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE


def _words(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b", _I)


# Where a lead came from, in plain words -> LeadSource value. First match wins.
SOURCES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_words(r"linked ?in", r"li (?:dm|message|inbound)"), "linkedin"),
    (_words("upwork"), "upwork"),
    (_words(r"cold[ -]?e-?mail(?:ed|s)?", r"e-?mailed (?:us )?cold", r"cold (?:outreach|call|reach ?out)",
            r"out of (?:the blue|nowhere)", r"unsolicited e-?mail", r"e-?mailed us out of"), "cold_email"),
    (_words(r"referr(?:al|ed)", r"recommended (?:by|us)", r"intro(?:duction|duced)? (?:from|by)", r"introduced us",
            r"word of mouth", r"friend of"), "referral"),
    # "website" alone is often what they want built ("wants a website"): a source only as a way in.
    (_words(r"web ?(?:site )?form", r"contact form", r"site form", r"landing page", r"form submission",
            r"(?:through|via|from|on|off|using) (?:the |our )?(?:web ?site|site)", r"our (?:web ?)?site",
            r"web ?site (?:inquiry|enquiry|leads?|contacts?|chat|visitors?)", r"came in (?:from|through) the web"),
     "website"),
    (_words(r"csv", r"imported", r"import file", r"spreadsheet import"), "import"),
)
# Words that lead into a source phrase ("came in through", "found us on"): no part of a search query.
SOURCE_LEADIN = re.compile(r"\b(?:came in|come in|found us|through|via|from) (?:the |a |our )?(?=\s?\.)", _I)
SOURCE_WORDS = re.compile(r"^(?:linked ?in|upwork|cold ?e-?mail|e-?mail|referrals?|web ?site|website|web form|csv|"
                          r"import|slack|li)$", _I)
REFERRER = re.compile(r"(?:referral from|referred by|recommended by|intro(?:duction|duced)? (?:from|by))\s{1,3}"
                      r"([A-Z][\w'-]{0,30}(?:\s[A-Z][\w'-]{0,30})?|[a-z][\w'-]{0,30})")

STAGE_SYNONYMS: dict[str, str] = {
    "qualified": "QUALIFIED", "qualify": "QUALIFIED",
    "proposal": "PROPOSAL", "proposal stage": "PROPOSAL", "proposal sent": "PROPOSAL",
    "negotiation": "NEGOTIATION", "negotiating": "NEGOTIATION", "negotiations": "NEGOTIATION",
    "contract": "CONTRACT", "signed": "CONTRACT", "contract signed": "CONTRACT", "closed won": "CONTRACT",
    "won": "CONTRACT",
    "active": "ACTIVE", "in progress": "ACTIVE", "kicked off": "ACTIVE",
    "delivered": "DELIVERED", "shipped": "DELIVERED",
    "paid": "PAID", "has paid": "PAID",
    "repeat": "REPEAT", "repeat client": "REPEAT", "returning": "REPEAT",
    "lead stage": "LEAD", "back to lead": "LEAD", "reopen": "LEAD", "reopened": "LEAD",
}
_STAGE_ALT = "|".join(sorted((re.escape(k) for k in STAGE_SYNONYMS), key=len, reverse=True))
STAGE_WORD = re.compile(rf"\b(?:{_STAGE_ALT})\b", _I)
STAGE_AFTER = re.compile(rf"(?:\b(?:to|into|in|as|at)|->|→|:)\s{{0,3}}(?:the\s)?(?:stage\s)?({_STAGE_ALT})\b", _I)


def stage_of(word: str) -> str:
    return STAGE_SYNONYMS[re.sub(r"\s+", " ", word.lower())]


PERIODS: tuple[tuple[re.Pattern[str], str], ...] = (
    (_words(r"month", r"monthly", r"mtd"), "month"),
    (_words(r"quarter(?:ly)?", r"qtr", r"q[1-4]", r"qtd"), "quarter"),
    (_words(r"year", r"ytd", r"annual(?:ly)?", r"20\d\d"), "year"),
)

PROJECT_TYPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_words("chatbot", "chat bot", "support bot", "assistant"), "chatbot"),
    (_words("mobile app", "ios app", "android app", "react native"), "mobile app"),
    (_words("website", "web site", "landing page", "web app", "online shop", "portfolio site", "shopify"), "website"),
    (_words("data pipeline", "etl", "data warehouse"), "data pipeline"),
    (_words("dashboard", "reporting", "analytics"), "dashboard"),
    (_words("automation", "workflow", "integration"), "automation"),
)

LOST_REASONS: tuple[re.Pattern[str], ...] = (
    _words(r"went with", r"gone with", r"go with", r"chose", r"picked", r"hired", r"signed with"),
    _words(r"no budget", r"budget (?:cut|frozen|freeze|gone)", r"too expensive", r"can'?t afford", r"no money"),
    _words(r"not interested", r"lost interest", r"ghosted", r"never (?:answered|replied|responded|got back)",
           r"no (?:answer|reply|response)", r"silent", r"stopped (?:answering|replying)"),
    _words(r"cancell?ed", r"on hold", r"went cold"),
)
REASON_AFTER = re.compile(r"(?:\bbecause\b|\breason\b|\bdue to\b|\bsince\b|:|—|,|\s-\s|\()\s{0,3}([^\n]{1,200})", _I)
LOST_WORDS = frozenset("""mark marked set close closed as lost is was it its dead drop dropped kill killed scrap
the lead to this please pls reason we us our lose our a an and so deal no-go write off fell through""".split())

REQUIREMENTS = re.compile(r"\b(?:wants?|needs?|looking for|interested in|asking (?:for|about)|requirements?:|to build|"
                          r"would like)\s{1,3}(?:a |an |to )?([^\n,;]{1,200}?)(?=[,;.]\s|\sbudget\b|\stimeline\b|\sby\s|"
                          r"\swithin\s|$|\n)", _I)
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
           r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|q[1-4]|summer|spring|autumn|fall|winter|the year|the month|"
           r"the quarter)")
TIMELINE = re.compile(rf"\b((?:in|within) \d{{1,3}}\s?(?:days?|weeks?|months?)|by (?:the )?(?:end of )?{_MONTHS}"
                      r"(?: \d{1,2})?|asap|next (?:week|month|quarter))\b", re.IGNORECASE)

PRONOUNS = _words(r"it", r"its", r"this one", r"that one", r"this lead", r"that lead", r"the lead", r"them", r"they",
                  r"him", r"her", r"this project", r"that project", r"the project", r"same one", r"their")

# Capitalised words that are never part of a person's or company's name.
NOT_NAMES = frozenset("""
new lead leads add capture log create record please pls hi hey hello can you the a an and from at of with for
linkedin upwork website slack email e-mail mail cold referral budget usd eur gbp monday tuesday wednesday thursday
friday saturday sunday january february march april may june july august september october november december asap
move mark qualify score rate find show list search project proposal contract invoice deliver send he she they it
this that is are was came through via wants needs looking interested client contact company industry timeline
met spoke talked got just had received heard call called named name our we i me my us team
prospect inquiry enquiry web form submission site subject hi, dear thanks regards on in to by li dm message
referred recommended intro introduced emailed sent wrote reached asked asking about need want wanted would like
works work worked runs run new: lead: one quick got a conference today yesterday booking system app
found who if any also hello, re fw fwd cc as filled reached out yo ok okay so hiya morning quick thx ty tlaked talked chatted de da do du von van der la le
""".split()) - {"van", "der", "de", "da", "du", "von", "la", "le"} | {"de"}
COMPANY_SUFFIX = re.compile(r"(?:Inc|Ltd|LLC|GmbH|Corp|Co|SA|BV|AG|Limited|Group|Labs|Studio|Studios|Partners|"
                            r"Holdings|Technologies|Systems|Lda|SRL|Srl|Oy|AB|AS|Pty|PLC|plc|LLP|KG|SAS|NV)\.?")
COMPANY_BEFORE = frozenset({"from", "at", "of", "for", "company", "company:", "with", "run", "de", "works at",
                            "works for", "i run", "we are", "representing", "ceo", "founder", "owner", "@", "via"})
REFERRER_BEFORE = frozenset({"referral from", "referred by", "recommended by", "intro from", "introduced by",
                             "introduction from", "by", "friend"})

# Searching: what precedes a query, words skipped before it, and words that end it.
QUERY_BEFORE = frozenset({"from", "at", "matching", "mentioning", "about", "named", "called", "for", "with", "want",
                          "wants", "need", "needs", "needing", "wanting",
                          "containing", "like", "asking for", "search for", "look for", "looking for",
                          "anything on", "something on", "info on", "anyone on"})
QUERY_SKIP = frozenset({"a", "an", "the", "leads", "lead", "any", "all", "our", "us", "company", "up", "for"})
QUERY_STOP = frozenset({"in", "on", "at", "stage", "pipeline", "already", "please", "pls", "leads", "lead", "?",
                        "and", "or", "who", "that", "which", "the", "we", "do", "have", "still", "yet", "now",
                        "thanks", "ty", "thx", "asap", "when", "you", "get", "a", "sec", "is", "are", "to", "for",
                        "anyone", "anything", "there"})
QUERY_VERBS = frozenset({"search", "find", "lookup", "look", "grep", "list", "show", "who"})
QUERY_NOISE = QUERY_STOP | QUERY_SKIP | QUERY_BEFORE | QUERY_VERBS | frozenset(
    "from came come found us via through yo hey hi grace @grace me all do we have got right currently today "
    "filled message messages dm form inbound sent reached out of number count waiting sitting stuck many much "
    "open total more".split())
_UNUSED = frozenset({"search", "find", "lookup", "look", "up", "grep", "any", "list", "show", "who"})


def is_source_or_stage(text: str) -> bool:
    t = text.strip().lower()
    return bool(SOURCE_WORDS.match(t)) or t in STAGE_SYNONYMS or any(p.search(t) for p, _ in SOURCES) \
        or t in ("leads", "lead", "clients", "all", "new", "any", "our", "the")
