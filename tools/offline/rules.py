"""What the offline model says and knows about each tool, as data: the intents (tool, governance action,
required arguments, a description and an example), and every sentence it answers with.

Which tool a message asks for is learned (tools/offline/classifier.py, trained from the corpus in
tests/data/agent/); the words of sources, stages and periods live in tools/offline/vocabulary.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Intent:
    tool: str
    action: str  # governance action, for a polite refusal before anything runs
    needs: tuple[str, ...] = ()  # lead_id, project_id, stage, reason, name, email, ...
    what: str = ""  # "what I understood", in words
    example: str = ""
    reading: str = ""  # one reading of a message, as a choice: str.format over the arguments


LEAD_REF = ("lead_id",)
PROJECT_REF = ("project_id",)

INTENTS: tuple[Intent, ...] = (
    Intent("capture_upwork_post", "capture_lead", ("text",), "record a lead from an Upwork job post",
           "new upwork lead: <paste the job post here>", "Record the pasted Upwork job post as a lead"),
    Intent("capture_lead", "capture_lead", ("name", "email"), "record a new lead",
           "new lead: Ada Lovelace ada@example.com from Acme Ltd, came through LinkedIn, budget $12k",
           "Record a new lead: {name} <{email}>"),
    Intent("mark_lead_lost", "mark_lost", ("lead_id", "reason"), "mark a lead as lost",
           "mark lead 12 lost: went with another agency", "Mark lead #{lead_id} as lost"),
    Intent("mark_invoice_paid", "mark_invoice_paid", ("invoice_number_or_id", "reference"), "mark an invoice paid",
           "mark invoice INV-20260105-ABC234 paid, reference TRX-991", "Mark invoice {invoice_number_or_id} paid"),
    Intent("collect_payment", "collect_payment", PROJECT_REF, "invoice a project (a milestone, or the balance)",
           "invoice milestone 1 of project 7", "Invoice project #{project_id}"),
    Intent("deliver_project", "deliver_project", PROJECT_REF, "deliver a project", "deliver project 7",
           "Start delivering project #{project_id} (the build)"),
    Intent("get_satisfaction", "track_client_satisfaction", PROJECT_REF, "show a client's satisfaction",
           "how satisfied is project 7's client?", "Show how satisfied project #{project_id}'s client is (NPS)"),
    Intent("send_nps_survey", "send_nps_survey", PROJECT_REF, "send an NPS survey",
           "send the NPS survey for project 7", "Send project #{project_id}'s client the NPS survey"),
    Intent("generate_proposal", "generate_proposal", LEAD_REF, "write a proposal for a lead",
           "draft a proposal for lead 12, budget $15k", "Write a proposal for lead #{lead_id}"),
    Intent("predict_close", "predict_close_rate", LEAD_REF, "predict whether a lead will close",
           "what are the odds lead 12 closes?", "Predict whether lead #{lead_id} will close"),
    Intent("suggest_next_action", "suggest_next_action", LEAD_REF, "suggest the next action for a lead",
           "what's the next step for lead 12?", "Suggest the next step for lead #{lead_id}"),
    Intent("move_lead_stage", "move_to_stage", ("lead_id", "stage"), "move a lead to another stage",
           "move lead 12 to proposal", "Move lead #{lead_id} to {stage}"),
    Intent("qualify_lead", "qualify_lead", LEAD_REF, "score and qualify a lead", "qualify lead 12",
           "Score and qualify lead #{lead_id}"),
    Intent("revenue_stats", "get_revenue_stats", (), "show revenue", "revenue this quarter",
           "Show revenue ({period})"),
    Intent("pipeline_metrics", "get_pipeline_metrics", (), "show the pipeline", "how's the pipeline?",
           "Show the pipeline's numbers"),
    Intent("show_lead", "view_leads", LEAD_REF, "see a lead", "show lead 12", "Show lead #{lead_id}"),
    # Everyday CRM (tools/crm.py, tools/fx.py), learned from their rows in tests/data/agent/.
    Intent("list_invoices", "view_invoices", (), "list invoices", "list invoices", "List the invoices"),
    Intent("list_projects", "view_projects", (), "list projects", "list projects", "List the projects"),
    Intent("set_fx_rate", "set_fx_rate", ("currency", "rate"), "set an exchange rate",
           "set the exchange rate of EUR to 1.08", "Set 1 {currency} = {rate}"),
    Intent("list_fx_rates", "view_fx_rates", (), "show the exchange rates", "exchange rates?",
           "Show the exchange rates"),
    Intent("client_timeline", "view_timeline", LEAD_REF, "show a client's timeline", "timeline of lead 12",
           "Show the timeline of lead #{lead_id}'s client"),
    Intent("log_interaction", "log_interaction", ("lead_id", "summary"), "log a call, meeting, note or e-mail",
           "log a call with lead 12: they want a demo next week", "Log a {kind} with lead #{lead_id}"),
    Intent("assign_owner", "assign_owner", ("lead_id", "owner"), "give a lead an owner",
           "assign lead 12 to <@U012AB3CD>", "Give lead #{lead_id} to <@{owner}>"),
    Intent("edit_lead", "edit_lead", ("lead_id", "changes"), "change a lead's details",
           "lead 12's budget is €15k now", "Change lead #{lead_id}'s details"),
    Intent("edit_client", "edit_client", ("lead_id", "changes"), "change a client's details",
           "the client of lead 12 prefers whatsapp", "Change the details of lead #{lead_id}'s client"),
    Intent("find_leads", "view_leads", (), "find leads", "find leads from LinkedIn in PROPOSAL",
           "Search the leads{query_part}"),
)
BY_TOOL = {i.tool: i for i in INTENTS}
# The tools that only read. Any other changes data, so it is never called on a guess: below the confidence
# threshold the model asks, even when only one reading is likely (tools/offline/parser.py).
READ_ONLY = frozenset({"show_lead", "find_leads", "pipeline_metrics", "revenue_stats", "get_satisfaction",
                       "predict_close", "suggest_next_action", "list_invoices", "list_projects", "list_fx_rates",
                       "client_timeline"})
# An edit must change something: "changes" is missing until the message names a field and its value.
EDIT_FIELDS = {
    "edit_lead": ("requirements", "budget", "currency", "value_estimate", "timeline", "project_type", "notes",
                  "next_action", "next_action_date"),
    "edit_client": ("name", "company", "industry", "country", "timezone", "phone", "preferred_contact", "status",
                    "notes"),
}


def missing(tool: str, args: dict) -> list[str]:
    """The required arguments of `tool` that `args` lacks (an edit lacks "changes" when it changes nothing)."""
    out = []
    for n in BY_TOOL[tool].needs:
        if n == "changes":
            if not any(args.get(f) not in (None, "") for f in EDIT_FIELDS.get(tool, ())):
                out.append(n)
        elif args.get(n) in (None, ""):
            out.append(n)
    return out
DEFAULT_SOURCE = "slack"
HELP = r"^\s*(?:help|\?|what can you do\??|commands|hi|hello|hey)\s*[.!?]*\s*$"

# Sentences.
UNAVAILABLE = ("I understood that you want to {what}, but that isn't available yet in Grace — "
               "it's coming. Meanwhile I can capture, move and find leads, and show the pipeline and revenue.")
REFUSED = "Sorry — with the {role} role you can't {what}. Ask someone with the {roles} role (or an admin) to do it."
MISSING = "I understood that you want to {what}{known}. I still need {missing}. For example: “{example}”."
UNSURE = "I'm not sure which you mean:"
UNSURE_TAIL = "Reply 1 or 2 (or say it another way); I won't change anything until you do."
UNSURE_ONE = ("I'm not sure I understood. Did you mean: {label}? If so, say it plainly, for example “{example}”; "
              "I won't change anything on a guess.")
UNKNOWN = ("I'm not sure what you'd like me to do{known}. Try for example: “{ex1}”, “{ex2}” or “{ex3}”. "
           "Say “help” for more.")
HELP_TEXT = (
    "I can: capture a lead (“new lead: Ada Lovelace ada@example.com from Acme, via LinkedIn, budget $12k”), "
    "show it (“lead 12?”), qualify it (“qualify lead 12”), predict it (“odds lead 12 closes?”), suggest a next step "
    "(“next step for lead 12?”), move it (“move lead 12 to proposal”), mark it lost (“lead 12 went cold”), find leads "
    "(“find leads from LinkedIn”), write a proposal (“draft a proposal for lead 12, budget $15k”), deliver a project "
    "(“deliver project 7”), invoice it (“invoice project 7”), mark an invoice paid (“mark invoice INV-… paid, "
    "reference TRX-1”), send the NPS survey (“send the NPS survey for project 7”), show satisfaction (“how happy "
    "is the client of project 7?”), capture an Upwork post (“new upwork lead: <the post>”), and show the pipeline "
    "(“how's the pipeline?”) or revenue (“revenue this quarter”). "
    "For everyday CRM: a client's history (“timeline of lead 12”), log a call, meeting, note or e-mail (“called "
    "lead 12: they want a demo”), give a lead an owner (“assign lead 12 to @maria”), change a lead or its client "
    "(“lead 12's budget is €15k now”, “the client of lead 12 prefers whatsapp”), list projects or invoices, and "
    "show or set exchange rates (“set the GBP rate to 1.26”). "
    "Refer to the lead we just talked about as “it”."
)
NEEDS_WORDS = {
    "lead_id": "which lead (its number, e.g. “lead 12”)",
    "project_id": "which project (its number, e.g. “project 7”)",
    "stage": "the stage (QUALIFIED, PROPOSAL, NEGOTIATION, CONTRACT, …)",
    "reason": "a reason",
    "name": "the contact's name",
    "email": "their e-mail address",
    "text": "the job post's text after the colon",
    "invoice_number_or_id": "which invoice (its number, e.g. “INV-20260105-ABC234”)",
    "reference": "the payment's reference (e.g. “reference TRX-991”)",
    "owner": "who (their Slack mention, e.g. <@U012AB3CD>)",
    "summary": "what was said or done",
    "changes": "what to change and its new value (e.g. “budget is €15k”, “prefers phone”)",
    "currency": "the currency (its three-letter code, e.g. EUR)",
    "rate": "the rate (e.g. 1.08)",
}

# Replies after a tool ran, by tool: str.format over the tool's result (missing keys print as "?").
REPLIES: dict[str, str] = {
    "capture_lead": "Captured lead #{lead_id}: {client_name}{company_part} ({source}), stage {stage}{budget_part}.",
    "move_lead_stage": "Lead #{lead_id} ({client_name}) moved from {from_stage} to {to_stage}.",
    "mark_lead_lost": "Lead #{lead_id} ({client_name}) is marked lost: {lost_reason}.",
    "show_lead": "Lead #{lead_id}: {client_name}{company_part}, stage {stage}, source {source}{budget_part}.",
    "find_leads": "{found}",
    "pipeline_metrics": "Pipeline: {total_leads} leads, {won} won, {lost} lost, win rate {win_rate_part}; {stuck_part}.",
    "revenue_stats": "Revenue ({period}): invoiced {currency} {invoiced}, paid {currency} {paid}, "
                     "outstanding {currency} {outstanding}.",
    "capture_upwork_post": "{upwork_part} #{lead_id}: {client_name} (upwork), stage {stage}{budget_part}.",
    "qualify_lead": "Lead #{lead_id} ({client_name}) scored {score_part}/100 — {verdict}; stage {stage}. "
                    "{recommendation}",
    "predict_close": "Lead #{lead_id}: {probability_part} chance to close, in about {days_to_close} days "
                     "(confidence {confidence_label}).",
    "suggest_next_action": "Next for lead #{lead_id}: {action} (by {due_part}) — {reason}.",
    "generate_proposal": "Proposal #{proposal_id} v{version} for lead #{lead_id}: {currency} {price} for {hours} hours, "
                         "about {weeks} weeks ({fit_part}); project #{project_id} is planned. {link}",
    "deliver_project": "{delivery_part}",
    "collect_payment": "{again_part}Invoice {invoice_number} for project #{project_id}: {currency} {amount}, "
                       "due {due_part}. Payment link: {link_part}",
    "mark_invoice_paid": "Invoice {invoice_number} is marked paid (reference {transaction_id}).",
    "send_nps_survey": "NPS survey sent for project #{project_id}{emailed_part}: {link} (open until {expires_part}).",
    "get_satisfaction": "Project #{project_id}: {nps_part}; agency NPS {agency_part}. {advice_part}",
    "list_invoices": "{total} invoice(s).",
    "list_projects": "{total} project(s).",
    "set_fx_rate": "1 {currency} = {rate} {base} from {as_of}.",
    "list_fx_rates": "Exchange rates against {base} are listed.",
    "client_timeline": "{total} event(s) in the client's timeline.",
    "log_interaction": "Logged a {kind} with client #{client_id} (sentiment {sentiment}).",
    "assign_owner": "The {subject} #{id} is now owned by {owner}.",
    "edit_lead": "Lead #{id} updated.",
    "edit_client": "Client #{id} updated.",
}
GENERIC_REPLY = "Done ({tool})."
CANCELLED = "Cancelled — nothing was changed."
# What the confirmation question says, by tool.
CONFIRMS: dict[str, str] = {
    "mark_lead_lost": "Mark lead #{lead_id} as lost (reason: {reason})?",
    "deliver_project": "Deliver project #{project_id}? This starts the build and tells the client.",
    "collect_payment": "Invoice project #{project_id}? The client gets an invoice.",
    "send_nps_survey": "Send the NPS survey for project #{project_id} to the client?",
    "mark_invoice_paid": "Mark invoice {invoice_number_or_id} as paid (reference {reference})?",
    "set_fx_rate": "Set 1 {currency} = {rate} in the agency's currency?",
}
GENERIC_CONFIRM = "Run {tool} with {args}?"
