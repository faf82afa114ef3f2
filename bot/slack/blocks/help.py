"""`/grace help`: the commands and what the agent understands."""

from __future__ import annotations

from bot.slack.blocks.text import Block, md
from tools.offline import rules

HELP = ("*Grace* — `/grace pipeline`, `/grace revenue [month|quarter|year]`, `/grace lead 12`, "
        "`/grace upwork <pasted job post>`, "
        "or `/grace <anything>` to talk to me. " + rules.HELP_TEXT)


def help_blocks() -> list[Block]:
    return [md(HELP)]
