"""`/grace help`: the commands and what the agent understands."""

from __future__ import annotations

from bot.slack.blocks.text import Block, esc, md
from tools.offline import rules

# `<…>` would be read by Slack as a link: the placeholders are escaped like any other text.
HELP = esc("*Grace* — `/grace pipeline`, `/grace revenue [month|quarter|year]`, `/grace lead 12`, "
           "`/grace upwork <pasted job post>`, or `/grace <anything>` to talk to me. " + rules.HELP_TEXT)


def help_blocks() -> list[Block]:
    return [md(HELP)]
