"""Website forms posted as browsers and scripts post them: leads, abuse checks, counters, CORS."""

import asyncio
import uuid

import pytest
from sqlalchemy import func, select

from engine.pipeline.leads import get_lead
from engine.pipeline.metrics import get_pipeline_metrics
from engine.sources.forms import list_forms, revoke_form
from storage.models import Client
from tests.conftest import ADMIN, lead_data, op
from tests.helpers.forms import client_for, fields, leads, make_form, old_token


async def rejections(services, public_id):
    forms = await op(services, ADMIN, list_forms)
    return next(f for f in forms if f.public_id == public_id).rejections


async def test_html_form_post_creates_website_lead_with_referrer(services):
    form = await make_form(services)
    async with client_for(services) as c:
        r = await c.post(f"/forms/{form.public_id}", data=fields(services, form))
        assert r.status_code == 303
        assert r.headers["location"].endswith(f"/forms/{form.public_id}/thanks")
        thanks = await c.get(r.headers["location"])
        assert "Thank you" in thanks.text
    [lead] = await leads(services)
    view = await op(services, ADMIN, get_lead, lead.id)
    assert (view.source, view.client_name, view.company, view.referrer) == ("website", "Jane Doe", "Acme", "Bob Smith")
    assert str(view.budget) == "12000.00" and view.requirements.startswith("We need a Shopify")
    assert view.metadata["form"] == form.public_id
    metrics = await op(services, ADMIN, get_pipeline_metrics)
    assert metrics.by_referrer == {"Bob Smith": 1} and metrics.by_source.get("website") == 1


async def test_json_and_multipart_posts_and_known_client_is_deduped(services, api):
    form = await make_form(services, thank_you="Thanks, talk soon")
    known = lead_data(source="api")
    first = (await api.post("/api/business/leads", json=known)).json()
    async with client_for(services) as c:
        r = await c.post(f"/forms/{form.public_id}", json=fields(services, form, email=known["email"].upper()))
        assert r.status_code == 201 and r.json()["message"] == "Thanks, talk soon"
        r = await c.post(f"/forms/{form.public_id}", files={"x": (None, "")},
                         data=fields(services, form, extra_question="Via a podcast"))
        assert r.status_code == 303
    all_leads = await leads(services)
    assert len(all_leads) == 3
    assert all_leads[1].client_id == first["client_id"]  # the known client, not a second one
    assert all_leads[2].metadata_["form_fields"] == {"extra_question": "Via a podcast"}
    async with services.session_factory() as s:
        assert (await s.execute(select(func.count()).select_from(Client))).scalar_one() == 2


async def test_honeypot_and_too_fast_create_nothing_and_are_counted(services):
    form = await make_form(services)
    async with client_for(services) as c:
        bot = await c.post(f"/forms/{form.public_id}", data=fields(services, form, homepage="http://spam.example"))
        assert bot.status_code == 303  # looks like success to the bot
        fast = await c.post(f"/forms/{form.public_id}",
                            data=fields(services, form, _grace_token=old_token(services, form.public_id, age=0.5)))
        assert fast.status_code == 400 and "too quickly" in fast.text
        forged = await c.post(f"/forms/{form.public_id}", data=fields(services, form, _grace_token="x.y"))
        assert forged.status_code == 400
        other = await make_form(services)
        stolen = await c.post(f"/forms/{form.public_id}",
                              data=fields(services, form, _grace_token=old_token(services, other.public_id)))
        assert stolen.status_code == 400
        missing = await c.post(f"/forms/{form.public_id}", json={"name": "A", "email": "a@b.io", "message": "hi"})
        assert missing.status_code == 400 and missing.json()["error"] == "bad_token"
    assert await leads(services) == []
    assert await rejections(services, form.public_id) == {"honeypot": 1, "too_fast": 1, "bad_token": 3}


async def test_hundred_posts_in_a_minute_from_one_address(services):
    form = await make_form(services)
    async with client_for(services, ip="198.51.100.9") as c:
        async def post(i):
            return await c.post(f"/forms/{form.public_id}", data=fields(services, form, email=f"p{i}.{uuid.uuid4().hex[:6]}@x.io"))

        responses = []
        for batch in range(10):
            responses += await asyncio.gather(*(post(batch * 10 + i) for i in range(10)))
    codes = [r.status_code for r in responses]
    limit = services.settings.form_rate_limit
    assert codes.count(303) == limit and codes.count(429) == 100 - limit
    assert all(1 <= int(r.headers["retry-after"]) <= 60 for r in responses if r.status_code == 429)
    assert len(await leads(services)) == limit
    assert (await rejections(services, form.public_id)) == {"rate_limited": 100 - limit}
    async with client_for(services, ip="198.51.100.10") as c:  # another address is not held back
        assert (await c.post(f"/forms/{form.public_id}", data=fields(services, form))).status_code == 303


