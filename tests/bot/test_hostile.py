"""Requests an attacker on the internet would send, against the app `grace serve` builds."""

import json

import pytest

from tests.conftest import lead_data
from tests.helpers.forms import client_for, fields, leads, make_form
from tests.helpers.inbound import LINKEDIN_SECRET, li_sign, linkedin_payload


async def test_a_budget_of_spaces_is_answered_at_once_and_names_the_field(services):
    """Was cubic: "1" + 800 spaces + "x" took 1.6 s inside the event loop. Now the amount is
    refused for its length before any pattern runs."""
    form = await make_form(services)
    async with client_for(services) as c:
        budget = "1" + " " * 60_000 + "x"  # as much as fits under the form's 64 KB cap
        r = await c.post(f"/forms/{form.public_id}", json=fields(services, form, budget=budget),
                         headers={"Accept": "application/json"})
        assert r.status_code == 422, r.text
        assert "budget" in r.text
        r = await c.post(f"/forms/{form.public_id}", data=fields(services, form, budget="1" + " " * 70_000 + "x"))
        assert r.status_code == 413
        ok = await c.post(f"/forms/{form.public_id}", json=fields(services, form, budget="  €8.500  "),
                          headers={"Accept": "application/json"})
        assert ok.status_code == 201, ok.text
    [lead] = await leads(services)
    assert str(lead.budget) == "8500.00"


async def test_a_budget_of_spaces_through_the_api_is_a_422_naming_budget(api):
    r = await api.post("/api/business/leads", json=lead_data(budget="1" + " " * 65_536 + "x"))
    assert r.status_code == 422 and r.json()["field"] == "budget"


async def test_chunked_bodies_are_counted_as_received(services, api):
    services.settings.linkedin_client_secret = LINKEDIN_SECRET

    async def chunks(n, size=16 * 1024):
        for _ in range(n):
            yield b" " * size

    # No Content-Length: the cap is counted on the bytes as they arrive.
    r = await api.post("/webhooks/linkedin", content=chunks(40), headers={"X-LI-Signature": "hmacsha256=00"})
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    r = await api.post("/api/business/leads", content=chunks(2000), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    body = json.dumps(linkedin_payload()).encode()

    async def one():
        yield body

    r = await api.post("/webhooks/linkedin", content=one(), headers={"X-LI-Signature": li_sign(body)})
    assert r.status_code == 201, r.text


async def test_unstorable_strings_are_a_422_naming_the_field(api):
    for raw, field in ((b'"Acme \\ud800 Ltd"', "company"), (b'"Acme\\u0000"', "company")):
        body = json.dumps(lead_data()).encode().replace(b'"Analytical Engines Ltd"', raw)
        r = await api.post("/api/business/leads", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 422, r.text
        assert r.json()["field"] == field
    r = await api.post("/api/business/leads", json=lead_data(metadata={"notes": ["ok", "bad\x00"]}))
    assert r.status_code == 422 and r.json()["field"] == "metadata.notes[1]"
    r = await api.get("/api/business/leads", params={"q": "a\x00b"})
    assert r.status_code == 422 and r.json()["field"] == "q"
    assert (await api.get("/api/business/leads")).status_code == 200


@pytest.mark.parametrize("path", ["/api/business/invoices/55456855031799726080",
                                  "/api/business/leads/55456855031799726080/next-action",
                                  "/api/business/votes/9223372036854775808",
                                  "/api/business/leads/-9223372036854775809"])
async def test_ids_past_64_bits_are_not_found(api, path):
    r = await api.get(path)
    assert r.status_code in (404, 422), r.text
    assert r.status_code == 404 or r.json()["field"]
