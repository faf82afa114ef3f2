"""Notifications with a key go out once; Slack's 429 is retried by the SDK's handler."""

import asyncio


async def test_keyed_message_is_sent_once_to_slack(slack_services, fake_slack):
    n = slack_services.notifier
    results = await asyncio.gather(*(n.post("C1", "invoice paid", key="invoice:7:paid") for _ in range(5)))
    assert sum(1 for r in results if r) == 1
    assert fake_slack.texts() == ["invoice paid"]
    await n.post("C1", "no key, twice")
    await n.post("C1", "no key, twice")
    assert fake_slack.texts().count("no key, twice") == 2


async def test_rate_limited_post_is_retried(slack_services, fake_slack):
    fake_slack.fail_next("chat.postMessage", 429, retry_after=0)
    ts = await slack_services.notifier.post("C1", "after a 429", thread_ts="1.2")
    assert ts and fake_slack.of("chat.postMessage")[0].params["thread_ts"] == "1.2"
