"""Block Kit rendering: a lead card with score, stage and top factors; the pipeline as a table."""

from bot.slack.blocks.conversation import reply_blocks
from bot.slack.blocks.leads import lead_card, pipeline_table
from bot.slack.ids import ActionId, ApprovalValue
from tools.conversation import ChatReply, PendingCall, ToolOutcome

LEAD = {"lead_id": 7, "client_name": "Ada Lovelace", "company": "Acme Ltd", "stage": "QUALIFIED", "score": 82.4,
        "budget": "12000.00", "currency": "USD", "source": "linkedin", "email": "ada@example.com",
        "top_factors": [{"name": "budget above median"}, {"name": "referral"}, "fast timeline", "ignored 4th"]}


def test_lead_card_shows_score_stage_budget_and_top_factors():
    text = str(lead_card(LEAD))
    for expected in ("Lead #7", "Ada Lovelace", "Acme Ltd", "QUALIFIED", "82/100", "USD 12000.00", "linkedin",
                     "budget above median", "fast timeline"):
        assert expected in text
    assert "ignored 4th" not in text


def test_pipeline_is_a_table():
    m = {"total_leads": 3, "win_rate": 0.5, "currency": "USD", "stuck_lead_ids": [],
         "stages": [{"stage": "LEAD", "count": 2, "value": "100.00", "stuck": 1},
                    {"stage": "PAID", "count": 1, "value": "5.00", "stuck": 0},
                    {"stage": "REPEAT", "count": 0, "value": "0.00", "stuck": 0}]}
    out = pipeline_table(m)
    table = out[1]["text"]["text"]
    assert table.startswith("```") and "LEAD" in table and "PAID" in table and "REPEAT" not in table
    assert "win rate 50%" in out[0]["text"]["text"]


def test_reply_with_a_pending_call_has_typed_buttons():
    reply = ChatReply("Mark lead #7 as lost?", pending=[PendingCall("call-1", "mark_lead_lost", {}, "q")])
    out = reply_blocks(reply, "slack:C1:1.2")
    actions = out[-1]
    assert [e["action_id"] for e in actions["elements"]] == [ActionId.CONFIRM, ActionId.CANCEL]
    assert ApprovalValue.model_validate_json(actions["elements"][0]["value"]) == ApprovalValue(k="slack:C1:1.2", c="call-1")


def test_failed_tools_render_only_their_sentence():
    reply = ChatReply("There is no lead #9.", [ToolOutcome("show_lead", {"lead_id": 9},
                                                           {"error": "not_found", "message": "There is no lead #9."},
                                                           False)])
    assert reply_blocks(reply, "k") == [{"type": "section", "text": {"type": "mrkdwn",
                                                                              "text": "There is no lead #9."}}]
