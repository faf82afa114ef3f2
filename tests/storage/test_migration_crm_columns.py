"""Migration 0015 on a database holding data from before it: the new columns are filled from history.

The database is migrated to 0012, rows are written as the code of that time wrote them (only the
columns that existed then), then it is upgraded to head and the new columns are read back.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from storage.db import create_engine
from storage.migrate import upgrade
from storage.models import Client, Interaction, Lead, LeadStageHistory, Project, Proposal
from tests.conftest import PG_HOST, PG_PORT, RUN_ID, _pg_admin, in_thread, need, pg_url

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def t(days: float) -> datetime:
    return T0 + timedelta(days=days)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        shutil.rmtree(tmp_path, ignore_errors=True)
        return
    need("PostgreSQL", PG_HOST, PG_PORT)
    name = f"grace_mig_{RUN_ID}_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    yield pg_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _old(model: Any, values: dict[str, Any]) -> Any:
    """An INSERT naming only the given columns, typed as the models type them (aware UTC times...)."""
    table = model.__table__
    return sa.table(table.name, *[sa.column(c, table.c[c].type) for c in values]).insert().values(values)


def _client(i: int, **kw: Any) -> dict[str, Any]:
    return {"id": i, "name": f"Client {i}", "email": f"c{i}@example.com", "email_normalized": f"c{i}@example.com",
            "lifetime_value": Decimal(0), "currency": "USD", "project_count": 0, "first_contact_at": T0,
            "metadata": {}, "created_at": T0, "updated_at": T0, **kw}


def _lead(i: int, client_id: int, stage: str, **kw: Any) -> dict[str, Any]:
    return {"id": i, "client_id": client_id, "source": "website", "stage": stage, "furthest_rank": 0,
            "qualified": False, "qualification_data": {}, "features": {}, "currency": "USD",
            "stage_changed_at": T0, "metadata": {}, "created_at": T0, "updated_at": T0, **kw}


def _moves(lead_id: int, *moves: tuple[str, float]) -> list[dict[str, Any]]:
    out, frm = [], None
    for to, day in moves:
        out.append({"lead_id": lead_id, "from_stage": frm, "to_stage": to, "actor": "team_member:U1", "at": t(day)})
        frm = to
    return out


def _project(i: int, client_id: int, lead_id: int | None, **kw: Any) -> dict[str, Any]:
    return {"id": i, "client_id": client_id, "lead_id": lead_id, "title": f"Project {i}", "deliverables": {},
            "timeline": {}, "currency": "USD", "status": "proposed", "progress": 0.0, "proposal_generated": True,
            "proposal_approved": False, "grace_architect_used": True, "automated_delivery": False, "metadata": {},
            "created_at": T0, "updated_at": T0, **kw}


def _proposal(i: int, lead_id: int, client_id: int, project_id: int | None, version: int, price: str,
              **kw: Any) -> dict[str, Any]:
    return {"id": i, "lead_id": lead_id, "client_id": client_id, "project_id": project_id, "version": version,
            "status": "sent", "architect": "offline", "title": "A chatbot", "summary": "s", "requirements": "r",
            "content": {}, "budget": None, "currency": "USD", "total_hours": Decimal("10"),
            "subtotal": Decimal(price), "discount": Decimal(0), "price": Decimal(price), "cost": Decimal(1),
            "fits_budget": True, "budget_note": "", "weeks": 2, "created_by": "team_member:U1",
            "created_at": t(version), **kw}


def _interaction(i: int, client_id: int, kind: str, channel: str | None, actor: str, **kw: Any) -> dict[str, Any]:
    return {"id": i, "client_id": client_id, "kind": kind, "channel": channel, "actor": actor,
            "occurred_at": t(i), "metadata": {}, **kw}


async def _seed(url: str) -> None:
    engine = create_engine(url)
    rows: list[tuple[Any, dict[str, Any]]] = [
        # 1: under contract, owner and contact preference in metadata.
        (Client, _client(1, metadata={"preferred_contact": " Phone ", "notes": "Calls before 10:00", "owner": "U1"})),
        # 2: its only lead skipped QUALIFIED and was lost.
        (Client, _client(2)),
        # 3: lost, then reopened; a status in metadata that is not one of ours.
        (Client, _client(3, metadata={"status": "vip", "preferred_contact": "carrier pigeon"})),
        # 4: paid; status set by hand in metadata wins.
        (Client, _client(4, metadata={"status": "Inactive"})),
        # 5: paid.
        (Client, _client(5)),
        (Lead, _lead(1, 1, "CONTRACT", budget=Decimal("12000"), currency="EUR", metadata={"value_estimate": "15000"})),
        (Lead, _lead(2, 2, "LOST", budget=Decimal("8000"), closed_at=t(5))),
        (Lead, _lead(3, 3, "LEAD", budget=Decimal("5000"))),
        (Lead, _lead(4, 4, "PAID")),
        (Lead, _lead(5, 5, "PAID", budget=Decimal("700"), currency="EUR")),
        # A LOST lead written before stage history existed for it: lost_at falls back to closed_at.
        (Lead, _lead(6, 2, "LOST", closed_at=t(30))),
    ]
    history = [
        *_moves(1, ("LEAD", 0), ("QUALIFIED", 1), ("PROPOSAL", 2), ("CONTRACT", 3)),
        *_moves(2, ("LEAD", 0), ("PROPOSAL", 4), ("LOST", 5)),
        *_moves(3, ("LEAD", 0), ("LOST", 6), ("LEAD", 7)),
        *_moves(4, ("LEAD", 0), ("QUALIFIED", 8), ("CONTRACT", 9), ("ACTIVE", 10), ("DELIVERED", 11),
                ("PAID", 12)),
        *_moves(5, ("LEAD", 0), ("QUALIFIED", 13), ("LOST", 14), ("LEAD", 15), ("QUALIFIED", 16), ("CONTRACT", 17),
                ("ACTIVE", 18), ("DELIVERED", 19), ("PAID", 20)),
    ]
    rows += [(LeadStageHistory, h) for h in history]
    rows += [
        (Project, _project(1, 1, 1, timeline={"weeks": 6, "start": "2026-03-04", "end": "2026-04-15"},
                           metadata={"actual_cost": "7,500.50"})),
        (Project, _project(2, 4, 4, proposal_approved=True, status="delivered", started_at=t(10),
                           completed_at=t(11.9), timeline={"start": "2026-01-01", "end": "2026-02-01"})),
        (Project, _project(3, 2, 2, timeline={"start": "not a date"}, metadata={"actual_cost": "lots"})),
        (Proposal, _proposal(1, 1, 1, 1, 1, "14000", status="superseded")),
        (Proposal, _proposal(2, 1, 1, 1, 2, "16000", status="accepted", currency="EUR")),
        (Proposal, _proposal(3, 2, 2, 3, 1, "9000")),
        (Proposal, _proposal(4, 3, 3, None, 1, "4000", currency="EUR")),  # not the lead's currency: ignored
        (Interaction, _interaction(1, 1, "capture", "website", "system:grace")),
        (Interaction, _interaction(2, 4, "survey", "email", "team_member:U1", metadata={"survey_id": 1})),
        (Interaction, _interaction(3, 4, "survey", "nps_link", "client:4",
                                   metadata={"survey_id": 1, "score": 9, "sentiment": 0.6249})),
        (Interaction, _interaction(4, 4, "survey", "slack", "system:nps_cron", metadata={"survey_id": 2})),
        (Interaction, _interaction(5, 2, "email", "email", "system:mail", metadata={"sentiment": "bad"})),
        (Interaction, _interaction(6, 3, "note", None, "api_key:3",
                                   metadata={"approved_by": "team_member:U2", "grace_generated": True})),
    ]
    async with engine.begin() as conn:
        for model, values in rows:
            await conn.execute(_old(model, values))
        if engine.dialect.name == "postgresql":
            for table in ("business_clients", "business_leads", "business_projects", "proposals",
                          "business_interactions"):
                await conn.execute(sa.text(f"SELECT setval('{table}_id_seq', 100)"))
    await engine.dispose()


async def _read(url: str) -> dict[str, dict[int, Any]]:
    engine = create_engine(url)
    out: dict[str, dict[int, Any]] = {}
    async with engine.connect() as conn:
        for name, model in (("leads", Lead), ("clients", Client), ("projects", Project),
                            ("interactions", Interaction)):
            rows = (await conn.execute(sa.select(model.__table__))).mappings().all()
            out[name] = {r["id"]: dict(r) for r in rows}
        out["proposal_projects"] = dict((await conn.execute(sa.select(Proposal.id, Proposal.project_id))).all())
    await engine.dispose()
    return out


async def test_upgrade_fills_the_new_columns_from_history(empty_db: str) -> None:
    in_thread(upgrade, empty_db, "0012")
    await _seed(empty_db)
    in_thread(upgrade, empty_db, "heads")
    db = await _read(empty_db)
    leads, clients, projects, inter = db["leads"], db["clients"], db["projects"], db["interactions"]
    # Adding columns rewrote no table: references into them (ON DELETE SET NULL) are intact.
    assert db["proposal_projects"] == {1: 1, 2: 1, 3: 3, 4: None}
    assert [p["lead_id"] for p in projects.values()] == [1, 4, 2]

    # Leads: the first move to QUALIFIED-or-later, to CONTRACT-or-later; LOST only while lost.
    assert (leads[1]["qualified_at"], leads[1]["converted_at"], leads[1]["lost_at"]) == (t(1), t(3), None)
    assert (leads[2]["qualified_at"], leads[2]["converted_at"], leads[2]["lost_at"]) == (t(4), None, t(5))
    assert (leads[3]["qualified_at"], leads[3]["converted_at"], leads[3]["lost_at"]) == (None, None, None)
    assert (leads[4]["qualified_at"], leads[4]["converted_at"]) == (t(8), t(9))
    assert (leads[5]["qualified_at"], leads[5]["converted_at"], leads[5]["lost_at"]) == (t(13), t(17), None)
    assert leads[6]["lost_at"] == t(30) and leads[6]["qualified_at"] is None
    # Value: metadata, else the latest proposal in the lead's currency, else the budget.
    assert leads[1]["value_estimate"] == Decimal("15000.00")
    assert leads[2]["value_estimate"] == Decimal("9000.00")
    assert leads[3]["value_estimate"] == Decimal("5000.00")
    assert leads[4]["value_estimate"] is None
    assert leads[5]["value_estimate"] == Decimal("700.00")

    assert {i: c["status"] for i, c in clients.items()} == {
        1: "active", 2: "inactive", 3: "prospect", 4: "inactive", 5: "customer"}
    assert clients[1]["preferred_contact"] == "phone" and clients[1]["notes"] == "Calls before 10:00"
    assert clients[3]["preferred_contact"] is None and clients[2]["notes"] is None

    assert [projects[i]["contract_signed"] for i in (1, 2, 3)] == [True, True, False]
    assert projects[1]["actual_cost"] == Decimal("7500.50") and projects[3]["actual_cost"] is None
    assert (projects[1]["start_date"], projects[1]["end_date"]) == (date(2026, 3, 4), date(2026, 4, 15))
    # The real dates of the build win over the plan's.
    assert (projects[2]["start_date"], projects[2]["end_date"]) == (t(10).date(), t(11.9).date())
    assert (projects[3]["start_date"], projects[3]["end_date"]) == (None, None)

    trail = {i: (r["automated"], r["grace_generated"], r["human_approved"], r["approved_by"], r["sentiment"])
             for i, r in inter.items()}
    assert trail == {
        1: (True, False, None, None, None),
        2: (False, True, True, "team_member:U1", None),
        3: (False, False, None, None, pytest.approx(0.6249)),
        4: (True, True, None, None, None),
        5: (True, False, None, None, None),
        6: (False, True, True, "team_member:U2", None),
    }

    # The schema at head is the models' (nothing left over for autogenerate to find).
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.models import Base

    engine = create_engine(empty_db)
    async with engine.connect() as conn:
        diff = await conn.run_sync(lambda c: compare_metadata(
            MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata))
    await engine.dispose()
    assert diff == []
