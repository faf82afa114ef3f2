"""The nightly rescoring: every open lead's score, probability and recommendation recomputed with
the active model and written back in batches, in one transaction, audited as one entry per run.

The leads come through the column path (`batch.load_lead_columns`: one SELECT on PostgreSQL that
dictionary-encodes each raw field), so no Python code runs per lead before the model; the
write-back is one UPDATE per batch (on PostgreSQL from arrays with `unnest`, elsewhere an
executemany). A lead changed after the run started (a person qualified it meanwhile) or closed
since is left as it is. The stage is never moved here: that stays `qualify_lead`'s decision.
The explanation factors of the last qualification are kept; the entry is marked `rescored`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel
from sqlalchemy import Table, bindparam, func, or_, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from engine.context import OperationContext
from engine.fx import rates_for
from engine.pipeline.stages import OPEN
from engine.scoring.batch import feature_column, load_lead_columns
from engine.scoring.operations import recommendation
from engine.scoring.registry import active_scorer
from storage.models import Lead
from storage.types import utcnow

if TYPE_CHECKING:  # scikit-learn loads only with a model
    from engine.scoring.model import FittedScorer

BATCH_SIZE = 10_000
# The documented features the recommendation reads (what to ask the lead for), and the raw fields they
# come from with the currency of a budget no rate converts (the rate, not the budget, is then missing).
ASKED = ("has_budget", "has_timeline", "has_company")
RAW_ASKED = ("budget", "timeline", "company", "budget_rate_missing")
OPEN_STAGES = tuple(sorted(s.value for s in OPEN))


class RescoreReport(BaseModel):
    leads: int
    written: int
    batches: int
    model_id: int | None
    scored_by: str | None
    seconds: float
    phases: dict[str, float] = {}  # seconds of load, score, write (the commit is the caller's)
    reason: str


def scores_of(scorer: FittedScorer, cols: Any, threshold: float) -> tuple[list[float], list[float], list[str]]:
    """Each lead's score (0..100, one decimal), probability (4 decimals) and recommendation, the
    numbers `qualify_lead` would store for it."""
    p = scorer.proba_columns(cols) * 100.0
    scores = [round(x, 1) for x in p.tolist()]
    probs = [round(x / 100, 4) for x in p.tolist()]
    asked = np.stack([feature_column(cols, name) for name in ASKED], axis=1).astype(bool) if len(cols) \
        else np.zeros((0, len(ASKED)), dtype=bool)
    unrated = cols.fields["budget_rate_missing"]
    texts: dict[tuple[bool, bool, bool, bool, bool, str | None], str] = {}
    recs = []
    for s, (b, t, c), code in zip(scores, asked.tolist(), unrated.codes.tolist(), strict=True):
        cur = unrated.values[code]
        key = (s > threshold, s >= 50, b, t, c, cur)
        rec = texts.get(key)
        if rec is None:
            rec = texts[key] = recommendation(s, threshold, dict(zip(ASKED, (b, t, c), strict=True)), cur)
        recs.append(rec)
    return scores, probs, recs


_PG_UPDATE = text("""
UPDATE business_leads AS l
SET score = v.score, close_probability = v.probability, updated_at = CAST(:now AS timestamptz),
    qualification_data = COALESCE(l.qualification_data, '{}'::jsonb) || jsonb_build_object(
        'recommendation', (CAST(:texts AS text[]))[v.code + 1], 'scored_at', CAST(:at AS text),
        'scored_by', CAST(:by AS text), 'model_id', CAST(:model_id AS bigint), 'threshold', CAST(:threshold AS float8),
        'rescored', true)
FROM unnest(CAST(:ids AS bigint[]), CAST(:scores AS float8[]), CAST(:probs AS float8[]), CAST(:codes AS int[]))
    AS v(id, score, probability, code)
