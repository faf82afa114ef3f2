"""Invoices and payments: collecting a project's price, settling invoices, payment providers.

- `invoices`: `collect_payment`, `get_invoice` (and the amount arithmetic in `amounts`).
- `settle`: `mark_invoice_paid` and the one idempotent path every payment goes through.
- `webhooks`: Stripe events stored once, processed once.
- `reminders`: the daily overdue sweep.
- `providers/`: the `PaymentProvider` protocol, Stripe and the manual (bank transfer) default.
"""
