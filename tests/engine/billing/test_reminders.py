"""The daily overdue sweep, run as the job does."""

from datetime import timedelta

from sqlalchemy import update

from engine.billing.invoices import collect_payment
from storage.models import Invoice
from storage.types import utcnow
from tests.conftest import ADMIN, op
from tests.helpers.billing import THIRDS, make_project, reload
from workers.jobs import JOBS


async def test_overdue_invoices_are_reminded_once_a_day(services):
    project = await make_project(services, shares=THIRDS)
    late = await op(services, ADMIN, collect_payment, project.id, 1)
    not_yet = await op(services, ADMIN, collect_payment, project.id, 2)
    async with services.session_factory() as s:
        await s.execute(update(Invoice).where(Invoice.id == late.invoice_id).values(due_at=utcnow() - timedelta(days=3)))
        await s.commit()

    report = await JOBS["send_overdue_reminders"]({"services": services})
    assert report["overdue"] == 1 and report["reminded"] == [late.invoice_number]
    assert report["outstanding"] == "3333.33"
    assert (await reload(services, Invoice, late.invoice_id)).status == "overdue"
    assert (await reload(services, Invoice, not_yet.invoice_id)).status == "issued"
    keys = [m["key"] for m in services.notifier.sent]
    assert f"invoice-overdue:{late.invoice_id}:{utcnow().date().isoformat()}" in keys
    assert any(k.startswith("overdue-summary:") for k in keys)

    again = await JOBS["send_overdue_reminders"]({"services": services})
    assert again["overdue"] == 1 and again["reminded"] == []
    assert len([m for m in services.notifier.sent if m["key"].startswith("invoice-overdue:")]) == 1
