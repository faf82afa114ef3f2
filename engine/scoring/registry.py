"""Model versions in the database: training from the agency's closed leads, the active
model (loaded once per process and version), and promotion only when not worse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from engine.context import OperationContext, Services
from engine.errors import GraceError, InvalidInput
from engine.fx import Rates, rates_for
from engine.pipeline.stages import WON, Stage
from engine.scoring.features import FeatureSpace, LeadRecord, extract
from engine.scoring.records import interactions_count, lead_record
from engine.scoring.rule import rule_probabilities
from storage.models import Client, Lead, ScoringModel
from storage.types import utcnow

if TYPE_CHECKING:  # scikit-learn loads only with a model
    from engine.scoring.model import CalibrationCheck, FittedScorer, Progress

CLOSED = tuple(WON) + (Stage.LOST.value,)


class NotEnoughHistory(GraceError):
    status = 409
    code = "not_enough_history"


class TrainResult(BaseModel):
    model_id: int | None
    promoted: bool
    estimator: str | None
    training_size: int
    positives: int
    negatives: int
    metrics: dict[str, Any]
    reason: str


@dataclass
class History:
    records: list[LeadRecord]
    outcomes: np.ndarray
    closed_at: list[datetime]

    @property
    def positives(self) -> int:
        return int(self.outcomes.sum())

    @property
    def negatives(self) -> int:
        return int(len(self.outcomes) - self.outcomes.sum())


async def load_history(session: AsyncSession, rates: Rates) -> History:
    rows = (await session.execute(
        select(Lead, Client, interactions_count())
        .join(Client, Lead.client_id == Client.id)
        .where(Lead.stage.in_(CLOSED))
        .order_by(Lead.closed_at, Lead.id)
    )).all()
    records = [lead_record(lead, client, n, rates) for lead, client, n in rows]
    outcomes = np.array([1 if lead.stage in WON else 0 for lead, _, _ in rows], dtype=int)
    closed = [lead.closed_at or lead.stage_changed_at for lead, _, _ in rows]
    return History(records, outcomes, closed)


async def outcome_counts(session: AsyncSession) -> tuple[int, int]:
    won = (await session.execute(select(func.count()).where(Lead.stage.in_(tuple(WON))))).scalar_one()
    lost = (await session.execute(select(func.count()).where(Lead.stage == Stage.LOST.value))).scalar_one()
    return int(won), int(lost)


def active_model_id() -> Any:
    """The id of the active model version, as a scalar subquery (NULL when there is none)."""
    return (select(ScoringModel.id).where(ScoringModel.active.is_(True)).order_by(ScoringModel.id.desc())
            .limit(1).scalar_subquery())


async def active_scorer(services: Services, session: AsyncSession) -> FittedScorer | None:
    """The active model, loaded once per process and version (a model id never changes content)."""
    model_id = (await session.execute(select(active_model_id()))).scalar_one_or_none()
    return await scorer_for(services, session, model_id)


async def scorer_for(services: Services, session: AsyncSession, model_id: int | None) -> FittedScorer | None:
    """The model version `model_id` (read by the caller, e.g. beside the lead in one query),
    loaded from the database only the first time this process sees that version."""
    if model_id is None:
        return None
    loaded: dict[int, FittedScorer] = services.scoring_models
    if model_id not in loaded:
        from engine.scoring.model import FittedScorer, loads  # deferred for start-up time: sklearn

        m = await session.get(ScoringModel, model_id)
        assert m is not None
        loaded.clear()
        loaded[model_id] = FittedScorer(space=FeatureSpace.from_json(m.features), estimator=loads(m.blob),
                                        name=m.estimator, model_id=m.id,
                                        meta={"training_size": m.training_size, "metrics": m.metrics})
    return loaded[model_id]


def holdout_split(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The latest 20% of closed leads (by close date) are the held-out set: newest outcomes test."""
    cut = max(int(n * 0.8), 1)
    idx = np.arange(n)
    return idx[:cut], idx[cut:]


