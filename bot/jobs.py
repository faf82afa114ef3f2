"""Every job Grace runs, listed by name: the worker's and the server's in-process queue read this table.

The engine's and workers' jobs (`workers.jobs.JOBS`) plus the Slack listeners' slow work, which
renders Block Kit and so belongs to `bot/`. Listed here explicitly; nothing registers itself.
"""

from __future__ import annotations

from workers.jobs import JOBS as WORKER_JOBS
from workers.queue import JobFunc


def job_table(*, slack: bool) -> dict[str, JobFunc]:
    """The jobs of a process: the Slack reply jobs only where Slack is configured (or in the worker)."""
    if not slack:
        return dict(WORKER_JOBS)
    # Deferred for start-up time: the Slack listeners load slack_sdk, which a Slack-less process never needs.
    from bot.slack.actions.approvals import slack_decide
    from bot.slack.actions.choices import slack_choose
    from bot.slack.commands.grace import slack_answer_command
    from bot.slack.events.home import slack_publish_home
    from bot.slack.events.messages import slack_answer_message

    slack_jobs: dict[str, JobFunc] = {fn.__name__: fn for fn in (
        slack_answer_message, slack_answer_command, slack_decide, slack_choose, slack_publish_home,
    )}
    return {**WORKER_JOBS, **slack_jobs}
