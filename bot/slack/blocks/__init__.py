"""Block Kit, all of it: every surface Grace can show in Slack is drawn by a module of this package.

Text that came from a client, a lead or a model goes through `text.esc` before it is put in
mrkdwn; errors are a short plain sentence and a stack trace never reaches Slack.
"""
