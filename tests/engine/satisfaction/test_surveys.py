"""Sending surveys: one open survey per project, signed links, Slack and e-mail, scheduling."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update

from engine.errors import PolicyDenied, ProjectNotFound
from engine.satisfaction.errors import ProjectNotDelivered, SurveyAlreadyOpen
from engine.satisfaction.surveys import resolve_survey, send_due_surveys, send_nps_survey
from engine.satisfaction.tokens import read_token
from storage.models import AuditEntry, Interaction, NpsSurvey
from storage.types import utcnow
from tests.conftest import ADMIN, SALES, VIEWER, op
from tests.helpers.nps import count, delivered_project, get
from workers.jobs import JOBS


async def test_send_creates_a_survey_and_a_signed_link_posted_to_slack(slack_services, fake_slack):
    d = await delivered_project(slack_services)
    sent = await op(slack_services, SALES, send_nps_survey, d.project_id)
    assert sent.link.startswith("http://127.0.0.1:8000/nps/")
    token = sent.link.rsplit("/", 1)[1]
    claim = read_token(slack_services.settings, token)
    assert (claim.survey_id, claim.project_id) == (sent.survey_id, d.project_id)
    survey = await get(slack_services, NpsSurvey, sent.survey_id)
    assert survey.status == "open" and survey.language == "en"
    assert timedelta(days=29, hours=23) < survey.expires_at - survey.sent_at <= timedelta(days=30)
    async with slack_services.session_factory() as s:
        assert (await resolve_survey(s, slack_services.settings, token)).id == sent.survey_id
    calls = await fake_slack.wait_for("chat.postMessage", 1)
    assert sent.link in calls[0].params["text"] and calls[0].params["channel"] == "C0LEADS"
    assert await count(slack_services, AuditEntry, AuditEntry.action == "nps.survey_sent") == 1
    assert await count(slack_services, Interaction, Interaction.kind == "survey") == 1


async def test_survey_goes_to_the_projects_slack_thread(slack_services, fake_slack):
    d = await delivered_project(slack_services)
    async with slack_services.session_factory() as s:
        from storage.models import Project

        await s.execute(update(Project).where(Project.id == d.project_id)
                        .values(slack_channel="C0PROJ", slack_thread_ts="1700000000.000001"))
        await s.commit()
    await op(slack_services, SALES, send_nps_survey, d.project_id)
    call = (await fake_slack.wait_for("chat.postMessage", 1))[0]
    assert call.params["channel"] == "C0PROJ" and call.params["thread_ts"] == "1700000000.000001"


async def test_never_two_open_surveys_for_one_project(services):
    d = await delivered_project(services)
    results = await asyncio.gather(*(op(services, SALES, send_nps_survey, d.project_id) for _ in range(4)),
                                   return_exceptions=True)
    ok = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, SurveyAlreadyOpen)]
    assert len(ok) == 1 and len(refused) == 3, results
    assert await count(services, NpsSurvey, NpsSurvey.project_id == d.project_id) == 1
    with pytest.raises(SurveyAlreadyOpen):
        await op(services, SALES, send_nps_survey, d.project_id)


async def test_the_database_refuses_a_second_open_survey(services):
    from sqlalchemy.exc import IntegrityError

    d = await delivered_project(services)
    async with services.session_factory() as s:
        s.add(NpsSurvey(project_id=d.project_id, client_id=d.client_id, status="open", nonce="a"))
        s.add(NpsSurvey(project_id=d.project_id, client_id=d.client_id, status="answered", nonce="b"))
        await s.commit()
        s.add(NpsSurvey(project_id=d.project_id, client_id=d.client_id, status="scheduled", nonce="c"))
        with pytest.raises(IntegrityError):
            await s.commit()


async def test_an_expired_open_survey_makes_way_for_a_new_one(services):
    d = await delivered_project(services)
    first = await op(services, SALES, send_nps_survey, d.project_id)
    async with services.session_factory() as s:
        await s.execute(update(NpsSurvey).where(NpsSurvey.id == first.survey_id)
                        .values(expires_at=utcnow() - timedelta(minutes=1)))
        await s.commit()
    second = await op(services, SALES, send_nps_survey, d.project_id)
    assert second.survey_id != first.survey_id
    assert (await get(services, NpsSurvey, first.survey_id)).status == "expired"


async def test_refusals(services):
    d = await delivered_project(services, status="active")
    with pytest.raises(ProjectNotDelivered):
        await op(services, SALES, send_nps_survey, d.project_id)
    with pytest.raises(ProjectNotFound):
        await op(services, SALES, send_nps_survey, 999_999)
    with pytest.raises(PolicyDenied):
        await op(services, VIEWER, send_nps_survey, d.project_id)
    assert await count(services, NpsSurvey) == 0
    assert await count(services, AuditEntry, AuditEntry.action == "policy.denied") == 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_survey_is_emailed_in_the_clients_language(services, smtp_sink):
    services.settings.smtp_host = smtp_sink.host
    services.settings.smtp_port = smtp_sink.port
    services.settings.smtp_starttls = False
    services.settings.smtp_from = "hello@agency.test"
    d = await delivered_project(services, language="es", title="Portal de clientes")
    sent = await op(services, SALES, send_nps_survey, d.project_id)
    assert sent.emailed_to and sent.language == "es"
    assert len(smtp_sink.messages) == 1
    msg = smtp_sink.messages[0]
    assert msg["To"] == sent.emailed_to and msg["From"] == "hello@agency.test"
    assert "Portal de clientes" in msg["Subject"] and msg["Subject"].startswith("¿Qué tal")
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert sent.link in plain and f'href="{sent.link}"' in html and 'lang="es"' in html
    assert (await get(services, NpsSurvey, sent.survey_id)).emailed is True


async def test_no_smtp_means_no_email(services):
    d = await delivered_project(services)
    sent = await op(services, SALES, send_nps_survey, d.project_id)
    assert sent.emailed_to is None
    assert (await get(services, NpsSurvey, sent.survey_id)).emailed is False


async def test_schedule_job_plans_one_survey_and_the_cron_job_sends_it_when_due(services):
    d = await delivered_project(services)
    job_ctx = {"services": services}
    first = await JOBS["schedule_nps_survey"](job_ctx, d.project_id)
    again = await JOBS["schedule_nps_survey"](job_ctx, d.project_id)
    assert first["created"] is True and again["created"] is False and again["survey_id"] == first["survey_id"]
    survey = await get(services, NpsSurvey, first["survey_id"])
    assert survey.status == "scheduled" and survey.sent_at is None
    # delivered yesterday + 7 days by default
    assert timedelta(days=5, hours=23) < survey.due_at - utcnow() <= timedelta(days=6)
    assert (await JOBS["send_due_nps_surveys"](job_ctx))["sent"] == []
    report = await send_due_surveys(services, now=utcnow() + timedelta(days=7))
    assert report.sent == [d.project_id]
    survey = await get(services, NpsSurvey, first["survey_id"])
    assert survey.status == "open" and survey.sent_at is not None
    assert await count(services, NpsSurvey, NpsSurvey.project_id == d.project_id) == 1
    assert (await send_due_surveys(services, now=utcnow() + timedelta(days=8))).sent == []


async def test_zero_delay_sends_at_once(services):
    services.settings.nps_delay_days = 0
    d = await delivered_project(services)
    await services.queue.enqueue("schedule_nps_survey", d.project_id, job_id=f"nps:{d.project_id}")
    await services.queue.join()
    async with services.session_factory() as s:
        from sqlalchemy import select

        survey = (await s.execute(select(NpsSurvey).where(NpsSurvey.project_id == d.project_id))).scalar_one()
    assert survey.status == "open"


async def test_admin_may_send(services):
    d = await delivered_project(services)
    assert (await op(services, ADMIN, send_nps_survey, d.project_id)).survey_id