def _auc(y: np.ndarray, p: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score  # deferred for start-up time: sklearn

    return float(roc_auc_score(y, p)) if len(set(y.tolist())) == 2 else None


async def train_model(ctx: OperationContext, *, only_if_better: bool = False,
                      estimator: str | None = None, progress: Progress | None = None) -> TrainResult:
    """Train on every closed lead (won = CONTRACT or later, lost = LOST) and store a new version.

    With `only_if_better` (the nightly job), the new version is promoted only when, fitted on the
    older 80% of outcomes, it is not worse on the newest 20% than the active model (or the rule).
    `estimator` forces one of the candidates instead of choosing by cross-validation. Either way a
    version whose calibration fails the guard (`model.check_calibration`) is stored but not
    promoted, and the result's `reason` says why; `progress` hears each step of the fitting."""
    from engine.scoring.model import CANDIDATES, dumps, fit_scorer  # deferred for start-up time: sklearn

    ctx.check_policy("train_model")
    if estimator is not None and estimator not in CANDIDATES:
        raise InvalidInput(f"Unknown estimator {estimator!r}; choose one of {', '.join(CANDIDATES)}.",
                           field="estimator")
    min_n = ctx.settings.min_outcomes_for_model
    hist = await load_history(ctx.session, await rates_for(ctx))
    if hist.positives < min_n or hist.negatives < min_n:
        raise NotEnoughHistory(
            f"Training needs at least {min_n} won and {min_n} lost leads; there are {hist.positives} won and "
            f"{hist.negatives} lost. Until then leads are scored by the cold-start rule.",
            won=hist.positives, lost=hist.negatives, needed=min_n)
    rows = [extract(r) for r in hist.records]
    y = hist.outcomes
    metrics: dict[str, Any] = {}
    promote = True
    reasons: list[str] = []
    if only_if_better:
        train, test = holdout_split(len(y))
        if len(set(y[train].tolist())) == 2 and len(set(y[test].tolist())) == 2:
            cand, _ = fit_scorer([rows[i] for i in train], y[train], name=estimator)
            held_out = [hist.records[i] for i in test]
            cand_auc = _auc(y[test], cand.proba_records(held_out))
            current = await active_scorer(ctx.services, ctx.session)
            if current is not None:
                cur_auc = _auc(y[test], current.proba_records(held_out))
                against = f"model #{current.model_id}"
            else:
                cur_auc = _auc(y[test], rule_probabilities(held_out))
                against = "the cold-start rule"
            metrics["holdout"] = {"size": int(len(test)), "candidate_roc_auc": cand_auc,
                                  "current_roc_auc": cur_auc, "against": against}
            promote = cand_auc is not None and (cur_auc is None or cand_auc >= cur_auc)
            reasons.append(f"held-out ROC AUC {cand_auc:.3f} vs {cur_auc:.3f} for {against}: "
                           + ("not worse" if promote else "worse, kept the current one"))
    scorer, cv = fit_scorer(rows, y, name=estimator, rule_p=rule_probabilities(hist.records), check=True,
                            progress=progress)
    metrics["cv_roc_auc"] = cv
    check: CalibrationCheck = scorer.meta["calibration"]
    metrics["calibration"] = check.as_dict()
    if not check.promotable:
        promote = False
    reasons.append(check.reason)
    reason = "; ".join(reasons) + ("; promoted" if promote and check.promotable else "")
    m = ScoringModel(created_by=ctx.actor.label, estimator=scorer.name, features=scorer.space.to_json(),
                     training_size=len(y), positives=hist.positives, negatives=hist.negatives, metrics=metrics,
                     active=False, blob=dumps(scorer.estimator), created_at=utcnow())
    ctx.session.add(m)
    await ctx.session.flush()
    if promote:
        await ctx.session.execute(update(ScoringModel).where(ScoringModel.id != m.id).values(active=False))
        m.active = True
        await ctx.session.flush()
    ctx.audit("scoring.model_trained", f"scoring_model:{m.id}", estimator=scorer.name, training_size=len(y),
              promoted=promote, reason=reason)
    ctx.emit("scoring.model_trained", model_id=m.id, estimator=scorer.name, promoted=promote)
    return TrainResult(model_id=m.id, promoted=promote, estimator=scorer.name, training_size=len(y),
                       positives=hist.positives, negatives=hist.negatives, metrics=metrics, reason=reason)


async def new_outcomes_since_active(session: AsyncSession) -> bool:
    """Whether the closed leads differ in number from those the latest version (promoted or not) saw."""
    latest = (await session.execute(
        select(ScoringModel.training_size).order_by(ScoringModel.id.desc()).limit(1)
    )).scalar_one_or_none()
    if latest is None:
        return True
    n = (await session.execute(select(func.count()).where(Lead.stage.in_(CLOSED)))).scalar_one()
    return int(n) != latest
