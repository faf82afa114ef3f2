"""LinkedIn Lead Gen Forms: webhook signatures, the validation challenge, and answers mapped to a lead.

LinkedIn signs each webhook POST with `X-LI-Signature: hmacsha256=<hex>`, the HMAC-SHA256 of the raw
body under the app's client secret, and validates the webhook URL with a GET carrying `challengeCode`,
answered with `challengeResponse` = hex HMAC-SHA256 of the code under the same secret.

The mapping reads LinkedIn's lead form response (`formResponse.answers`, each with `questionId`
and `answerDetails`) together with the form's questions (`form.content.questions`, each with
`questionId`, `name` and, for standard fields, `predefinedField`) so answers can be named;
`linkedin_api` fetches both when the notification carries only their URNs.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from engine.errors import InvalidInput
from engine.pipeline.schemas import LeadInput, LeadSource

SIGNATURE_PREFIX = "hmacsha256="

# LinkedIn's predefined lead form fields -> our lead fields.
PREDEFINED = {
    "FIRST_NAME": "first_name", "LAST_NAME": "last_name", "EMAIL": "email", "WORK_EMAIL": "work_email",
    "COMPANY_NAME": "company", "COUNTRY": "country", "PHONE_NUMBER": "phone", "WORK_PHONE_NUMBER": "phone",
    "INDUSTRY": "industry",
}
# Kept as custom fields under these names (job title, seniority... are not columns of ours).
PREDEFINED_CUSTOM = {
    "JOB_TITLE": "title", "SENIORITY": "seniority", "JOB_FUNCTION": "job_function", "CITY": "city",
    "STATE": "state", "ZIP_CODE": "zip_code", "COMPANY_SIZE": "company_size", "LINKEDIN_PROFILE_LINK": "linkedin_url",
    "GENDER": "gender", "DEGREE": "degree", "FIELD_OF_STUDY": "field_of_study", "SCHOOL": "school",
}


def sign(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    if not secret or not header:
        return False
    header = header.strip()
    if not header.lower().startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(sign(secret, body), header[len(SIGNATURE_PREFIX):].strip().lower())


# LinkedIn's challenge codes are UUIDs. Answering any other string would make the endpoint an
# oracle: the HMAC of `X` is exactly the `X-LI-Signature` of a POST whose body is `X`, so a
# forger could have a JSON lead signed for them. A UUID is never a JSON object.
_CHALLENGE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
CHALLENGE_CHARS = 36


def challenge_response(secret: str, challenge_code: str) -> dict[str, str]:
    """The answer to LinkedIn's validation GET; refuses (InvalidInput) a code that is not a UUID."""
    if len(challenge_code) != CHALLENGE_CHARS or not _CHALLENGE.fullmatch(challenge_code):
        raise InvalidInput("challengeCode must be a UUID, as LinkedIn sends.", field="challengeCode")
    return {"challengeCode": challenge_code, "challengeResponse": sign(secret, challenge_code.encode())}


def _answer_text(answer: dict[str, Any], options: dict[int, str]) -> str | None:
    details = answer.get("answerDetails") or {}
    text = (details.get("textQuestionAnswer") or {}).get("answer")
    if text is not None:
        return str(text).strip() or None
    choice = details.get("multipleChoiceAnswer") or {}
    picked = [options.get(int(o), str(o)) for o in choice.get("options") or [] if str(o).lstrip("-").isdigit()]
    return ", ".join(picked) or None


def _questions(form: dict[str, Any]) -> dict[int, dict[str, Any]]:
    content = form.get("content") or form
    out: dict[int, dict[str, Any]] = {}
    for q in content.get("questions") or []:
        if isinstance(q, dict) and str(q.get("questionId", "")).lstrip("-").isdigit():
            out[int(q["questionId"])] = q
    return out


def _options(q: dict[str, Any]) -> dict[int, str]:
    details = (q.get("questionDetails") or {}).get("multipleChoiceQuestionDetails") or {}
    out: dict[int, str] = {}
    for o in details.get("options") or []:
        text = o.get("text") or {}
        label = text.get("localized") if isinstance(text, dict) else text
        if isinstance(label, dict):
            label = next(iter(label.values()), None)
        if "id" in o and label:
            out[int(o["id"])] = str(label)
    return out


def _label(q: dict[str, Any] | None, qid: int) -> str:
    if not q:
        return f"question_{qid}"
    if q.get("name"):
        return str(q["name"])[:64]
    text = (q.get("question") or {}).get("localized") or {}
    return str(next(iter(text.values()), f"question_{qid}"))[:64] if isinstance(text, dict) else f"question_{qid}"


def response_of(payload: dict[str, Any]) -> dict[str, Any]:
    """The lead form response inside a notification (or the payload itself when it is one)."""
    for key in ("leadGenFormResponse", "leadFormResponse", "response"):
        if isinstance(payload.get(key), dict):
            return payload[key]
    return payload


def linkedin_to_lead(payload: dict[str, Any]) -> tuple[LeadInput, str]:
    """Map a Lead Gen response to a lead and its external id; unknown answers become custom fields."""
    response = response_of(payload)
    form = payload.get("form") or response.get("form") or {}
    questions = _questions(form if isinstance(form, dict) else {})
    answers = (response.get("formResponse") or {}).get("answers")
    if not isinstance(answers, list):
        raise InvalidInput("The LinkedIn payload has no formResponse.answers.", field="formResponse.answers")
    ours: dict[str, str] = {}
    custom: dict[str, str] = {}
    for a in answers:
        if not isinstance(a, dict) or not str(a.get("questionId", "")).lstrip("-").isdigit():
            continue
        qid = int(a["questionId"])
        q = questions.get(qid)
        value = _answer_text(a, _options(q) if q else {})
        if value is None:
            continue
        predefined = str((q or {}).get("predefinedField") or a.get("predefinedField") or "").upper()
        if predefined in PREDEFINED:
            ours.setdefault(PREDEFINED[predefined], value)
        elif predefined in PREDEFINED_CUSTOM:
            custom[PREDEFINED_CUSTOM[predefined]] = value[:1000]
        else:
            custom[_label(q, qid)] = value[:1000]
    email = ours.get("email") or ours.get("work_email")
    if not email:
        raise InvalidInput("The LinkedIn lead has no e-mail answer.", field="email")
    name = " ".join(p for p in (ours.get("first_name"), ours.get("last_name")) if p) or email.split("@")[0]
    ref = payload.get("leadGenFormResponse")
    external_id = str(response.get("id") or (ref if isinstance(ref, str) else "") or "")
    if not external_id:
        raise InvalidInput("The LinkedIn payload has no lead response id.", field="id")
    meta: dict[str, Any] = {"linkedin": {k: v for k, v in {
        "response_id": external_id, "form": response.get("versionedLeadGenFormUrn") or payload.get("leadGenForm"),
        "lead_type": response.get("leadType") or payload.get("leadType"), "test_lead": response.get("testLead"),
        "submitted_at": response.get("submittedAt"),
    }.items() if v is not None}}
    if custom:
        meta["custom_fields"] = custom
    requirements = custom.get("message") or custom.get("Message") or None
    try:
        data = LeadInput(source=LeadSource.LINKEDIN, name=name[:200], email=email, company=ours.get("company"),
                         country=ours.get("country"), phone=ours.get("phone"), industry=ours.get("industry"),
                         requirements=requirements, metadata=meta)
    except ValueError as e:
        raise InvalidInput(f"LinkedIn lead: {e}", field="email") from None
    return data, external_id
