"""Inbound e-mail (Mailgun, SendGrid), LinkedIn Lead Gen and Upwork posts, sent as their senders send them."""

import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from engine.pipeline.moves import move_to_stage
from engine.pipeline.schemas import StageMoveInput
from storage.models import Client, Interaction, Lead
from tests.conftest import ADMIN, lead_data, op
from tests.helpers.inbound import LINKEDIN_SECRET, li_sign, linkedin_payload

MAILGUN_KEY = "key-mailgun-signing"
SENDGRID_SECRET = "sg-inbound-secret"

REPLY = """Hi,

We'd like a quote for a React dashboard for our logistics team. Budget around $20k.

Thanks,
Jane
--
Jane Doe | COO, Acme Logistics
+1 555 0100

On Tue, Nov 24, 2026 at 10:00 AM Sales <sales@agency.example> wrote:
> Hello Jane, how can we help?
> Best, Sales
"""


@pytest.fixture
def configured(services):
    s = services.settings
    s.mailgun_signing_key, s.sendgrid_inbound_secret, s.linkedin_client_secret = MAILGUN_KEY, SENDGRID_SECRET, LINKEDIN_SECRET
    return services


def mailgun_fields(sender="Jane Doe <jane@acme-logistics.io>", subject="Dashboard project", body=REPLY,
                   key=MAILGUN_KEY, message_id=None, age=0):
    ts, token = str(int(time.time()) - age), uuid.uuid4().hex
    message_id = message_id or f"<{uuid.uuid4().hex}@mail.acme-logistics.io>"
    return {
        "recipient": "hello@agency.example", "sender": sender.split("<")[-1].rstrip(">"), "from": sender,
        "subject": subject, "body-plain": body, "stripped-text": "", "stripped-signature": "",
        "attachment-count": "0", "timestamp": ts, "token": token,
        "signature": hmac.new(key.encode(), (ts + token).encode(), hashlib.sha256).hexdigest(),
        "message-headers": json.dumps([["Message-Id", message_id], ["Subject", subject], ["From", sender]]),
    }


def sendgrid_fields(sender="Raj Patel <raj@patel-foods.in>", subject="Need a mobile app", text=REPLY):
    headers = (f"Received: by mx.sendgrid.net\nMessage-ID: <{uuid.uuid4().hex}@patel-foods.in>\n"
               f"From: {sender}\nTo: hello@agency.example\nSubject: {subject}\n")
    return {"headers": headers, "dkim": "{@patel-foods.in : pass}", "to": "hello@agency.example", "from": sender,
            "subject": subject, "text": text, "html": f"<p>{text}</p>", "sender_ip": "192.0.2.1",
            "envelope": json.dumps({"to": ["hello@agency.example"], "from": "raj@patel-foods.in"}),
            "charsets": json.dumps({"to": "UTF-8", "subject": "UTF-8", "from": "UTF-8", "text": "UTF-8"}),
            "SPF": "pass"}


def multipart(fields):
    return {k: (None, v) for k, v in fields.items()}


async def rows(services, model):
    async with services.session_factory() as s:
        return (await s.execute(select(model).order_by(model.id))).scalars().all()


async def test_mailgun_new_sender_becomes_cold_email_lead(configured, api):
    r = await api.post("/webhooks/email/mailgun", files=multipart(mailgun_fields()))
    assert r.status_code == 201, r.text
    lead_id = r.json()["lead_id"]
    lead = (await api.get(f"/api/business/leads/{lead_id}")).json()
    assert (lead["source"], lead["client_name"], lead["email"]) == ("cold_email", "Jane Doe", "jane@acme-logistics.io")
    req = lead["requirements"]
    assert req.startswith("Dashboard project") and "React dashboard" in req
    assert "wrote:" not in req and "how can we help" not in req and "COO, Acme" not in req


async def test_mailgun_bad_signature_is_refused(configured, api):
    fields = mailgun_fields(key="wrong-key")
    assert (await api.post("/webhooks/email/mailgun", data=fields)).status_code == 401
    fields = mailgun_fields()
    fields["timestamp"] = str(int(fields["timestamp"]) + 1)  # signed over another timestamp
    assert (await api.post("/webhooks/email/mailgun", data=fields)).status_code == 401
    assert await rows(configured, Lead) == []


