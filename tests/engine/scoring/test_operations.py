import pytest
from sqlalchemy import select

from engine.errors import PolicyDenied
from engine.pipeline.capture import capture_lead
from engine.pipeline.schemas import LeadInput
from engine.scoring.jobs import retrain_nightly
from engine.scoring.operations import predict_close_rate, qualify_lead, suggest_next_action
from engine.scoring.registry import NotEnoughHistory, train_model
from storage.models import Lead, ScoringModel
from tests.conftest import ADMIN, SALES, VIEWER, lead_data, op
from tests.helpers.scoring import seed_history


async def capture(services, **kw):
    return (await op(services, SALES, capture_lead, LeadInput(**lead_data(**kw)))).lead_id


def bare(**kw):
    base = {"company": None, "industry": None, "budget": None, "requirements": None, "timeline": None,
            "project_type": None, "country": None}
    return {**base, **kw}


async def test_auto_qualification_is_strictly_above_70(services):
    at_70 = await capture(services, **bare(source="referral"))  # 50 + 20
    at_71 = await capture(services, **bare(source="referral", requirements=" ".join(["word"] * 10)))
    r70 = await op(services, SALES, qualify_lead, at_70)
    r71 = await op(services, SALES, qualify_lead, at_71)
    assert (r70.score, r70.qualified, r70.stage) == (70, False, "LEAD")
    assert (r71.score, r71.qualified, r71.stage) == (71, True, "QUALIFIED")
    assert r71.scored_by == "cold-start rule"
    assert any(f.text == "source referral: +20" for f in r71.factors)
    async with services.session_factory() as s:
        lead = await s.get(Lead, at_71)
        assert lead.score == 71 and lead.qualified and lead.close_probability == 0.71
        assert lead.qualification_data["factors"] and lead.features["source"] == "referral"


async def test_identical_inputs_score_identically(services):
    a = await capture(services, email="a@same.com")
    b = await capture(services, email="b@same.com")
    ra = await op(services, SALES, qualify_lead, a)
    rb = await op(services, SALES, qualify_lead, b)
    assert ra.score == rb.score and ra.factors == rb.factors


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_promotion_from_rule_to_model_at_the_threshold(services):
    assert services.settings.min_outcomes_for_model == 30
    await seed_history(services, won=29, lost=30)
    with pytest.raises(NotEnoughHistory):
        await op(services, ADMIN, train_model)
    lead = await capture(services)
    assert (await op(services, SALES, qualify_lead, lead)).scored_by == "cold-start rule"
    await seed_history(services, won=1, lost=0, seed=2)
    result = await op(services, ADMIN, train_model)
    assert result.promoted and result.training_size == 60 and set(result.metrics["cv_roc_auc"]) == {
        "logistic_regression", "random_forest", "gradient_boosting"}
    scored = await op(services, SALES, qualify_lead, lead)
    assert scored.scored_by.startswith(f"model #{result.model_id}")
    assert 0 <= scored.score <= 100 and scored.probability == pytest.approx(scored.score / 100, abs=1e-3)
    # identical inputs, identical scores, under the model too
    twin = await capture(services, email=f"twin@{'x' * 3}.com")
    twin2 = await capture(services, email="twin2@xxx.com")
    assert (await op(services, SALES, qualify_lead, twin)).score == (await op(services, SALES, qualify_lead, twin2)).score
    async with services.session_factory() as s:
        row = (await s.execute(select(ScoringModel))).scalar_one()
        assert row.active and row.created_by == ADMIN.label and row.features["numeric"]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_nightly_retrain_promotes_only_when_there_is_news(services):
    assert (await retrain_nightly(services)).startswith("not enough history")
    await seed_history(services, won=40, lost=40)
    first = await retrain_nightly(services)
    assert first.startswith("model #1") and "cold-start rule" in first
    assert await retrain_nightly(services) == "no new outcomes"
    await seed_history(services, won=5, lost=5, seed=3)
    second = await retrain_nightly(services)
    assert second.startswith("model #2")
    async with services.session_factory() as s:
        models = (await s.execute(select(ScoringModel).order_by(ScoringModel.id))).scalars().all()
        assert sum(m.active for m in models) == 1
        assert models[1].metrics["holdout"]["against"] in ("model #1", "the cold-start rule")


