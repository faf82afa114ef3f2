"""A 20,000-character Slack message (the offline parser's patterns took 16 s on one) is acked and
answered like any other message, through signed requests to the real app."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Lead
from tests.helpers.slack import mention, next_ts, wait_replies


async def test_a_20000_character_message_is_answered(slack, slack_services, fake_slack):
    root = next_ts()
    head = "new lead: Ada Lovelace ada@example.com from Acme Ltd, budget $12k "
    text = head + ("from Acme & Sons " * 400 + "a.b-c@" * 800 + " " * 9_000)[:20_000 - len(head) - 1] + "x"
    assert len(text) == 20_000
    r = await slack.event(mention(text, ts=root))
    assert r.status_code == 200
    [reply] = await wait_replies(fake_slack, root)
    assert reply.params["text"]
    async with slack_services.session_factory() as s:
        found = (await s.execute(select(Lead))).scalars().all()
    assert len(found) <= 1  # one lead at most, never a crash or a duplicate