async def test_mailgun_signed_but_older_than_five_minutes_is_refused_and_counted(configured, api):
    def refused() -> float:
        return REGISTRY.get_sample_value("grace_bad_signatures_total", {"source": "mailgun"}) or 0.0

    before = refused()
    r = await api.post("/webhooks/email/mailgun", data=mailgun_fields(age=6 * 60))  # a genuine, replayed request
    assert r.status_code == 401 and "5 minutes" in r.json()["message"]
    assert await rows(configured, Lead) == []
    assert refused() == before + 1
    assert (await api.post("/webhooks/email/mailgun", data=mailgun_fields(age=4 * 60))).status_code == 201


async def test_reply_from_open_lead_becomes_interaction_and_retry_is_once(configured, api):
    known = lead_data(source="api", email="Jane@Acme-Logistics.io")
    first = (await api.post("/api/business/leads", json=known)).json()
    fields = mailgun_fields(subject="Re: your proposal", body="Looks good, can we start in March?\n\n> old")
    r = await api.post("/webhooks/email/mailgun", data=fields)  # urlencoded, as Mailgun posts without files
    assert r.status_code == 200 and r.json()["lead_id"] == first["lead_id"] and r.json()["interaction_id"]
    again = await api.post("/webhooks/email/mailgun", data=fields)
    assert again.json()["duplicate"] is True and again.json()["interaction_id"] == r.json()["interaction_id"]
    emails = [i for i in await rows(configured, Interaction) if i.kind == "email"]
    assert len(emails) == 1 and emails[0].summary.startswith("Re: your proposal\n\nLooks good")
    assert len(await rows(configured, Lead)) == 1


async def test_lost_or_contracted_lead_gets_a_new_lead_for_the_same_client(configured, api):
    known = lead_data(source="api", email="jane@acme-logistics.io")
    first = (await api.post("/api/business/leads", json=known)).json()
    await op(configured, ADMIN, move_to_stage, first["lead_id"], StageMoveInput(stage="LOST", reason="budget"))
    r = await api.post("/webhooks/email/mailgun", files=multipart(mailgun_fields()))
    assert r.status_code == 201 and r.json()["client_id"] == first["client_id"]
    assert r.json()["lead_id"] != first["lead_id"]
    assert len(await rows(configured, Client)) == 1


async def test_sendgrid_secret_in_url_or_basic_auth(configured, api):
    r = await api.post(f"/webhooks/email/sendgrid?secret={SENDGRID_SECRET}", files=multipart(sendgrid_fields()))
    assert r.status_code == 201, r.text
    lead = (await api.get(f"/api/business/leads/{r.json()['lead_id']}")).json()
    assert (lead["source"], lead["client_name"], lead["email"]) == ("cold_email", "Raj Patel", "raj@patel-foods.in")
    auth = "Basic " + base64.b64encode(f"sendgrid:{SENDGRID_SECRET}".encode()).decode()
    r = await api.post("/webhooks/email/sendgrid", files=multipart(sendgrid_fields(sender="ana@ana.pt")),
                       headers={"Authorization": auth})
    assert r.status_code == 201
    assert (await api.get(f"/api/business/leads/{r.json()['lead_id']}")).json()["client_name"] == "ana"
    for bad in ("?secret=nope", ""):
        r = await api.post(f"/webhooks/email/sendgrid{bad}", files=multipart(sendgrid_fields()))
        assert r.status_code == 401
    assert (await api.post("/webhooks/email/postmark", data={"x": "y"})).status_code == 404
    assert len(await rows(configured, Lead)) == 2


async def test_sources_off_without_their_secret_are_not_found(services, api):
    assert (await api.post("/webhooks/email/mailgun", data=mailgun_fields())).status_code == 404
    assert (await api.post("/webhooks/email/sendgrid?secret=x", data=sendgrid_fields())).status_code == 404
    body = json.dumps(linkedin_payload()).encode()
    r = await api.post("/webhooks/linkedin", content=body, headers={"X-LI-Signature": li_sign(body)})
    assert r.status_code == 404 and r.json()["error"] == "source_not_configured"
    r = await api.get("/webhooks/linkedin", params={"challengeCode": str(uuid.uuid4())})
    assert r.status_code == 404


