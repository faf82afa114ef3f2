"""When the agent is unsure, its two readings are buttons; a click takes one, once (signed requests to the
real app, answers through the fake Slack API)."""

from __future__ import annotations

from tests.helpers.agent import UNSURE_ABOUT_LEAD
from tests.helpers.slack import SALES_USER, buttons, mention, next_ts, replies, wait_replies


async def test_a_reading_button_takes_that_reading_once(slack, slack_services, fake_slack):
    root = next_ts()
    await slack.event(mention("new lead: Grace Hopper grace@navy.example.com via the website form", ts=root))
    [captured] = await wait_replies(fake_slack, root)
    assert "Captured lead #1" in captured.params["text"]
    await slack.event(mention(UNSURE_ABOUT_LEAD.format(n=1), thread_ts=root))
    ask = (await wait_replies(fake_slack, root, 2))[1]
    assert ask.params["text"].startswith("I'm not sure which you mean")
    b = buttons(ask)
    assert list(b) == ["1. Show lead #1", "2. Mark lead #1 as lost"]
    r = await slack.click(b["1. Show lead #1"], SALES_USER, "C0LEADS", "1700000000.888888", root, ask.params["blocks"])
    assert r.status_code == 200
    [update] = await fake_slack.wait_for("chat.update", 1)
    assert "chosen by <@U0SALES>" in str(update.params["blocks"])
    done = (await wait_replies(fake_slack, root, 3))[2]
    assert done.params["text"].startswith("Lead #1: Grace Hopper")
    # A second click (or Slack's retry of the first) is answered, not run again.
    await slack.click(b["2. Mark lead #1 as lost"], SALES_USER, "C0LEADS", "1700000000.888888", root,
                      ask.params["blocks"])
    await fake_slack.wait_for("chat.postEphemeral", 1)
    await slack_services.queue.join()
    assert len(replies(fake_slack, root)) == 3
