"""Upwork job posts pasted by a person (Upwork has no feed for agencies): text -> a lead.

`parse_job_post` reads the title, the budget (fixed price or hourly range), skills, the client's
country and the description from text copied off a job page, or just a job URL.
`capture_upwork_post(ctx, text)` turns it into a lead with source `upwork`, once per job.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal

from engine.context import OperationContext
from engine.errors import InvalidInput
from engine.pipeline.schemas import LeadInput, LeadSource
from engine.sources.intake import IntakeResult, intake_lead

MAX_POST_CHARS = 20_000
# Upwork clients are reached through Upwork, so the client gets a placeholder address in the
# reserved `.example` domain: never deliverable, unique per job, so the same post dedupes.
PLACEHOLDER_DOMAIN = "upwork.example"

_URL = re.compile(r"https?://(?:www\.)?upwork\.com/\S+", re.I)
_JOB_ID = re.compile(r"~0[0-9a-z]{6,}", re.I)
# Whitespace inside an amount or a range is bounded ({0,3}): two unbounded runs side by side
# would backtrack quadratically over a long run of spaces.
_NUM = r"\$?\s{0,3}(\d[\d,]{0,15}(?:\.\d{1,4})?)\s{0,3}([kK])?"
_RANGE = re.compile(_NUM + r"\s{0,3}(?:-|–|—|to)\s{0,3}" + _NUM)
_AMOUNT = re.compile(r"\$\s{0,3}(\d[\d,]{0,15}(?:\.\d{1,4})?)\s{0,3}([kK])?")
_HOURLY = re.compile(r"\bhourly\b|/\s{0,3}h(?:ou)?r\b|per hour", re.I)
_SKILL_SEP = re.compile(r"[,;|•·]")
_FIXED = re.compile(r"fixed[- ]price|\bbudget\b|fixed\b", re.I)
_TIMELINE = re.compile(r"(less than (?:1|one) month|1 to 3 months|3 to 6 months|more than 6 months)", re.I)
_LABEL = re.compile(r"^(title|budget|skills|country|client country|location|description|url)\s*:\s*(.*)$", re.I)
_SECTIONS = re.compile(r"^(skills and expertise|skills|about the client|activity on this job|"
                       r"preferred qualifications|client'?s recent history|other open jobs)\b", re.I)
_META_LINE = re.compile(
    r"^(posted\b|worldwide$|hourly\b|fixed[- ]price|est\.? budget|budget\b|\$|intermediate|expert|entry level|"
    r"less than|more than|\d+\s*to\s*\d+\s*months|\d+-\d+ hrs|hours to be determined|.*hrs/week|"
    r"experience level|project type|contract-to-hire|job link|search more)", re.I)
_CLIENT_NOISE = re.compile(r"verified|member since|spent|hires?\b|jobs? posted|rating|reviews?|open job|"
                           r"\d|\$|hire rate|of \d|avg|industry|company size|individual client", re.I)


@dataclass
class UpworkPost:
    title: str
    description: str = ""
    budget: Decimal | None = None  # fixed price
    hourly_min: Decimal | None = None
    hourly_max: Decimal | None = None
    skills: list[str] = field(default_factory=list)
    country: str | None = None
    url: str | None = None
    job_id: str | None = None
    timeline: str | None = None

    @property
    def budget_range(self) -> str | None:
        if self.hourly_min is None:
            return None
        hi = f"-${self.hourly_max}" if self.hourly_max is not None and self.hourly_max != self.hourly_min else ""
        return f"${self.hourly_min}{hi}/hr"


def _amount(num: str, k: str | None) -> Decimal:
    value = Decimal(num.replace(",", ""))
    return value * 1000 if k else value


def _budget(text: str, post: UpworkPost) -> None:
    lines = text.splitlines()
    for i, line in enumerate(lines):
        # The amount and its kind may share a line or sit on neighbouring lines.
        window = " ".join(lines[max(i - 1, 0):i + 2])
        if _HOURLY.search(window) and (m := _RANGE.search(line)) and "$" in line:
            post.hourly_min, post.hourly_max = _amount(m.group(1), m.group(2)), _amount(m.group(3), m.group(4))
            return
    for i, line in enumerate(lines):
        window = " ".join(lines[max(i - 1, 0):i + 2])
        if _HOURLY.search(window) and (m := _AMOUNT.search(line)):
            post.hourly_min = post.hourly_max = _amount(m.group(1), m.group(2))
            return
    for i, line in enumerate(lines):
        window = " ".join(lines[max(i - 1, 0):i + 2])
        if _FIXED.search(window) and (m := _AMOUNT.search(line)):
            post.budget = _amount(m.group(1), m.group(2))
            return


def _skills(lines: list[str], start: int, inline: str) -> list[str]:
    if inline:
        items = _SKILL_SEP.split(inline)
    else:
        items = []
        for line in lines[start + 1:start + 40]:
            if _SECTIONS.match(line) or _LABEL.match(line):
                break
            items.extend(_SKILL_SEP.split(line))
    out: list[str] = []
    for s in items:
        s = s.strip()
        if s and len(s) <= 60 and not re.fullmatch(r"\+?\d+( more)?", s) and s.lower() not in {x.lower() for x in out}:
            out.append(s)
    return out[:30]


def parse_job_post(text: str) -> UpworkPost:
    """Read an Upwork job post. Raises InvalidInput when there is nothing to read."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise InvalidInput("Paste the Upwork job post text or its URL.", field="text")
    if len(text) > MAX_POST_CHARS:
        raise InvalidInput(f"The job post is longer than {MAX_POST_CHARS} characters.", field="text")
    url_match = _URL.search(text)
    url = url_match.group(0).rstrip(").,>") if url_match else None
    job = _JOB_ID.search(url or text)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    post = UpworkPost(title="", url=url, job_id=job.group(0).lower() if job else None)
    labelled: dict[str, str] = {}
    body: list[str] = []
    skills_at: int | None = None
    in_client = False
    for i, line in enumerate(lines):
        if m := _LABEL.match(line):
            key, value = m.group(1).lower(), m.group(2).strip()
            if key == "skills":
                skills_at, labelled["skills"] = i, value
            elif key == "description":
                body.append(value)
            else:
                labelled.setdefault(key, value)
            continue
        if m := _SECTIONS.match(line):
            in_client = m.group(1).lower() == "about the client"
            if m.group(1).lower().startswith("skills"):
                skills_at = i
                labelled.setdefault("skills", "")
            continue
        if in_client:
            if post.country is None and not _CLIENT_NOISE.search(line) and len(line.split()) <= 4:
                post.country = line
            continue
        if skills_at is not None:
            continue
        if _URL.fullmatch(line) or _META_LINE.match(line):
            continue
        if not post.title and "title" not in labelled:
            post.title = line
        else:
            body.append(line)
    post.title = (labelled.get("title") or post.title or "").strip()
    if skills_at is not None:
        post.skills = _skills(lines, skills_at, labelled.get("skills", ""))
    post.country = labelled.get("client country") or labelled.get("country") or labelled.get("location") or post.country
    post.description = "\n".join(body).strip()
    if "budget" in labelled:
        _budget(("fixed budget " if not _HOURLY.search(labelled["budget"]) else "hourly ") + labelled["budget"], post)
    if post.budget is None and post.hourly_min is None:
        _budget(text, post)
    if t := _TIMELINE.search(text):
        post.timeline = t.group(1)
    if not post.title:
        if not post.url:
            raise InvalidInput("Could not find the job's title in the pasted text.", field="text")
        post.title = f"Upwork job {post.job_id or post.url}"
    return post


