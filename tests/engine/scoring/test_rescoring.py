"""The nightly rescoring: every open lead rescored with the active model through the column path,
written back in batches, one audit entry per run; the job is on arq's cron and the in-process loop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

import engine.scoring.model as model_module
from engine.pipeline.capture import capture_lead
from engine.pipeline.schemas import LeadInput
from engine.scoring.operations import qualify_lead
from engine.scoring.registry import active_model_id, train_model
from engine.scoring.rescoring import write_scores
from storage.models import AuditEntry, Lead
from storage.types import utcnow
from tests.conftest import ADMIN, SALES, lead_data, op
from tests.helpers.scoring import seed_history
from workers.cron import DAILY_HOUR, schedule
from workers.jobs import JOBS
from workers.settings import cron_jobs


async def _open_leads(services, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    ids = []
    for i in range(n):
        kw = lead_data(email=f"open{i}@corp{i % 4}.com", budget=f"{(i % 9) * 7000}",
                       source=["referral", "website", "cold_email"][i % 3])
        if i % 4 == 0:
            kw.update(company=None, timeline=None)
        ids.append((await op(services, SALES, capture_lead, LeadInput(**kw))).lead_id)
    return ids


async def test_nightly_rescoring_writes_what_qualification_would(services):
    await seed_history(services, won=35, lost=35)
    trained = await op(services, ADMIN, train_model, estimator="logistic_regression")
    assert trained.promoted and trained.metrics["calibration"]["promotable"]
    ids = await _open_leads(services, 14)
    out = await JOBS["rescore_leads_nightly"]({"services": services})
    assert out["leads"] == out["written"] == 14 and out["batches"] == 1
    assert out["scored_by"] == f"model #{trained.model_id} (logistic_regression)"
    async with services.session_factory() as s:
        stored = {lead.id: lead for lead in (await s.execute(select(Lead).where(Lead.id.in_(ids)))).scalars()}
        closed = (await s.execute(select(Lead).where(Lead.stage.in_(("CONTRACT", "LOST"))))).scalars().all()
        audits = (await s.execute(select(AuditEntry).where(AuditEntry.action == "scoring.leads_rescored"))).scalars().all()
    assert len(audits) == 1 and audits[0].details["written"] == 14
    assert all(lead.score is None for lead in closed)  # closed leads are history, not rescored
    for lead_id in ids:
        lead = stored[lead_id]
        assert lead.qualification_data["rescored"] is True and lead.qualification_data["model_id"] == trained.model_id
        q = await op(services, SALES, qualify_lead, lead_id)  # the one-lead path, for comparison
        assert (q.score, q.probability, q.recommendation) == (
            lead.score, lead.close_probability, lead.qualification_data["recommendation"])
    again = await JOBS["rescore_leads_nightly"]({"services": services})
    assert again["written"] == 14  # idempotent: the same numbers again
    async with services.session_factory() as s:
        assert len((await s.execute(select(AuditEntry).where(AuditEntry.action == "scoring.leads_rescored")))
                   .scalars().all()) == 2  # one entry per run


async def test_nightly_rescoring_asks_for_a_missing_rate_not_for_a_budget_the_client_gave(services):
    """A budget in INR with no INR rate is no budget to the model (has_budget 0); the nightly run
    recommends what `qualify_lead` does: setting the rate, not asking the client again."""
    await seed_history(services, won=35, lost=35)
    assert (await op(services, ADMIN, train_model, estimator="logistic_regression")).promoted
    unrated = (await op(services, SALES, capture_lead, LeadInput(**lead_data(
        source="cold_email", industry="farming", company=None, budget="₹ 9,50,000")))).lead_id
    none_given = (await op(services, SALES, capture_lead, LeadInput(**lead_data(
        source="cold_email", industry="farming", company=None, budget=None)))).lead_id
    out = await JOBS["rescore_leads_nightly"]({"services": services})
    assert out["written"] == 2
    async with services.session_factory() as s:
        stored = {i: (await s.get(Lead, i)).qualification_data["recommendation"] for i in (unrated, none_given)}
    assert "Ask for the company." in stored[unrated] and "Ask for the budget" not in stored[unrated]
    assert "no INR exchange rate is set" in stored[unrated] and "grace fx set INR RATE" in stored[unrated]
    assert "Ask for the budget, company." in stored[none_given] and "rate" not in stored[none_given]
    for lead_id in (unrated, none_given):
        assert (await op(services, SALES, qualify_lead, lead_id)).recommendation == stored[lead_id]


async def test_without_an_active_model_nothing_is_rewritten(services):
    ids = await _open_leads(services, 3)
    await op(services, SALES, qualify_lead, ids[0])
    out = await JOBS["rescore_leads_nightly"]({"services": services})
    assert out["leads"] == 0 and "no active model" in out["reason"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
async def test_a_lead_changed_after_the_run_started_is_left_alone(services):
    ids = await _open_leads(services, 5)
    common = {"now": utcnow(), "started": utcnow() - timedelta(hours=1), "by": "model #1 (x)", "model_id": 1,
              "threshold": 70.0}
    async with services.session_factory() as s:
        written, batches = await write_scores(s, ids, [99.0] * 5, [0.99] * 5, ["r"] * 5, common=common, batch_size=2)
        await s.commit()
    assert (written, batches) == (0, 3)  # captured after `started`: a person's newer data wins
    common["started"] = utcnow()
    async with services.session_factory() as s:
        written, _ = await write_scores(s, ids, [99.0] * 5, [0.99] * 5, ["r"] * 5, common=common, batch_size=2)
        await s.commit()
        lead = await s.get(Lead, ids[0])
        assert written == 5 and lead is not None and lead.score == 99.0 and lead.qualification_data["recommendation"] == "r"


def test_the_job_is_on_the_cron_schedule_and_the_in_process_loop(settings):
    assert ("rescore_leads_nightly", 86400) in schedule(settings)  # EmbeddedCron runs this schedule
    assert "rescore_leads_nightly" in JOBS
    job = next(c for c in cron_jobs(settings) if c.name == "cron:rescore_leads_nightly")
    assert job.hour == {DAILY_HOUR["rescore_leads_nightly"]} and DAILY_HOUR["retrain_scoring_model"] < 3


async def test_a_version_failing_the_guard_is_stored_but_not_made_active(services, monkeypatch):
    """The plumbing behind the guard (its arithmetic is tested in test_shapes): a verdict against
    promotion keeps the active model, and the result says why."""
    await seed_history(services, won=35, lost=35)
    first = await op(services, ADMIN, train_model, estimator="logistic_regression")
    assert first.promoted

    def backwards(y, calibrated_p, uncalibrated_p, rule_p):  # type: ignore[no-untyped-def]
        return model_module.CalibrationCheck(0.3, 0.8, None, 0.01, False,
                                             "calibration reorders the leads: ROC AUC 0.300 calibrated against "
                                             "0.800 uncalibrated (noise 0.010); not promoted")

    monkeypatch.setattr(model_module, "check_calibration", backwards)
    second = await op(services, ADMIN, train_model, estimator="logistic_regression")
    assert not second.promoted and "calibration reorders the leads" in second.reason
    assert second.metrics["calibration"]["promotable"] is False
    async with services.session_factory() as s:
        assert (await s.execute(select(active_model_id()))).scalar_one() == first.model_id
