"""The nightly rescoring on PostgreSQL: 100,000 open leads loaded, scored with the active model and
written back (`engine.scoring.rescoring.rescore_open_leads`: the column path, one UPDATE per
10,000 leads from arrays, one transaction, one audit entry), against a baseline measured in the
same run: the plain ORM way (select the lead objects with their client, build each lead's
record, score them in one matrix, set each lead's fields, flush), on 5,000 of the same leads.

Usage: python bench/rescoring.py [--leads 100000] [--baseline 5000]
It creates a scratch database (bench/_common.scratch_pg) and drops it at the end.
Last line: {"leads": ..., "seconds": ..., "per_lead_us": ...} plus the baseline and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, text  # noqa: E402

from bench._common import report, scratch_pg  # noqa: E402
from bot.services import build_services, close_services  # noqa: E402
from engine.actors import Actor, Role  # noqa: E402
from engine.config import Settings  # noqa: E402
from engine.context import unit_of_work  # noqa: E402
from engine.fx import rates_for  # noqa: E402
from engine.scoring.features import extract  # noqa: E402
from engine.scoring.operations import recommendation  # noqa: E402
from engine.scoring.records import interactions_count, lead_record  # noqa: E402
from engine.scoring.registry import active_scorer, train_model  # noqa: E402
from engine.scoring.rescoring import OPEN_STAGES, rescore_open_leads  # noqa: E402
from storage.models import Client, Lead  # noqa: E402
from storage.types import utcnow  # noqa: E402

N_CLOSED = 2_000
ACTOR = Actor(kind="bench", ref="bench", role=Role.ADMIN, name="bench")


async def seed(services, n_open: int) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(0)
    now = utcnow()
    total = n_open + N_CLOSED
    async with services.session_factory() as s:
        for start in range(0, total, 5000):
            clients, leads = [], []
            for i in range(start, min(start + 5000, total)):
                created = now - timedelta(days=rng.randint(1, 400))
                clients.append({"id": i + 1, "name": f"Lead {i}", "email": f"b{i}@co{i % 50}.com",
                                "email_normalized": f"b{i}@co{i % 50}.com", "currency": "USD", "lifetime_value": 0,
                                "project_count": 0, "industry": rng.choice(["software", "retail", "health", "media"]),
                                "country": rng.choice(["France", "Germany", "USA"]),
                                "company": rng.choice([None, "Co"]), "first_contact_at": created,
                                "created_at": created, "updated_at": created,
                                "metadata": {"Employees": str(rng.randint(1, 500)), "Channel": rng.choice("abcde")}})
                budget = rng.randint(1, 80) * 1000
                closed = i >= n_open
                logit = (budget - 40000) / 20000 + rng.gauss(0, 1)
                stage = ("CONTRACT" if logit > 0 else "LOST") if closed else rng.choice(OPEN_STAGES)
                leads.append({"id": i + 1, "client_id": i + 1,
                              "source": rng.choice(["referral", "website", "linkedin"]), "stage": stage,
                              "budget": Decimal(budget), "currency": "USD", "qualified": False,
                              "requirements": "A shop with stripe payments and a CRM integration " * rng.randint(0, 3),
                              "timeline": rng.choice([None, "2 months", "asap"]), "qualification_data": {},
                              "features": {}, "created_at": created, "updated_at": created,
                              "stage_changed_at": created,
                              "closed_at": created + timedelta(days=20) if closed else None, "metadata": {}})
            await s.execute(insert(Client.__table__), clients)
            await s.execute(insert(Lead.__table__), leads)
        await s.execute(text("SELECT setval('business_clients_id_seq', :n)"), {"n": total + 10})
        await s.execute(text("SELECT setval('business_leads_id_seq', :n)"), {"n": total + 10})
        await s.commit()


async def baseline(services, n: int) -> float:  # type: ignore[no-untyped-def]
    """The ORM way on the first n open leads: seconds."""
    t = time.perf_counter()
    async with unit_of_work(services, ACTOR) as ctx:
        scorer = await active_scorer(ctx.services, ctx.session)
        assert scorer is not None
        rows = (await ctx.session.execute(
            select(Lead, Client, interactions_count()).join(Client, Lead.client_id == Client.id)
            .where(Lead.stage.in_(OPEN_STAGES)).order_by(Lead.id).limit(n))).all()
        rates = await rates_for(ctx)
        records = [lead_record(lead, client, k, rates) for lead, client, k in rows]
        p = scorer.proba_records(records) * 100.0
        threshold = ctx.settings.qualify_threshold
        for (lead, _, _), rec, score in zip(rows, records, p.tolist(), strict=True):
            lead.score = round(score, 1)
            lead.close_probability = round(score / 100, 4)
            advice = recommendation(lead.score, threshold, extract(rec), rec.budget_rate_missing)
            lead.qualification_data = {**lead.qualification_data, "recommendation": advice}
        await ctx.session.flush()
    return time.perf_counter() - t


async def main(url: str, n_open: int, n_base: int) -> dict[str, object]:
    db_url = url.replace("postgresql://", "postgresql+asyncpg://")
    settings = Settings(database_url=db_url, data_dir=Path("/tmp") / url.rsplit("/", 1)[-1],  # type: ignore[call-arg]
                        _env_file=None)
    services = await build_services(settings)
    try:
        await seed(services, n_open)
        async with unit_of_work(services, ACTOR) as ctx:
            trained = await train_model(ctx, estimator="logistic_regression")
        assert trained.promoted, trained.reason
        base_s = await baseline(services, n_base)
        c = time.process_time()
        t = time.perf_counter()
        async with unit_of_work(services, ACTOR) as ctx:
            out = await rescore_open_leads(ctx)
        seconds = time.perf_counter() - t
        cpu = time.process_time() - c
        assert out.written == out.leads == n_open, out
    finally:
        await close_services(services)
    ours_us = seconds / n_open * 1e6
    base_us = base_s / n_base * 1e6
    print(f"baseline (ORM objects, {n_base} leads): {base_s:.2f} s, {base_us:.0f} us a lead")
    print(f"rescore_open_leads ({n_open} leads, {out.batches} batches): {seconds:.2f} s, {ours_us:.1f} us a lead "
          f"(this process's CPU {cpu:.2f} s; {out.phases}, the rest the commit); x{base_us / ours_us:.1f} faster a lead")
    return {"leads": n_open, "seconds": round(seconds, 3), "per_lead_us": round(ours_us, 2),
            "baseline_per_lead_us": round(base_us, 2), "ratio": round(base_us / ours_us, 2)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=100_000)
    ap.add_argument("--baseline", type=int, default=5_000)
    args = ap.parse_args()
    with scratch_pg() as scratch:
        figures = asyncio.run(main(scratch, args.leads, args.baseline))
    report(figures)
