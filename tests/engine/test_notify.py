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


async def test_mass_mentions_and_disguised_links_reach_slack_inert(slack_services, fake_slack):
    """Client or model text inside a message cannot ping everyone or hide a link's destination;
    the message's own mentions and links are kept."""
    hostile = "Hi <!channel> and <!here|here>, log in at <http://evil.example/login|bank.com>"
    own = "<@U0OWNER> see <https://grace.example/p/abc|View the proposal> in <#C0LEADS>"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"{own}\n> {hostile}"}},
              {"type": "context", "elements": [{"type": "mrkdwn", "text": "<!everyone>"}]}]
    await slack_services.notifier.post("C1", f"{own} {hostile}", blocks=blocks, key="hostile:1")
    await slack_services.notifier.post("C1", "unkeyed <!channel>")
    first, second = fake_slack.of("chat.postMessage")
    sent = [first.params["text"], first.params["blocks"][0]["text"]["text"],
            first.params["blocks"][1]["elements"][0]["text"], second.params["text"]]
    for text in sent[:3]:
        assert "<!channel>" not in text and "<!here" not in text and "<http://evil.example" not in text
    assert sent[2] == "&lt;!everyone&gt;" and sent[3] == "unkeyed &lt;!channel&gt;"
    assert "&lt;!channel&gt;" in sent[0] and "&lt;http://evil.example/login|bank.com&gt;" in sent[0]
    for text in sent[:2]:
        assert text.startswith(own)  # our own formatting is untouched


async def test_updates_are_guarded_too(slack_services, fake_slack):
    await slack_services.notifier.update("C1", "1.2", "vote <!here>",
                                         [{"type": "section", "text": {"type": "mrkdwn", "text": "<!channel>"}}])
    [call] = fake_slack.of("chat.update")
    assert call.params["text"] == "vote &lt;!here&gt;"
    assert call.params["blocks"][0]["text"]["text"] == "&lt;!channel&gt;"