WHERE l.id = v.id AND l.stage = ANY(CAST(:open AS text[])) AND l.updated_at <= CAST(:started AS timestamptz)
""")


def _row_update() -> Any:
    leads = Lead.__table__
    assert isinstance(leads, Table)
    data = func.json_set(func.coalesce(leads.c.qualification_data, "{}"), "$.recommendation", bindparam("b_rec"),
                         "$.scored_at", bindparam("b_at"), "$.scored_by", bindparam("b_by"),
                         "$.model_id", bindparam("b_model"), "$.threshold", bindparam("b_threshold"),
                         "$.rescored", func.json("true"))
    return (update(leads)
            .where(leads.c.id == bindparam("b_id"), or_(*(leads.c.stage == s for s in OPEN_STAGES)),  # no IN: executemany
                   leads.c.updated_at <= bindparam("b_started", type_=leads.c.updated_at.type))
            .values(score=bindparam("b_score"), close_probability=bindparam("b_p"), qualification_data=data,
                    updated_at=bindparam("b_now", type_=leads.c.updated_at.type)))


async def write_scores(session: AsyncSession, ids: Sequence[int], scores: Sequence[float], probs: Sequence[float],
                       recs: Sequence[str], *, common: dict[str, Any], batch_size: int = BATCH_SIZE) -> tuple[int, int]:
    """Write the scores back, `batch_size` leads a statement; (leads written, statements)."""
    written = batches = 0
    postgresql = session.get_bind().dialect.name == "postgresql"
    texts = list(dict.fromkeys(recs))
    code_of = {t: i for i, t in enumerate(texts)}
    for start in range(0, len(ids), batch_size):
        part = slice(start, start + batch_size)
        if postgresql:
            result: Any = await session.execute(_PG_UPDATE, {
                "ids": list(ids[part]), "scores": list(scores[part]), "probs": list(probs[part]),
                "codes": [code_of[r] for r in recs[part]], "texts": texts, "open": list(OPEN_STAGES),
                "now": common["now"], "started": common["started"], "at": common["now"].isoformat(),
                "by": common["by"], "model_id": common["model_id"], "threshold": common["threshold"]})
            written += int(result.rowcount)
        else:
            rows = [{"b_id": i, "b_score": s, "b_p": p, "b_rec": r, "b_at": common["now"].isoformat(),
                     "b_by": common["by"], "b_model": common["model_id"], "b_threshold": common["threshold"],
                     "b_started": common["started"], "b_now": common["now"]}
                    for i, s, p, r in zip(ids[part], scores[part], probs[part], recs[part], strict=True)]
            result = await session.execute(_row_update(), rows)
            written += int(result.rowcount)
        batches += 1
    return written, batches


async def rescore_open_leads(ctx: OperationContext, *, batch_size: int = BATCH_SIZE) -> RescoreReport:
    """Recompute every open lead's score, probability and recommendation with the active model and
    write them back (one audit entry for the run). Without an active model nothing changes: the
    cold-start rule's scores depend only on the lead, and were stored when it was qualified."""
    ctx.check_policy("train_model")  # model upkeep: the same people (admins, the system) as training
    started = utcnow()
    clock = time.perf_counter()
    scorer = await active_scorer(ctx.services, ctx.session)
    if scorer is None:
        return RescoreReport(leads=0, written=0, batches=0, model_id=None, scored_by=None, seconds=0.0,
                             reason="no active model: leads keep the cold-start rule's scores")
    phases: dict[str, float] = {}
    loaded = time.perf_counter()
    cols = await load_lead_columns(ctx.session, scorer.space, await rates_for(ctx), Lead.stage.in_(OPEN_STAGES),
                                   extra=RAW_ASKED)
    phases["load"] = round(time.perf_counter() - loaded, 3)
    threshold = ctx.settings.qualify_threshold
    scored = time.perf_counter()
    scores, probs, recs = scores_of(scorer, cols, threshold)
    phases["score"] = round(time.perf_counter() - scored, 3)
    by = f"model #{scorer.model_id} ({scorer.name})"
    wrote = time.perf_counter()
    written, batches = await write_scores(
        ctx.session, cols.lead_ids.tolist(), scores, probs, recs, batch_size=batch_size,
        common={"now": utcnow(), "started": started, "by": by, "model_id": scorer.model_id, "threshold": threshold})
    phases["write"] = round(time.perf_counter() - wrote, 3)
    seconds = round(time.perf_counter() - clock, 3)
    reason = f"{written} of {len(cols)} open leads rescored by {by}"
    if written < len(cols):
        reason += f"; {len(cols) - written} changed or closed during the run were left as they were"
    ctx.audit("scoring.leads_rescored", f"scoring_model:{scorer.model_id}", leads=len(cols), written=written,
              batches=batches, scored_by=by, seconds=seconds)
    ctx.emit("scoring.leads_rescored", model_id=scorer.model_id, leads=written)
    return RescoreReport(leads=len(cols), written=written, batches=batches, model_id=scorer.model_id,
                         scored_by=by, seconds=seconds, phases=phases, reason=reason)
