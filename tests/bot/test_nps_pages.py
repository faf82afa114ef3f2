"""The survey pages and the satisfaction API, through HTTP."""

from datetime import timedelta
from html.parser import HTMLParser

from sqlalchemy import update

from engine.satisfaction.tokens import read_token, sign_survey
from storage.models import NpsSurvey, Project
from storage.types import utcnow
from tests.conftest import make_key
from tests.helpers.nps import delivered_project, get, snapshot


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def of(self, tag):
        return [a for t, a in self.tags if t == tag]


def parse(html: str) -> Tags:
    p = Tags()
    p.feed(html)
    return p


async def send(api, project_id):
    r = await api.post(f"/api/business/projects/{project_id}/nps")
    assert r.status_code == 201, r.text
    body = r.json()
    return body, "/nps/" + body["link"].rsplit("/", 1)[1]


async def test_post_nps_answers_survey_link_and_refuses_a_second(api, services):
    d = await delivered_project(services)
    body, _path = await send(api, d.project_id)
    assert set(body) >= {"survey_id", "link", "expires_at"}
    again = await api.post(f"/api/business/projects/{d.project_id}/nps")
    assert again.status_code == 409 and again.json()["error"] == "survey_already_open"
    assert (await api.post("/api/business/projects/999999/nps")).status_code == 404


async def test_viewer_key_cannot_send_but_can_read(api, services):
    d = await delivered_project(services)
    key = await make_key(services, "viewer", "viewer")
    headers = {"Authorization": f"Bearer {key}"}
    assert (await api.post(f"/api/business/projects/{d.project_id}/nps", headers=headers)).status_code == 403
    r = await api.get(f"/api/business/projects/{d.project_id}/satisfaction", headers=headers)
    assert r.status_code == 200


async def test_survey_page_is_accessible_html_without_javascript(api, services):
    d = await delivered_project(services)
    _body, path = await send(api, d.project_id)
    r = await api.get(path, headers={"Authorization": ""})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-store"
    html = r.text
    assert "How likely are you to recommend us to a friend or colleague?" in html
    tags = parse(html)
    assert tags.of("html")[0]["lang"] == "en"
    assert not tags.of("script")
    radios = [a for a in tags.of("input") if a.get("type") == "radio"]
    assert [a["value"] for a in radios] == [str(n) for n in range(11)]
    label_for = {a["for"] for a in tags.of("label")}
    assert {a["id"] for a in radios} <= label_for and "comment" in label_for
    assert tags.of("fieldset") and tags.of("legend") and tags.of("textarea")[0]["name"] == "comment"
    assert tags.of("meta") and any(m.get("name") == "viewport" for m in tags.of("meta"))
    assert ":focus-visible" in html


async def test_answering_through_the_form_and_the_thank_you_page(api, services):
    d = await delivered_project(services)
    _body, path = await send(api, d.project_id)
    r = await api.post(path, data={"score": "8", "comment": "Solid work"})
    assert r.status_code == 303 and r.headers["location"] == path + "/thanks"
    thanks = await api.get(path + "/thanks")
    assert thanks.status_code == 200 and "Thank you!" in thanks.text
    project = await get(services, Project, d.project_id)
    assert project.nps_score == 8 and project.client_feedback == "Solid work"
    # the link now shows the answer and says it can still be changed
    page = await api.get(path)
    assert page.status_code == 200 and "You already answered (8)" in page.text
    assert 'value="8" checked' in page.text
    r = await api.post(path, data={"score": "9", "comment": "Solid work, really"})
    assert r.status_code == 303
    assert (await get(services, Project, d.project_id)).nps_score == 9
    sat = (await api.get(f"/api/business/projects/{d.project_id}/satisfaction")).json()
    assert {"project_id", "nps_score", "category", "comment", "sentiment", "recommendations",
            "agency_nps"} <= set(sat)
    assert sat["nps_score"] == 9 and sat["category"] == "promoter" and sat["agency_nps"] == 100.0
    assert sat["comment"] == "Solid work, really" and isinstance(sat["recommendations"], list)


async def test_page_is_in_the_clients_language(api, services):
    d = await delivered_project(services, language="de-DE")
    _body, path = await send(api, d.project_id)
    r = await api.get(path)
    assert 'lang="de"' in r.text and "Wie wahrscheinlich ist es" in r.text
    bad = await api.post(path, data={"comment": "kein Wert"})
    assert bad.status_code == 422 and "Bitte wählen Sie eine Bewertung" in bad.text
    assert "kein Wert" in bad.text  # what they typed is kept


async def test_missing_or_bad_score_rerenders_the_form_and_writes_nothing(api, services):
    d = await delivered_project(services)
    _body, path = await send(api, d.project_id)
    before = await snapshot(services)
    for data in ({}, {"score": "11"}, {"score": "-1"}, {"score": "abc"}, {"score": "5", "comment": "x" * 5001}):
        r = await api.post(path, data=data)
        assert r.status_code == 422 and 'role="alert"' in r.text, data
    assert await snapshot(services) == before


async def test_tampered_expired_and_foreign_links_get_a_4xx_page_and_write_nothing(api, services):
    d = await delivered_project(services)
    other = await delivered_project(services)
    body, path = await send(api, d.project_id)
    _other_body, other_path = await send(api, other.project_id)
    settings = services.settings
    claim = read_token(settings, path.rsplit("/", 1)[1])
    other_claim = read_token(settings, other_path.rsplit("/", 1)[1])
    foreign = "/nps/" + sign_survey(settings, claim.survey_id, other.project_id, claim.nonce)
    mixed = "/nps/" + sign_survey(settings, other_claim.survey_id, other.project_id, claim.nonce)
    before = await snapshot(services)
    for bad in (path[:-2] + "zz", "/nps/not-a-token", foreign, mixed):
        page = await api.get(bad)
        assert page.status_code == 400 and "This link does not work" in page.text, bad
        post = await api.post(bad, data={"score": "3", "comment": "x"})
        assert post.status_code == 400, bad
    async with services.session_factory() as s:
        await s.execute(update(NpsSurvey).where(NpsSurvey.id == body["survey_id"])
                        .values(expires_at=utcnow() - timedelta(hours=1)))
        await s.commit()
    expired = await api.get(path)
    assert expired.status_code == 410 and "This survey has expired" in expired.text
    assert (await api.post(path, data={"score": "3"})).status_code == 410
    assert await snapshot(services) == before


async def test_an_answer_older_than_seven_days_is_closed(api, services):
    d = await delivered_project(services, language="es")
    body, path = await send(api, d.project_id)
    assert (await api.post(path, data={"score": "6"})).status_code == 303
    async with services.session_factory() as s:
        await s.execute(update(NpsSurvey).where(NpsSurvey.id == body["survey_id"])
                        .values(answered_at=utcnow() - timedelta(days=8)))
        await s.commit()
    before = await snapshot(services)
    page = await api.get(path)
    assert page.status_code == 410 and "Esta encuesta está cerrada" in page.text
    assert (await api.post(path, data={"score": "10"})).status_code == 410
    assert await snapshot(services) == before