async def test_prediction_is_cached_until_the_lead_changes(services):
    lead = await capture(services)
    p1 = await op(services, VIEWER, predict_close_rate, lead)
    assert 0 < p1.probability < 1 and p1.days_to_close >= 1 and "default of 30 days" in p1.days_to_close_basis
    assert p1.confidence_label.startswith("low")
    cache = services.cache
    predictions = lambda: [k for k in cache._data if k.startswith("scoring:")]  # noqa: E731
    assert len(predictions()) == 1
    p2 = await op(services, VIEWER, predict_close_rate, lead)
    assert p2 == p1
    await op(services, SALES, suggest_next_action, lead)  # changes the lead
    await op(services, VIEWER, predict_close_rate, lead)
    assert len(predictions()) == 2  # a new key: the old entry is no longer used


async def test_next_action_is_saved_on_the_lead(services):
    lead = await capture(services, **bare(source="referral", budget="30000", industry="software"))
    first = await op(services, SALES, suggest_next_action, lead)
    assert first.action == "Qualify the lead (score it)"
    await op(services, SALES, qualify_lead, lead)
    nxt = await op(services, SALES, suggest_next_action, lead)
    assert nxt.action == "Send the proposal" and "qualified today" in nxt.reason
    async with services.session_factory() as s:
        row = await s.get(Lead, lead)
        assert row.next_action.startswith("Send the proposal") and row.next_action_date == nxt.due_at


def test_a_weak_lead_is_asked_only_for_what_it_has_not_said():
    from engine.scoring.operations import next_step

    def action(unknown: tuple[str, ...]) -> str:
        return next_step("LEAD", 2, 2, 30, 0.2, 60, unknown)[0]

    assert action(("budget", "timeline")) == "Follow up to learn the budget and timeline"
    assert action(("timeline",)) == "Follow up to learn the timeline"
    assert action(()) == "Follow up to find out what would make it a fit"


async def test_the_next_action_of_a_weak_lead_reads_its_budget_and_timeline(services):
    """It used to ask for "the budget and timeline" of every lead scored under the threshold."""
    lead = await capture(services, **bare(source="cold_email", timeline="next spring"))
    await op(services, SALES, qualify_lead, lead)
    async with services.session_factory() as s:
        row = await s.get(Lead, lead)
        assert row.budget is None and row.score is not None and row.score <= services.settings.qualify_threshold
    nxt = await op(services, SALES, suggest_next_action, lead)
    assert nxt.action == "Follow up to learn the budget", nxt


async def test_a_viewer_may_not_qualify(services):
    lead = await capture(services)
    with pytest.raises(PolicyDenied):
        await op(services, VIEWER, qualify_lead, lead)


async def test_the_retrain_job_is_registered_for_the_worker(services):
    from workers.jobs import JOBS

    assert await JOBS["retrain_scoring_model"]({"services": services}) == "not enough history (0 won, 0 lost)"