async def test_linkedin_lead_gen_maps_answers_and_custom_fields(configured, api):
    body = json.dumps(linkedin_payload()).encode()
    headers = {"Content-Type": "application/json", "X-LI-Signature": li_sign(body)}
    r = await api.post("/webhooks/linkedin", content=body, headers=headers)
    assert r.status_code == 201, r.text
    lead = (await api.get(f"/api/business/leads/{r.json()['lead_id']}")).json()
    assert (lead["source"], lead["client_name"], lead["email"], lead["company"], lead["country"]) == \
        ("linkedin", "Ada Lovelace", "ada@analytical.io", "Analytical Engines", "United Kingdom")
    assert lead["metadata"]["custom_fields"] == {"title": "CTO", "projectSize": "$10k-$50k"}
    again = await api.post("/webhooks/linkedin", content=body, headers=headers)
    assert again.status_code == 200 and again.json()["duplicate"] and again.json()["lead_id"] == r.json()["lead_id"]
    assert len(await rows(configured, Lead)) == 1


async def test_linkedin_signature_and_challenge(configured, api):
    body = json.dumps(linkedin_payload()).encode()
    for header in (li_sign(body, "other-secret"), li_sign(body + b" "), "", li_sign(body).replace("hmacsha256=", "")):
        r = await api.post("/webhooks/linkedin", content=body, headers={"X-LI-Signature": header})
        assert r.status_code == 401
    assert await rows(configured, Lead) == []
    r = await api.get("/webhooks/linkedin", params={"challengeCode": "890e4665-4dfe-4ab1-b689-ed553bceeed1"})
    expected = hmac.new(LINKEDIN_SECRET.encode(), b"890e4665-4dfe-4ab1-b689-ed553bceeed1", hashlib.sha256).hexdigest()
    assert r.json() == {"challengeCode": "890e4665-4dfe-4ab1-b689-ed553bceeed1", "challengeResponse": expected}


async def test_linkedin_challenge_cannot_sign_a_forged_lead(configured, api):
    """The attack: ask the challenge endpoint for the HMAC of a JSON lead, then POST that JSON
    with the returned value as its signature. The challenge answers only UUID-shaped codes."""
    forged = json.dumps(linkedin_payload(email="mallory@forged.example"), separators=(",", ":"))
    for code in (forged, '{"a":1}', "not-a-uuid", "890e4665-4dfe-4ab1-b689-ed553bceeed1 ",
                 "{890e4665-4dfe-4ab1-b689-ed553bceeed1}", "890e46654dfe4ab1b689ed553bceeed1",
                 "890e4665-4dfe-4ab1-b689-ed553bceeedZ"):
        r = await api.get("/webhooks/linkedin", params={"challengeCode": code})
        assert r.status_code == 422, (code, r.text)
        assert r.json()["field"] == "challengeCode"
        assert "challengeResponse" not in r.text
    # Even a signature obtained some other way for a short JSON body is of no use to a forger who
    # only has the challenge: its answer is for the UUID text, which is not a JSON object.
    code = str(uuid.uuid4())
    sig = (await api.get("/webhooks/linkedin", params={"challengeCode": code})).json()["challengeResponse"]
    r = await api.post("/webhooks/linkedin", content=code.encode(),
                       headers={"X-LI-Signature": f"hmacsha256={sig}", "Content-Type": "application/json"})
    assert r.status_code == 422
    r = await api.post("/webhooks/linkedin", content=forged.encode(),
                       headers={"X-LI-Signature": f"hmacsha256={sig}", "Content-Type": "application/json"})
    assert r.status_code == 401
    assert await rows(configured, Lead) == []


async def test_linkedin_known_client_is_deduped(configured, api):
    known = (await api.post("/api/business/leads", json=lead_data(source="api", email="ADA@analytical.io"))).json()
    body = json.dumps(linkedin_payload(email="ada@analytical.io")).encode()
    r = await api.post("/webhooks/linkedin", content=body, headers={"X-LI-Signature": li_sign(body)})
    assert r.status_code == 201 and r.json()["client_id"] == known["client_id"]
    assert len(await rows(configured, Client)) == 1


