"""The findings of "permissions that hold", each through the real app with real keys: refused now,
and nothing written.

- facts only through their operations (CONTRACT by the client's acceptance, ACTIVE/DELIVERED/PAID
  by delivery, a finished build and a paid invoice), admin overrides with a reason, audited;
- delivery and invoicing refuse a project its client never accepted;
- one person, one vote (Slack and every API key of a member are one voter; an admin who is not
  an approver may only veto);
- /metrics behind GRACE_METRICS_TOKEN; import errors that name the row and field.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine.actors import Actor, Role
from engine.context import Services
from engine.parliament.votes import cast_vote
from engine.pipeline.importer import _storage_error
from engine.team import create_api_key
from storage.models import AuditEntry, Invoice, Lead, LeadStageHistory, Project, Vote, VoteSession
from tests.conftest import ADMIN, lead_data, make_key, op
from tests.helpers.delivery import make_members, make_project

ONE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def count(services: Services, model, *where) -> int:  # type: ignore[no-untyped-def]
    async with services.session_factory() as s:
        return int((await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def audit(services: Services, action: str) -> list[AuditEntry]:
    async with services.session_factory() as s:
        return list((await s.execute(select(AuditEntry).where(AuditEntry.action == action)
                                     .order_by(AuditEntry.seq))).scalars())


async def stage(services: Services, lead_id: int) -> str:
    async with services.session_factory() as s:
        return (await s.get(Lead, lead_id)).stage


# ---- facts only through their operations ---------------------------------------------------------

@ONE
async def test_a_sales_key_cannot_make_a_contract_or_a_payment_by_moving_a_lead(api, services):
    sales = await make_key(services, "sales")
    lead_id = (await api.post("/api/business/leads", json=lead_data())).json()["lead_id"]
    history = await count(services, LeadStageHistory, LeadStageHistory.lead_id == lead_id)
    for target in ("CONTRACT", "contract ", "ACTIVE", "DELIVERED", "PAID"):
        r = await api.post(f"/api/business/leads/{lead_id}/stage", json={"stage": target, "reason": "trust me"},
                           headers=bearer(sales))
        if target.strip().upper() == "CONTRACT":
            assert r.status_code == 403, r.text
            assert r.json()["details"]["rule"] == "move_to_stage.facts"
            assert "client's acceptance" in r.json()["message"]
        else:  # not even a legal move from LEAD, and refused either way
            assert r.status_code in (403, 409, 422), r.text
    assert await stage(services, lead_id) == "LEAD"
    assert await count(services, LeadStageHistory, LeadStageHistory.lead_id == lead_id) == history

    # Through the client's acceptance the lead reaches CONTRACT; PAID and DELIVERED still need their facts.
    link = (await api.post("/api/business/proposals/generate", json={"lead_id": lead_id},
                           headers=bearer(sales))).json()["proposal"]["link"]
    assert (await api.post("/p/" + link.rsplit("/", 1)[1], data={"name": "Ada"})).status_code == 200
    assert await stage(services, lead_id) == "CONTRACT"
    for target in ("ACTIVE", "DELIVERED", "PAID"):
        r = await api.post(f"/api/business/leads/{lead_id}/stage", json={"stage": target}, headers=bearer(sales))
        assert r.status_code in (403, 409), r.text
    r = await api.post(f"/api/business/leads/{lead_id}/stage", json={"stage": "ACTIVE"}, headers=bearer(sales))
    assert r.json()["details"]["rule"] == "move_to_stage.facts"
    assert await stage(services, lead_id) == "CONTRACT"


@ONE
async def test_an_admin_overrides_a_fact_only_with_a_reason_and_it_is_audited(api, services):
    lead_id = (await api.post("/api/business/leads", json=lead_data())).json()["lead_id"]
    r = await api.post(f"/api/business/leads/{lead_id}/stage", json={"stage": "CONTRACT"})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = await api.post(f"/api/business/leads/{lead_id}/stage", json={"stage": "CONTRACT", "reason": " \t\n" * 1000})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    assert await stage(services, lead_id) == "LEAD" and await audit(services, "override.recorded") == []
    r = await api.post(f"/api/business/leads/{lead_id}/stage",
                       json={"stage": "CONTRACT", "reason": "Signed on paper at the client's office"})
    assert r.status_code == 200 and await stage(services, lead_id) == "CONTRACT"
    [entry] = await audit(services, "override.recorded")
    assert entry.subject == f"lead:{lead_id}" and entry.details["operation"] == "move_to_stage"
    assert entry.details["reason"] == "Signed on paper at the client's office"


@ONE
async def test_delivery_and_invoicing_refuse_a_project_nobody_accepted(api, services):
    pid = await make_project(services, price="3000", lead_stage="CONTRACT", proposal_approved=False)
    delivery, finance = await make_key(services, "delivery"), await make_key(services, "finance")
    r = await api.post("/api/business/projects/deliver", json={"project_id": pid}, headers=bearer(delivery))
    assert r.status_code == 403 and r.json()["details"]["rule"] == "deliver_project.accepted_proposal"
    r = await api.post("/api/business/projects/deliver", json={"project_id": pid, "override_reason": "ok"},
                       headers=bearer(delivery))
    assert r.status_code == 403 and r.json()["details"]["rule"] == "deliver_project.override"
    r = await api.post(f"/api/business/projects/{pid}/payment", json={}, headers=bearer(finance))
    assert r.status_code == 403 and r.json()["details"]["rule"] == "collect_payment.accepted_proposal"
    async with services.session_factory() as s:
        assert (await s.get(Project, pid)).status == "proposed"
    assert await count(services, Invoice) == 0 and await audit(services, "override.recorded") == []

    # An admin goes ahead with a reason: both overrides are in the audit log.
    r = await api.post(f"/api/business/projects/{pid}/payment", json={"override_reason": "Deposit agreed by phone"})
    assert r.status_code == 200, r.text
    r = await api.post("/api/business/projects/deliver", json={"project_id": pid, "override_reason": "Urgent fix"})
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    entries = await audit(services, "override.recorded")
    assert [(e.details["operation"], e.details["reason"]) for e in entries] == [
        ("collect_payment", "Deposit agreed by phone"), ("deliver_project", "Urgent fix")]


# ---- one person, one vote -------------------------------------------------------------------------

@ONE
async def test_one_person_one_vote_whichever_way_they_vote(api, services):
    services.settings.parliament_admin_veto = True
    approvers = await make_members(services, "approver", 3)  # quorum 2 of 3
    pid = await make_project(services, price="90000")
    vote_id = (await api.post("/api/business/projects/deliver", json={"project_id": pid})).json()["vote_id"]
    first = (await op(services, ADMIN, create_api_key, "laptop", "approver", approvers[0])).key
    second = (await op(services, ADMIN, create_api_key, "phone", "approver", approvers[0])).key
    unlinked = await make_key(services, "approver", name="shared key")

    r = await api.post(f"/api/business/votes/{vote_id}", json={"choice": "approve"}, headers=bearer(unlinked))
    assert r.status_code == 403 and r.json()["details"]["rule"] == "cast_vote.one_person_one_vote"
    assert await count(services, Vote) == 0

    r = await api.post(f"/api/business/votes/{vote_id}", json={"choice": "approve"}, headers=bearer(first))
    assert r.status_code == 200 and r.json()["counted"] is True
    r = await api.post(f"/api/business/votes/{vote_id}", json={"choice": "approve"}, headers=bearer(second))
    assert r.status_code == 200 and r.json()["counted"] is False
    slack_self = Actor(kind="team_member", ref=approvers[0], role=Role.APPROVER, name="Member")
    assert (await op(services, slack_self, cast_vote, vote_id, "approve")).counted is False
    async with services.session_factory() as s:
        vs = await s.get(VoteSession, vote_id)
        voters = list((await s.execute(select(Vote.voter))).scalars())
    assert vs.status == "open" and voters == [approvers[0]]  # two keys and Slack: one voter, no quorum

    # An admin who is not an approver may only veto (the admin's key acts for the admin, too).
    [boss] = await make_members(services, "admin", 1, prefix="UADM")
    admin = (await op(services, ADMIN, create_api_key, "boss", "admin", boss)).key
    r = await api.post(f"/api/business/votes/{vote_id}", json={"choice": "approve"}, headers=bearer(admin))
    assert r.status_code == 403 and r.json()["details"]["rule"] == "cast_vote.admin_veto"
    assert await count(services, Vote) == 1
    r = await api.post(f"/api/business/votes/{vote_id}", json={"choice": "reject"}, headers=bearer(admin))
    assert r.status_code == 200 and r.json()["vote"]["status"] == "rejected"


# ---- /metrics and import errors ----------------------------------------------------------------------

@ONE
async def test_metrics_require_the_bearer_token_when_it_is_set(api, services):
    assert (await api.get("/metrics", headers={"Authorization": ""})).status_code == 200
    services.settings.metrics_token = "scrape-secret-1"
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer scrape-secret-2"},
                    {"Authorization": "Basic scrape-secret-1"}):
        r = await api.get("/metrics", headers=headers)
        assert r.status_code == 401 and "grace_" not in r.text
    r = await api.get("/metrics", headers={"Authorization": "Bearer scrape-secret-1"})
    assert r.status_code == 200 and "grace_bad_signatures_total" in r.text


async def test_import_errors_name_the_row_and_field_never_the_database_text(api, services):
    csv = ("name,email,budget\n"
           "Ada,ada@example.com,12000\n"
           "Bob,bob@example.com,9999999999999999\n"
           "Cy,cy@example.com,\n")
    r = await api.post("/api/business/leads/import", content=csv.encode(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["created"] == 2
    [bad] = report["rejected"]
    assert bad["row"] == 3 and bad["reason"].startswith("budget:") and "too large" in bad["reason"]
    assert await count(services, Lead) == 2


def test_a_database_error_is_reported_by_field_without_its_text():
    e = IntegrityError("INSERT INTO business_clients ...", {}, Exception(
        'duplicate key value violates unique constraint "uq_business_clients_email_normalized"\n'
        "DETAIL:  Key (email_normalized)=(x@y.io) already exists."))
    reason = _storage_error(7, e)
    assert reason.startswith("row 7: email: ") and "conflicts" in reason
    assert "duplicate key" not in reason and "DETAIL" not in reason and "x@y.io" not in reason
    unknown = _storage_error(9, IntegrityError("stmt", {}, Exception("constraint ck_x violated")))
    assert unknown.startswith("row 9: a value") and "ck_x" not in unknown