async def test_both_ways_of_saving_a_score_store_it_and_keep_the_session_coherent(services):
    from engine.context import unit_of_work
    from storage.models import LeadStageHistory

    low = await capture(services, **bare(source="website"))  # 50 + 10: saved by one UPDATE
    high = await capture(services, **bare(source="referral", requirements=" ".join(["word"] * 10)))  # moves
    async with services.session_factory() as s:
        before = {i: (await s.get(Lead, i)).updated_at for i in (low, high)}
    for lead_id, qualified, stage in ((low, False, "LEAD"), (high, True, "QUALIFIED")):
        async with unit_of_work(services, SALES) as ctx:
            r = await qualify_lead(ctx, lead_id)
            same = await ctx.session.get(Lead, lead_id)  # the object the operation loaded
            assert (same.score, same.qualified, same.stage) == (r.score, qualified, stage)
            assert same.qualification_data["recommendation"] == r.recommendation
        async with services.session_factory() as s:
            row = await s.get(Lead, lead_id)
            assert (row.score, row.close_probability, row.qualified, row.stage) == (
                r.score, r.probability, qualified, stage)
            assert row.features == same.features and row.features["source"] in ("website", "referral")
            assert row.qualification_data["factors"] == [f.model_dump() for f in r.factors]
            assert row.updated_at > before[lead_id] and row.updated_at == same.updated_at
            moves = (await s.execute(select(LeadStageHistory.to_stage).where(LeadStageHistory.lead_id == lead_id)
                                     .order_by(LeadStageHistory.id))).scalars().all()
            assert moves == (["LEAD", "QUALIFIED"] if qualified else ["LEAD"])


async def test_what_qualify_wrote_is_read_back_in_the_same_unit_of_work(services):
    # The agent's tool qualifies, then reads the lead's card in the same transaction: the last
    # write travels with the audit entries (one statement on PostgreSQL) but is already done.
    from engine.audit import verify_audit_chain
    from engine.context import unit_of_work
    from engine.pipeline.leads import get_lead
    from storage.models import AuditEntry

    high = await capture(services, **bare(source="referral", requirements=" ".join(["word"] * 10)))
    low = await capture(services, **bare(source="website"))
    for lead_id, stage in ((high, "QUALIFIED"), (low, "LEAD")):
        async with unit_of_work(services, SALES) as ctx:
            r = await qualify_lead(ctx, lead_id)
            ctx.session.expunge_all()  # nothing from the identity map: read from the database
            view = await get_lead(ctx, lead_id)
            assert (view.score, view.stage, view.close_probability) == (r.score, stage, r.probability)
    async with services.session_factory() as s:
        actions = (await s.execute(select(AuditEntry.action).order_by(AuditEntry.seq))).scalars().all()
        assert actions[-3:] == ["lead.qualified", "lead.stage_changed", "lead.scored"]
        assert (await verify_audit_chain(s)).ok


async def test_a_write_carried_by_the_audit_must_not_reuse_its_parameter_names(services):
    from sqlalchemy import bindparam, update

    from engine.audit import PendingAudit, append_entries
    from engine.context import unit_of_work

    lead = await capture(services)
    clashing = update(Lead).where(Lead.id == lead).values(notes=bindparam("actors"))
    with pytest.raises(ValueError, match="actors"):
        async with unit_of_work(services, SALES) as ctx:
            await append_entries(ctx.session, [PendingAudit("t", "x", None, {})], (clashing, {"actors": "n"}))
    async with services.session_factory() as s:
        assert (await s.get(Lead, lead)).notes is None


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_on_postgres_a_qualification_is_two_statements(services):
    # The locked load, then the score (and the move) written with the audit entries: see bench/scoring.py.
    from sqlalchemy import event

    from engine.context import unit_of_work

    words = " ".join(["word"] * 10)
    leads = [await capture(services, **bare(source=src, requirements=req))
             for src, req in (("website", None), ("website", None), ("referral", words))]
    await op(services, SALES, qualify_lead, leads[0])  # warm: nothing cached is loaded below
    for lead_id, stage in zip(leads[1:], ("LEAD", "QUALIFIED"), strict=True):
        sent: list[str] = []

        def record(conn, cursor, statement, *args, sent=sent):
            sent.append(statement.split()[0])

        event.listen(services.db.sync_engine, "before_cursor_execute", record)
        try:
            async with unit_of_work(services, SALES) as ctx:
                assert (await qualify_lead(ctx, lead_id)).stage == stage
        finally:
            event.remove(services.db.sync_engine, "before_cursor_execute", record)
        assert sent == ["SELECT", "WITH"], sent