UPWORK_POST = """Senior React Developer for Logistics Dashboard
Posted 3 hours ago
Worldwide
We are a logistics startup looking for a senior React developer to build a real-time dashboard.
$30.00-$60.00
Hourly
1 to 3 months
Skills and Expertise
React
TypeScript
About the client
Payment method verified
Germany
$50K total spent
https://www.upwork.com/jobs/Senior-React-Developer_~01a2b3c4d5e6f7a8b9/
"""


async def test_upwork_paste_via_api_once_per_job(services, api):
    r = await api.post("/api/business/leads/upwork", content=UPWORK_POST, headers={"Content-Type": "text/plain"})
    assert r.status_code == 201, r.text
    lead = (await api.get(f"/api/business/leads/{r.json()['lead_id']}")).json()
    assert lead["source"] == "upwork" and lead["country"] == "Germany" and lead["timeline"] == "1 to 3 months"
    assert lead["metadata"]["upwork"]["hourly_min"] == "30.00" and lead["metadata"]["upwork"]["skills"] == ["React", "TypeScript"]
    again = await api.post("/api/business/leads/upwork", json={"text": UPWORK_POST})
    assert again.status_code == 200 and again.json()["duplicate"] and again.json()["lead_id"] == r.json()["lead_id"]
    assert (await api.post("/api/business/leads/upwork", content="   ")).status_code == 422
    anonymous = await api.post("/api/business/leads/upwork", content=UPWORK_POST, headers={"Authorization": ""})
    assert anonymous.status_code == 401


async def test_mailgun_signature_cannot_be_replayed_with_another_message(configured, api):
    fields = mailgun_fields()
    assert (await api.post("/webhooks/email/mailgun", data=fields)).status_code == 201
    forged = {**fields, "from": "Mallory <m@evil.example.org>", "body-plain": "spam",
              "message-headers": json.dumps([["Message-Id", "<other@evil.example.org>"]])}
    assert (await api.post("/webhooks/email/mailgun", data=forged)).status_code == 401
    assert (await api.post("/webhooks/email/mailgun", data=fields)).json()["duplicate"] is True
    assert len(await rows(configured, Lead)) == 1


@pytest.fixture
async def fake_linkedin():
    from bot.devtools.serving import serve_on_loopback
    from tests.fakes.linkedin import FakeLinkedIn

    fake = FakeLinkedIn()
    async with serve_on_loopback(fake.app()) as url:
        fake.url = url + "/rest"
        yield fake


async def test_bare_linkedin_notification_is_completed_from_the_api(configured, api, fake_linkedin):
    from tests.fakes.linkedin import TOKEN

    full = linkedin_payload(email="grace@cobol.example.org")
    response = full["leadFormResponse"]
    fake_linkedin.responses[response["id"]] = response
    fake_linkedin.forms["6789"] = full["form"]
    notification = {k: full[k] for k in ("type", "leadAction", "leadType", "leadGenFormResponse", "leadGenForm",
                                         "owner", "occurredAt")}
    body = json.dumps(notification).encode()
    s = configured.settings
    s.linkedin_api_url, s.linkedin_access_token = fake_linkedin.url, TOKEN
    r = await api.post("/webhooks/linkedin", content=body, headers={"X-LI-Signature": li_sign(body)})
    assert r.status_code == 201, r.text
    lead = (await api.get(f"/api/business/leads/{r.json()['lead_id']}")).json()
    assert (lead["email"], lead["client_name"], lead["source"]) == ("grace@cobol.example.org", "Ada Lovelace", "linkedin")
    assert [p for p, _ in fake_linkedin.requests] == [f"leadFormResponses/{response['id']}", "leadForms/6789"]
    assert fake_linkedin.requests[0][1]["linkedin-version"] == s.linkedin_api_version

    fake_linkedin.fail_with = 500  # LinkedIn down: 502, so LinkedIn retries later
    other = json.dumps({**notification, "leadGenFormResponse": "urn:li:leadGenFormResponse:zzz"}).encode()
    r = await api.post("/webhooks/linkedin", content=other, headers={"X-LI-Signature": li_sign(other)})
    assert r.status_code == 502
    deleted = json.dumps({**notification, "leadAction": "DELETED"}).encode()
    r = await api.post("/webhooks/linkedin", content=deleted, headers={"X-LI-Signature": li_sign(deleted)})
    assert r.status_code == 200 and r.json()["ignored"]
    assert len(await rows(configured, Lead)) == 1
