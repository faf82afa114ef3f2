"""LinkedIn lead-gen webhooks: the secret, a payload and its signature."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid

LINKEDIN_SECRET = "li-client-secret"


def linkedin_payload(email="ada@analytical.io", response_id=None):
    response_id = response_id or f"{uuid.uuid4()}-{int(time.time())}"
    q = [("firstName", "FIRST_NAME"), ("lastName", "LAST_NAME"), ("email", "EMAIL"), ("company", "COMPANY_NAME"),
         ("title", "JOB_TITLE"), ("country", "COUNTRY"), ("projectSize", None)]
    answers = ["Ada", "Lovelace", email, "Analytical Engines", "CTO", "United Kingdom", None]
    questions = [{"questionId": i + 1, "name": name, "question": {"localized": {"en_US": name}},
                  **({"predefinedField": pf} if pf else {}),
                  "questionDetails": {"textQuestionDetails": {}} if pf else
                  {"multipleChoiceQuestionDetails": {"options": [{"id": 1, "text": {"localized": {"en_US": "<$10k"}}},
                                                                 {"id": 2, "text": {"localized": {"en_US": "$10k-$50k"}}}]}}}
                 for i, (name, pf) in enumerate(q)]
    answer_rows = [{"questionId": i + 1, "answerDetails": {"textQuestionAnswer": {"answer": a}}}
                   for i, a in enumerate(answers) if a is not None]
    answer_rows.append({"questionId": 7, "answerDetails": {"multipleChoiceAnswer": {"options": [2]}}})
    form_urn = "urn:li:leadGenForm:6789"
    return {
        "type": "LEAD_ACTION", "leadAction": "CREATED", "leadType": "SPONSORED",
        "leadGenFormResponse": f"urn:li:leadGenFormResponse:{response_id}", "leadGenForm": form_urn,
        "owner": {"sponsoredAccount": "urn:li:sponsoredAccount:507404993"}, "occurredAt": 1764300000000,
        "leadFormResponse": {
            "id": response_id, "owner": {"sponsoredAccount": "urn:li:sponsoredAccount:507404993"},
            "submitter": "urn:li:person:AbCdEf", "leadType": "SPONSORED", "testLead": False,
            "versionedLeadGenFormUrn": f"urn:li:versionedLeadGenForm:({form_urn},1)", "submittedAt": 1764300000000,
            "formResponse": {"answers": answer_rows, "consentResponses": [{"accepted": True, "consentId": 1}]},
        },
        "form": {"id": 6789, "content": {"questions": questions}},
    }


def li_sign(body: bytes, secret=LINKEDIN_SECRET):
    return "hmacsha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
