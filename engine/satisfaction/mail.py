"""The survey e-mail: plain-text and HTML bodies, sent through SMTP with aiosmtplib."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from html import escape

from engine.config import Settings
from engine.mailing import new_message, send_email
from engine.satisfaction.texts import format_date, texts


def survey_email(settings: Settings, *, to: str, name: str, project: str, link: str, expires_at: datetime,
                 language: str) -> EmailMessage:
    t = texts(language)
    until = format_date(expires_at, language)
    subject = t["email_subject"].format(project=project)
    greeting = t["email_greeting"].format(name=name)
    body = t["email_body"].format(project=project)
    expiry = t["email_expiry"].format(until=until)
    msg = new_message(settings, to=to, subject=subject)
    msg.set_content(f"{greeting}\n\n{body}\n\n{t['email_cta']}: {link}\n\n{expiry}\n\n{t['email_signoff']}\n")
    e = escape
    msg.add_alternative(
        f"""<!doctype html>
<html lang="{e(language)}"><body style="font-family:system-ui,sans-serif;color:#1a1a1a;line-height:1.5">
<p>{e(greeting)}</p>
<p>{e(body)}</p>
<p><a href="{e(link)}" style="display:inline-block;padding:12px 20px;background:#1d4ed8;color:#ffffff;
border-radius:6px;text-decoration:none;font-weight:600">{e(t['email_cta'])}</a></p>
<p style="color:#444">{e(expiry)}</p>
<p>{e(t['email_signoff'])}</p>
</body></html>
""",
        subtype="html",
    )
    return msg


__all__ = ["survey_email", "send_email"]