async def test_origins_cors_preflight_and_refusal(services):
    form = await make_form(services, allowed_origins=["https://shop.example.com/contact"])
    path = f"/forms/{form.public_id}"
    async with client_for(services) as c:
        ok = await c.options(path, headers={"Origin": "https://shop.example.com",
                                            "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "content-type"})
        assert ok.status_code == 204 and ok.headers["access-control-allow-origin"] == "https://shop.example.com"
        bad = await c.options(path, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        assert bad.status_code == 403 and "access-control-allow-origin" not in bad.headers
        r = await c.post(path, json=fields(services, form), headers={"Origin": "https://shop.example.com"})
        assert r.status_code == 201 and r.headers["access-control-allow-origin"] == "https://shop.example.com"
        r = await c.post(path, data=fields(services, form), headers={"Origin": "https://evil.example"})
        assert r.status_code == 403 and "access-control-allow-origin" not in r.headers
        r = await c.post(path, data=fields(services, form), headers={"Origin": "null"})
        assert r.status_code == 403
        r = await c.post(path, data=fields(services, form), headers={"Origin": "http://grace.test"})  # hosted page
        assert r.status_code == 303
    assert len(await leads(services)) == 2
    assert await rejections(services, form.public_id) == {"origin": 2}


async def test_size_limit_bad_fields_revoked_and_redirect(services):
    form = await make_form(services, redirect_url="https://acme.example/thanks")
    path = f"/forms/{form.public_id}"
    async with client_for(services) as c:
        big = await c.post(path, data=fields(services, form, message="x" * (services.settings.form_max_bytes + 10)))
        assert big.status_code == 413
        bad = await c.post(path, json=fields(services, form, email="not-an-address"))
        assert bad.status_code == 422 and bad.json()["field"] == "email"
        page = await c.post(path, data=fields(services, form, email="nope"))
        assert page.status_code == 422 and "e-mail" in page.text and "<html" in page.text
        ok = await c.post(path, data=fields(services, form))
        assert ok.status_code == 303 and ok.headers["location"] == "https://acme.example/thanks"
        await op(services, ADMIN, revoke_form, form.public_id)
        gone = await c.post(path, data=fields(services, form))
        assert gone.status_code == 410
        assert (await c.get(path)).status_code == 410
        assert (await c.post("/forms/f_nope", data=fields(services, form))).status_code == 404
    assert len(await leads(services)) == 1
    assert await rejections(services, form.public_id) == {"too_large": 1, "invalid": 2, "revoked": 1}


async def test_hosted_page_and_embed_script(services):
    form = await make_form(services)
    async with client_for(services) as c:
        page = await c.get(f"/forms/{form.public_id}")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert 'name="_grace_token"' in page.text and 'name="homepage"' in page.text
        assert '<label for="grace-email">' in page.text and "required" in page.text
        js = await c.get(f"/forms/{form.public_id}/embed.js")
        assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
        assert form.public_id in js.text and f"http://grace.test/forms/{form.public_id}" in js.text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_new_submission_posts_a_card_to_the_leads_channel(slack_services, fake_slack):
    form = await make_form(slack_services)
    async with client_for(slack_services) as c:
        r = await c.post(f"/forms/{form.public_id}", json=fields(slack_services, form, name="Jane <!channel> Doe"))
        assert r.status_code == 201
    await fake_slack.wait_for("chat.postMessage", 1)
    [call] = fake_slack.of("chat.postMessage")
    assert call.params["channel"] == "C0LEADS"
    card = str(call.params["blocks"])
    assert "Bob Smith" in card and "budget 12,000.00 USD" in card
    assert "&lt;!channel&gt;" in card and "<!channel>" not in card


async def test_double_submit_of_one_rendered_form_is_one_lead(services):
    form = await make_form(services)
    data = fields(services, form)
    async with client_for(services) as c:
        answers = await asyncio.gather(*(c.post(f"/forms/{form.public_id}", data=data) for _ in range(3)))
    assert [r.status_code for r in answers] == [303, 303, 303]
    assert len(await leads(services)) == 1


async def test_forms_api_for_admins_only(services, api):
    r = await api.post("/api/business/forms", json={"name": "Landing", "allowed_origins": ["https://a.example/x"]})
    assert r.status_code == 201 and r.json()["allowed_origins"] == ["https://a.example"]
    public_id = r.json()["public_id"]
    bad = await api.post("/api/business/forms", json={"name": "X", "allowed_origins": ["nope"]})
    assert bad.status_code == 422 and bad.json()["field"].startswith("allowed_origins")
    from tests.conftest import make_key

    sales = {"Authorization": f"Bearer {await make_key(services, 'sales')}"}
    assert (await api.post("/api/business/forms", json={"name": "Y"}, headers=sales)).status_code == 403
    assert [f["public_id"] for f in (await api.get("/api/business/forms", headers=sales)).json()] == [public_id]
    assert (await api.post(f"/api/business/forms/{public_id}/revoke")).json()["revoked_at"]
