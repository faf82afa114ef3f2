"""Documents sent to a client by e-mail (proposals, manual invoices) through the same SMTP path as
NPS surveys, each recorded as an interaction Grace generated and the person who asked approved.
Without SMTP nothing is e-mailed (the links reach the team in Slack, as before)."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import make_msgid
from html import escape

import aiosmtplib
from sqlalchemy import update

from engine.config import Settings
from engine.context import OperationContext
from engine.trail import grace_trail
from storage.models import Client, Interaction

log = logging.getLogger(__name__)


async def send_email(settings: Settings, message: EmailMessage) -> None:
    """Send through the configured SMTP server; raises on failure (the caller logs and keeps the survey)."""
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username or None,
        password=settings.smtp_password or None,
        use_tls=settings.smtp_tls,
        start_tls=settings.smtp_starttls and not settings.smtp_tls,
        timeout=30,
    )


def new_message(settings: Settings, *, to: str, subject: str) -> EmailMessage:
    """An e-mail from the agency's address, with a Message-ID on its domain; bodies are the caller's."""
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    return msg


def document_email(settings: Settings, *, to: str, name: str, subject: str, body: str, link: str,
                   cta: str) -> EmailMessage:
    msg = new_message(settings, to=to, subject=subject)
    msg.set_content(f"Dear {name},\n\n{body}\n\n{cta}: {link}\n\nKind regards,\nthe team\n")
    e = escape
    msg.add_alternative(
        f"""<!doctype html>
<html><body style="font-family:system-ui,sans-serif;color:#1a1a1a;line-height:1.5">
<p>Dear {e(name)},</p>
<p>{e(body)}</p>
<p><a href="{e(link)}" style="display:inline-block;padding:12px 20px;background:#1d4ed8;color:#ffffff;
border-radius:6px;text-decoration:none;font-weight:600">{e(cta)}</a></p>
<p>Kind regards,<br>the team</p>
</body></html>
""", subtype="html")
    return msg


async def email_client(ctx: OperationContext, client: Client, *, what: str, subject: str, body: str, link: str,
                       cta: str, lead_id: int | None = None, project_id: int | None = None) -> bool:
    """E-mail a document's signed link to the client after commit and record it as an interaction
    (`kind=email`, Grace-generated, approved by the person who asked). False: no SMTP or no address."""
    if not ctx.settings.smtp_host or not client.email:
        return False
    row = Interaction(client_id=client.id, lead_id=lead_id, project_id=project_id, kind="email", channel="email",
                      summary=f"{what} e-mailed to {client.email}: {subject}"[:500], actor=ctx.actor.label,
                      metadata_={"document": what, "link": link, "emailed": False}, **grace_trail(ctx.actor))
    ctx.session.add(row)
    await ctx.session.flush()
    ctx.audit("client.emailed", f"client:{client.id}", interaction_id=row.id, document=what, to=client.email)
    message = document_email(ctx.settings, to=client.email, name=client.name, subject=subject, body=body,
                             link=link, cta=cta)
    settings, services, interaction_id = ctx.settings, ctx.services, row.id

    async def send() -> None:
        await send_email(settings, message)
        async with services.session_factory() as session:
            await session.execute(update(Interaction).where(Interaction.id == interaction_id).values(
                metadata_={"document": what, "link": link, "emailed": True}))
            await session.commit()

    ctx.after_commit(send)
    return True