def post_key(post: UpworkPost) -> str:
    """The job's id when known, else a hash of title and description (the same paste twice matches)."""
    if post.job_id:
        return post.job_id
    return hashlib.sha256(f"{post.title}\n{post.description}".lower().encode()).hexdigest()[:20]


def post_to_lead(post: UpworkPost) -> LeadInput:
    key = post_key(post)
    who = f"Upwork client ({post.country})" if post.country else "Upwork client"
    parts = [post.title, post.description]
    if post.skills:
        parts.append("Skills: " + ", ".join(post.skills))
    requirements = "\n\n".join(p for p in parts if p)[:10_000]
    meta = {"upwork": {k: v for k, v in {
        "title": post.title[:300], "url": post.url, "job_id": post.job_id, "skills": post.skills or None,
        "hourly_min": str(post.hourly_min) if post.hourly_min is not None else None,
        "hourly_max": str(post.hourly_max) if post.hourly_max is not None else None,
        "fixed_budget": str(post.budget) if post.budget is not None else None,
    }.items() if v is not None}}
    return LeadInput(source=LeadSource.UPWORK, name=who[:200], email=f"upwork-{key.lstrip('~')}@{PLACEHOLDER_DOMAIN}",
                     budget=post.budget, budget_range=post.budget_range, currency="USD",
                     country=post.country[:100] if post.country else None, requirements=requirements,
                     timeline=post.timeline, metadata=meta)


async def capture_upwork_post(ctx: OperationContext, text: str) -> IntakeResult:
    """Turn pasted Upwork job post text (or its URL) into a lead with source `upwork`, once per job."""
    ctx.check_policy("capture_lead")
    post = parse_job_post(text)
    return await intake_lead(ctx, post_to_lead(post), external_id=post_key(post), kind="job_post")
