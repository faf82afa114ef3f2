"""The scoring operations: qualify_lead, predict_close_rate, suggest_next_action."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel
from sqlalchemy import bindparam, func, select

from engine.context import OperationContext
from engine.errors import LeadNotFound
from engine.fx import Rates, rates_for
from engine.pipeline.leads import save_lead
from engine.pipeline.moves import set_stage
from engine.pipeline.stages import WON, Stage
from engine.scoring.cache import prediction_cache
from engine.scoring.explain import Factor, model_factors, rule_factors
from engine.scoring.features import Value, extract, is_missing
from engine.scoring.records import interactions_count, lead_record
from engine.scoring.registry import active_model_id, active_scorer, scorer_for
from engine.scoring.rule import rule_score
from storage.models import Client, Interaction, Lead, LeadStageHistory
from storage.types import utcnow

if TYPE_CHECKING:  # scikit-learn loads only with a model
    from engine.scoring.model import FittedScorer

DEFAULT_DAYS_TO_CLOSE = 30
PREDICTION_TTL_SECONDS = 30 * 60


class QualifyResult(BaseModel):
    lead_id: int
    score: float
    probability: float
    qualified: bool
    stage: str
    recommendation: str
    factors: list[Factor]
    scored_by: str


class ClosePrediction(BaseModel):
    lead_id: int
    probability: float
    days_to_close: int
    days_to_close_basis: str
    expected_close_date: datetime
    confidence: float
    confidence_label: str
    factors: list[Factor]
    scored_by: str


class NextAction(BaseModel):
    lead_id: int
    action: str
    due_at: datetime
    reason: str


class Scored(BaseModel):
    score: float
    probability: float
    factors: list[Factor]
    scored_by: str
    model_id: int | None
    training_size: int
    features: dict[str, Any]
    budget_rate_missing: str | None = None  # the budget's currency when no rate converts it


_LOAD: dict[bool, Any] = {}


def _load_statement(for_update: bool) -> Any:
    """Built once (a statement's construction costs more than its cached compilation)."""
    if for_update not in _LOAD:
        stmt = (select(Lead, Client, interactions_count(), active_model_id())
                .join(Client, Lead.client_id == Client.id).where(Lead.id == bindparam("lead_id")))
        _LOAD[for_update] = stmt.with_for_update(of=Lead) if for_update else stmt
    return _LOAD[for_update]


async def _load(ctx: OperationContext, lead_id: int, *,
                for_update: bool = False) -> tuple[Lead, Client, int, int | None]:
    """The lead, its client, its interactions and the active model's id: one round trip."""
    stmt = _load_statement(for_update and ctx.services.dialect == "postgresql")
    row = (await ctx.session.execute(stmt, {"lead_id": lead_id})).first()
    if row is None:
        raise LeadNotFound(lead_id)
    return row[0], row[1], int(row[2]), row[3]


async def score(ctx: OperationContext, lead: Lead, client: Client, interactions: int,
                scorer: FittedScorer | None | Literal["load"] = "load") -> Scored:
    """The active model's score when there is one, else the cold-start rule's."""
    base = ctx.settings.currency.upper()
    # Rates are read only for a budget in another currency: a qualification stays two statements.
    rates = await rates_for(ctx) if lead.budget is not None and lead.currency != base else Rates(base=base)
    rec = lead_record(lead, client, interactions, rates)
    features: dict[str, Value] = extract(rec)
    if scorer == "load":
        scorer = await active_scorer(ctx.services, ctx.session)
    if scorer is None:
        s, parts = rule_score(rec, base)
        return Scored(score=round(s, 1), probability=round(s / 100, 4), factors=rule_factors(parts),
                      scored_by="cold-start rule", model_id=None, training_size=0, features=features,
                      budget_rate_missing=rec.budget_rate_missing)
    s, factors = model_factors(scorer, features, base, rec.budget_note)
    return Scored(score=round(s, 1), probability=round(s / 100, 4), factors=factors,
                  scored_by=f"model #{scorer.model_id} ({scorer.name})", model_id=scorer.model_id,
                  training_size=int(scorer.meta.get("training_size", 0)), features=features,
                  budget_rate_missing=rec.budget_rate_missing)


def recommendation(score: float, threshold: float, features: dict[str, Any],
                   budget_rate_missing: str | None = None) -> str:
    """What to do with a scored lead. `budget_rate_missing`: the currency of a budget the lead gave that no
    rate converts (`has_budget` is 0 then): the rate is what is missing, not the budget."""
    if score > threshold:
        return "Qualified: book a discovery call and prepare a proposal."
    missing = [what for key, what in (("has_budget", "budget"), ("has_timeline", "timeline"),
                                      ("has_company", "company"))
               if not features.get(key) and not (key == "has_budget" and budget_rate_missing)]
    ask = f" Ask for the {', '.join(missing)}." if missing else ""
    if budget_rate_missing:
        cur = budget_rate_missing
        ask += (f" The budget is in {cur} and no {cur} exchange rate is set, so it does not count yet: set one "
                f"(grace fx set {cur} RATE, or POST /api/fx/rates) and qualify the lead again.")
    if score >= 50:
        return f"Nurture: promising but below {threshold:.0f}.{ask}"
    return f"Low priority: keep in the newsletter, follow up in a month.{ask}"


async def qualify_lead(ctx: OperationContext, lead_id: int) -> QualifyResult:
    """Score the lead, explain it, save it; above the threshold a new lead moves to QUALIFIED."""
    ctx.check_policy("qualify_lead")
    lead, client, interactions, model_id = await _load(ctx, lead_id, for_update=True)
    s = await score(ctx, lead, client, interactions, await scorer_for(ctx.services, ctx.session, model_id))
    threshold = ctx.settings.qualify_threshold
    qualified = s.score > threshold
    rec = recommendation(s.score, threshold, s.features, s.budget_rate_missing)
    now = utcnow()
    qualification_data = {
        "scored_at": now.isoformat(), "scored_by": s.scored_by, "model_id": s.model_id, "threshold": threshold,
        "recommendation": rec, "factors": [f.model_dump() for f in s.factors],
    }
    move = f"scored {s.score:.0f} > {threshold:.0f} ({s.scored_by})" \
        if qualified and lead.stage == Stage.LEAD.value else None
    ctx.audit("lead.qualified" if qualified else "lead.scored", f"lead:{lead.id}", score=s.score,
              qualified=qualified, scored_by=s.scored_by)
    # updated_at is part of every prediction's cache key: this write retires the cached one.
    # A move writes the score in the move's own UPDATE.
    saved = {"score": s.score, "close_probability": s.probability, "qualified": qualified, "features": s.features,
             "qualification_data": qualification_data, "updated_at": now}
    if move is None:
        await save_lead(ctx, lead, saved)
    else:
        await set_stage(ctx, lead, Stage.QUALIFIED, move, also=saved)
    ctx.emit("lead.scored", lead_id=lead.id, score=s.score, qualified=qualified, stage=lead.stage)
    return QualifyResult(lead_id=lead.id, score=s.score, probability=s.probability, qualified=qualified,
                         stage=lead.stage, recommendation=rec, factors=s.factors, scored_by=s.scored_by)


async def days_to_close(ctx: OperationContext) -> tuple[float, str]:
    """Median days from creation to the first won stage, over won leads with a real history."""
    first_won = (
        select(LeadStageHistory.lead_id, func.min(LeadStageHistory.at).label("at"))
        .where(LeadStageHistory.to_stage.in_(tuple(WON)),
               func.coalesce(LeadStageHistory.reason, "") != "imported outcome")
        .group_by(LeadStageHistory.lead_id).subquery()
    )
    rows = (await ctx.session.execute(
        select(Lead.created_at, first_won.c.at).join(first_won, first_won.c.lead_id == Lead.id))).all()
    days = [max((won - created).total_seconds() / 86400, 0.0) for created, won in rows if won and created]
    if not days:
        return DEFAULT_DAYS_TO_CLOSE, f"no won lead with a stage history yet: a default of {DEFAULT_DAYS_TO_CLOSE} days"
    med = statistics.median(days)
    return med, f"median of {len(days)} won leads: {med:.0f} days from first contact to contract"


def confidence(s: Scored) -> tuple[float, str]:
    if s.model_id is None:
        return 0.2, "low (cold-start rule, not learned from outcomes)"
    c = round(min(1.0, min(s.training_size / 500, 1.0) * 0.5 + abs(s.probability - 0.5)), 2)
    label = "high" if c >= 0.7 else "medium" if c >= 0.45 else "low"
    return c, f"{label} (model trained on {s.training_size} closed leads)"


async def predict_close_rate(ctx: OperationContext, lead_id: int) -> ClosePrediction:
    """Probability of closing, a days-to-close forecast, a confidence and the factors. Cached 30 min
    per lead version: the key holds the last change of the lead and its client, the number of
    interactions and the active model, so any change makes a fresh one (qualify_lead also drops the
    lead's entries)."""
    ctx.check_policy("predict_close_rate")
    lead, client, interactions, model_id = await _load(ctx, lead_id)
    scorer = await scorer_for(ctx.services, ctx.session, model_id)
    cache = prediction_cache(ctx.services)
    key = (f"scoring:{lead.id}:{lead.updated_at.isoformat()}:{client.updated_at.isoformat()}:{interactions}:"
           f"{scorer.model_id if scorer else 'rule'}")
    hit = await cache.get(key)
    if hit is not None:
        return ClosePrediction.model_validate(hit)
    s = await score(ctx, lead, client, interactions, scorer)
    median, basis = await days_to_close(ctx)
    age = (utcnow() - lead.created_at).total_seconds() / 86400
    remaining = max(int(round(median - age)), 1)
    if age > median:
        basis += f"; this lead is already {age:.0f} days old"
    conf, conf_label = confidence(s)
    out = ClosePrediction(lead_id=lead.id, probability=s.probability, days_to_close=remaining,
                          days_to_close_basis=basis, expected_close_date=utcnow() + timedelta(days=remaining),
                          confidence=conf, confidence_label=conf_label, factors=s.factors, scored_by=s.scored_by)
    await cache.set(key, out.model_dump(mode="json"), PREDICTION_TTL_SECONDS)
    return out


def _ago(days: float) -> str:
    d = int(days)
    return "today" if d == 0 else "yesterday" if d == 1 else f"{d} days ago"


def next_step(stage: str, days_in_stage: float, days_quiet: float | None, score: float | None,
              probability: float, threshold: float,
              unknown: tuple[str, ...] = ("budget", "timeline")) -> tuple[str, int, str]:
    """(action, due in days, reason): plain code, from the stage, the silence and the prediction;
    `unknown` names what the lead does not say yet (its budget, its timeline)."""
    quiet = "no contact yet" if days_quiet is None else f"last contact {_ago(days_quiet)}"
    silent = days_quiet is None or days_quiet >= days_in_stage
    if stage == Stage.LEAD.value:
        if score is None:
            return "Qualify the lead (score it)", 0, f"new lead, {quiet}"
        if score > threshold:
            return "Book a discovery call", 1, f"scored {score:.0f}, {quiet}"
        if days_quiet is not None and days_quiet > 21:
            return "Send one last follow-up, then mark it lost", 2, f"scored {score:.0f}, {quiet}"
        if unknown:
            return f"Follow up to learn the {' and '.join(unknown)}", 3, f"scored {score:.0f}, {quiet}"
        return ("Follow up to find out what would make it a fit", 3,
                f"scored {score:.0f} with its budget and timeline known, {quiet}")
    if stage == Stage.QUALIFIED.value:
        since = "no contact since" if silent else quiet
        return "Send the proposal", 0 if days_in_stage >= 3 else 1, f"qualified {_ago(days_in_stage)}, {since}"
    if stage == Stage.PROPOSAL.value:
        if days_quiet is None or days_quiet >= 5:
            return "Follow up on the proposal", 0, f"proposal sent {_ago(days_in_stage)}, {quiet}"
        return "Check in on the proposal", 3, f"proposal sent {_ago(days_in_stage)}, {quiet}"
    if stage == Stage.NEGOTIATION.value:
        act = "Send the contract" if probability >= 0.5 else "Call to settle the open objections"
        return act, 1, f"negotiating for {int(days_in_stage)} days, close probability {probability:.0%}, {quiet}"
    if stage == Stage.CONTRACT.value:
        return "Schedule the kick-off meeting", 2, f"contract since {_ago(days_in_stage)}"
    if stage == Stage.ACTIVE.value:
        return "Send the client a progress update", 7, f"active for {int(days_in_stage)} days, {quiet}"
    if stage == Stage.DELIVERED.value:
        return "Send the final invoice", 1, f"delivered {_ago(days_in_stage)}"
    if stage == Stage.PAID.value:
        return "Send the NPS survey and ask for a referral", 3, f"paid {_ago(days_in_stage)}"
    if stage == Stage.REPEAT.value:
        return "Propose the next project", 14, "a returning client"
    return "Nothing to do; reopen the lead if the client comes back", 90, f"lost {_ago(days_in_stage)}"


def unknown_terms(lead: Lead) -> tuple[str, ...]:
    """What the lead does not say yet, of its budget (an amount or a range) and its timeline: missing as
    scoring reads them (`is_missing`: empty, "n/a", "none", ...)."""
    has_budget = lead.budget is not None or not is_missing(lead.budget_range)
    return tuple(term for term, known in (("budget", has_budget), ("timeline", not is_missing(lead.timeline)))
                 if not known)


async def suggest_next_action(ctx: OperationContext, lead_id: int) -> NextAction:
    """A concrete next step, saved as the lead's next action and its date."""
    ctx.check_policy("suggest_next_action")
    lead, client, interactions, model_id = await _load(ctx, lead_id, for_update=True)
    last = (await ctx.session.execute(
        select(func.max(Interaction.occurred_at)).where(Interaction.lead_id == lead.id))).scalar_one_or_none()
    if last is not None and last.tzinfo is None:  # aggregates bypass the column type on SQLite
        last = datetime.fromisoformat(str(last)).replace(tzinfo=UTC)
    last = max((d for d in (last, lead.last_contact_at) if d is not None), default=None)
    now = utcnow()
    probability = lead.close_probability
    if probability is None:
        scorer = await scorer_for(ctx.services, ctx.session, model_id)
        probability = (await score(ctx, lead, client, interactions, scorer)).probability
    action, due_days, reason = next_step(
        lead.stage, (now - lead.stage_changed_at).total_seconds() / 86400,
        None if last is None else (now - last).total_seconds() / 86400,
        lead.score, probability, ctx.settings.qualify_threshold, unknown_terms(lead))
    due = now + timedelta(days=due_days)
    text = f"{action}: {reason}"
    lead.next_action = text
    lead.next_action_date = due
    await ctx.session.flush()
    ctx.audit("lead.next_action_set", f"lead:{lead.id}", next_action=text, due_at=due.isoformat())
    ctx.emit("lead.next_action_set", lead_id=lead.id, action=text, due_at=due.isoformat())
    return NextAction(lead_id=lead.id, action=action, due_at=due, reason=reason)
