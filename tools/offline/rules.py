"""Every rule of the offline parser, as data: intents and their synonyms, sources,
stages, pronouns, periods, project types, and the sentences it answers with.

Patterns are regular expressions matched case-insensitively against the message.
Intents are tried in order; the first whose trigger matches (and whose required
reference is present) wins. To teach the parser a new phrasing, add it here and a
case to tests/tools/test_offline_parser.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Intent:
    tool: str
    action: str  # governance action, for a polite refusal before anything runs
    triggers: tuple[str, ...]
    needs: tuple[str, ...] = ()  # lead_id, project_id, stage, reason, name, email
    what: str = ""  # "what I understood", in words
    example: str = ""
    needs_ref: bool = False  # the trigger counts only with a lead/project id or a pronoun


LEAD_REF = ("lead_id",)
# Phrases that say why a lead was lost; each is also a way of saying "mark it lost".
LOST_REASONS = (r"\b(?:went|gone|has gone) cold\b", r"\bnot interested\b", r"\bpassed on us\b",
                r"\bchose (?:another|a different)\b", r"\bwent with (?:another|a different|someone else)\b",
                r"\bno (?:budget|money)\b", r"\bghosted\b")
PROJECT_REF = ("project_id",)

INTENTS: tuple[Intent, ...] = (
    # A pasted Upwork job post: everything after the trigger (newlines kept) is the post.
    Intent("capture_upwork_post", "capture_lead",
           (r"^\s*(?:new\s+)?upwork\s*(?:lead|job|post|job post|gig)?\s*:", r"\bnew upwork (?:lead|job|post|job post)\b",
            r"\b(?:capture|add|log|record)\b(?: this| the| a)? upwork (?:job|post|job post|lead)\b"),
           ("text",), "record a lead from an Upwork job post",
           "new upwork lead: <paste the job post here>"),
    Intent("capture_lead", "capture_lead",
           (r"\bnew (?:lead|prospect|client|inquiry|enquiry)\b", r"\b(?:add|capture|log|create|record|register|enter)\b"
            r"(?: a| the| this)?(?: new)? (?:lead|prospect|contact|inquiry|enquiry)\b", r"^\s*(?:capture|lead)\s*:"),
           ("name", "email"), "record a new lead",
           "new lead: Ada Lovelace ada@example.com from Acme Ltd, came through LinkedIn, budget $12k"),
    Intent("mark_lead_lost", "mark_lost",
           (r"\b(?:mark|set|flag|close)\b.*\blost\b", r"\blost\b", r"\bdead\b", r"\bdrop(?:ped)?\b",
            *LOST_REASONS),
           ("lead_id", "reason"), "mark a lead as lost", "mark lead 12 lost: went with another agency",
           needs_ref=True),
    # Everyday CRM (tools/crm.py, tools/fx.py): the parser finds the lead; the rest the tool asks for.
    Intent("list_invoices", "view_invoices",
           (r"\b(?:list|show|all|which|any)\b.*\binvoices\b", r"\boverdue invoices\b", r"^\s*invoices\s*\??\s*$"),
           (), "list invoices", "list invoices"),
    Intent("list_projects", "view_projects",
           (r"\b(?:list|show|all|which|any)\b.*\bprojects\b", r"^\s*projects\s*\??\s*$"),
           (), "list projects", "list projects"),
    Intent("set_fx_rate", "set_fx_rate",
           (r"\b(?:set|update|change)\b.*\b(?:fx|exchange) rate\b",), (), "set an exchange rate",
           "set the exchange rate of EUR to 1.08"),
    Intent("list_fx_rates", "view_fx_rates",
           (r"\b(?:fx|exchange) rates?\b",), (), "show the exchange rates", "exchange rates?"),
    Intent("client_timeline", "view_timeline",
           (r"\btimeline\b", r"\bhistory\b"), LEAD_REF, "show a client's timeline", "timeline of lead 12",
           needs_ref=True),
    Intent("log_interaction", "log_interaction",
           (r"\blog (?:a |an |the )?(?:call|meeting|note|e-?mail)\b",), LEAD_REF, "log a call, meeting, note or e-mail",
           "log a call with lead 12", needs_ref=True),
    Intent("assign_owner", "assign_owner",
           (r"\bassign\b", r"\bowner\b"), LEAD_REF, "give a lead an owner", "assign lead 12 to <@U012AB3CD>",
           needs_ref=True),
    Intent("edit_lead", "edit_lead",
           (r"\b(?:edit|update)\b.*\blead\b",), LEAD_REF, "change a lead's details", "update lead 12", needs_ref=True),
    Intent("edit_client", "edit_client",
           (r"\b(?:edit|update)\b.*\bclient\b",), LEAD_REF, "change a client's details", "update the client of lead 12",
           needs_ref=True),
    Intent("mark_invoice_paid", "mark_invoice_paid",
           (r"\binvoice\b.*\bpaid\b", r"\bpaid\b.*\binvoice\b", r"\bINV-[\w-]+\b.*\b(?:paid|settled|received)\b",
            r"\b(?:payment|transfer|money) (?:received|arrived|came in)\b.*\binvoice\b"),
           ("invoice_number_or_id", "reference"), "mark an invoice paid",
           "mark invoice INV-20260105-ABC234 paid, reference TRX-991"),
    Intent("collect_payment", "collect_payment",
           (r"\binvoice\b", r"\bbill(?:ing)?\b", r"\bcharge\b", r"\bcollect(?: the)? payment\b",
            r"\bget paid\b", r"\brequest payment\b"),
           PROJECT_REF, "invoice a project (a milestone, or the balance)", "invoice milestone 1 of project 7"),
    Intent("deliver_project", "deliver_project",
           (r"\bdeliver\b", r"\bship\b", r"\b(?:start|kick off|run)(?: the)? build\b"),
           PROJECT_REF, "deliver a project", "deliver project 7"),
    Intent("get_satisfaction", "track_client_satisfaction",
           (r"\bsatisf(?:action|ied)\b", r"\bhow happy\b", r"\bnps (?:score|results?)\b"),
           PROJECT_REF, "show a client's satisfaction", "how satisfied is project 7's client?"),
    Intent("send_nps_survey", "send_nps_survey",
           (r"\bnps\b", r"\bsurvey\b", r"\bask (?:for )?feedback\b", r"\bfeedback (?:form|request)\b"),
           PROJECT_REF, "send an NPS survey", "send the NPS survey for project 7"),
    Intent("generate_proposal", "generate_proposal",
           (r"\b(?:write|draft|generate|create|make|prepare|send|need|want)\b.*\b(?:proposal|quote|sow|estimate)\b",
            r"\bpropose\b", r"\bpitch\b", r"^\s*(?:proposal|quote) for\b"),
           LEAD_REF, "write a proposal for a lead", "draft a proposal for lead 12, budget $15k", needs_ref=False),
    Intent("predict_close", "predict_close_rate",
           (r"\bpredict\b", r"\bchances?\b", r"\blikel(?:y|ihood)\b", r"\bprobabilit", r"\bodds\b",
            r"\bwill (?:it|they|he|she|lead \S+) close\b"),
           LEAD_REF, "predict whether a lead will close", "what are the odds lead 12 closes?"),
    Intent("suggest_next_action", "suggest_next_action",
           (r"\bnext (?:step|action|move)\b", r"\bwhat should (?:i|we) do\b", r"\bsuggest\b", r"\brecommend\b",
            r"\bhow (?:do|should) (?:i|we) (?:proceed|follow up)\b"),
           LEAD_REF, "suggest the next action for a lead", "what's the next step for lead 12?"),
    Intent("move_lead_stage", "move_to_stage",
           (r"\b(?:move|advance|push|bump|progress|promote|set|put|change|mark)\b", r"\bnow (?:in|at)\b",
            r"\bto (?:the )?(?:stage )?(?:qualified|proposal|negotiation|contract|active|delivered|paid|repeat)\b",
            r"\bis (?:now )?(?:qualified|negotiating|signed|active|delivered|paid)\b", r"\bsigned\b",
            r"\b(?:we )?won\b"),
           ("lead_id", "stage"), "move a lead to another stage", "move lead 12 to proposal", needs_ref=True),
    Intent("qualify_lead", "qualify_lead",
           (r"\bqualify\b", r"\b(?:score|rate|assess|evaluate|vet|grade)\b (?:it|this|that|them|him|her|lead|#)",
            r"\bis (?:it|this|lead \S+) (?:any )?good\b"),
           LEAD_REF, "score and qualify a lead", "qualify lead 12"),
    Intent("revenue_stats", "get_revenue_stats",
           (r"\brevenue\b", r"\bincome\b", r"\bearn(?:ed|ings)?\b", r"\bturnover\b", r"\bhow much (?:have )?we (?:made|billed)\b",
            r"\boutstanding\b", r"\bcash\b"),
           (), "show revenue", "revenue this quarter"),
    Intent("pipeline_metrics", "get_pipeline_metrics",
           (r"\bpipeline\b", r"\bfunnel\b", r"\bconversion\b", r"\bwin rate\b", r"\bstuck\b", r"\bmetrics\b",
            r"\bhow are we doing\b", r"\bstats\b", r"\boverview\b"),
           (), "show the pipeline", "how's the pipeline?"),
    Intent("show_lead", "view_leads",
           (r"\b(?:show|status|details?|info|about|what'?s up with|how is|where is|tell me about|look ?up|open)\b",
            r"^\s*(?:lead\s*)?#?\d+\s*\??\s*$"),
           LEAD_REF, "see a lead", "show lead 12", needs_ref=True),
    Intent("find_leads", "view_leads",
           (r"\bfind\b", r"\bsearch\b", r"\blook ?up\b", r"\bshow\b", r"\blist\b", r"\bwho\b", r"\bwhich\b",
            r"\bany leads?\b", r"\bleads (?:from|in|at)\b"),
           (), "find leads", "find leads from LinkedIn in PROPOSAL"),
)

# A message with an e-mail and a name but no other intent is a new lead.
CAPTURE_FALLBACK = "capture_lead"
HELP = (r"^\s*(?:help|\?|what can you do\??|commands|hi|hello|hey)\s*[.!?]*\s*$",)

# An invoice by number ("INV-20260105-ABC234") or id ("invoice #12"), and a payment's reference.
INVOICE_NUMBER = r"\b(INV-[A-Z0-9]+(?:-[A-Z0-9]+)*)\b"
INVOICE_ID = r"\binvoice\s*(?:#|no\.?\s*|number\s*|id\s*)?\s*(\d+)\b"
PAYMENT_REFERENCE = (r"\b(?:ref(?:erence)?|txn|transaction(?: id)?|transfer id)\b\s*(?:is|was|:|#|no\.?|=)?\s*"
                     r"([A-Za-z0-9][\w/.-]*[A-Za-z0-9]|[A-Za-z0-9])")

MILESTONE = r"\bmilestone\s*(?:#|no\.?\s*|number\s*)?\s*(\d+)\b"

# Where a lead came from, in plain words -> LeadSource value. First match wins.
SOURCES: tuple[tuple[str, str], ...] = (
    (r"\blinked ?in\b", "linkedin"),
    (r"\bupwork\b", "upwork"),
    (r"\bcold (?:e-?mail|outreach|call)\b|\bout of the blue\b", "cold_email"),
    (r"\breferr(?:al|ed)\b|\brecommended by\b|\bintro(?:duction|duced)? (?:from|by)\b|\bword of mouth\b", "referral"),
    (r"\bweb ?(?:site|form)\b|\bcontact form\b|\bsite form\b|\blanding page\b|\bthrough (?:the|our) site\b", "website"),
    (r"\bimport(?:ed)?\b|\bcsv\b", "import"),
)
# Who referred them: "a referral from Tom", "referred by Jane Doe".
REFERRER = r"(?:referral from|referred by|recommended by|intro(?:duction|duced)? (?:from|by))\s+([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)"
DEFAULT_SOURCE = "slack"

# Stage names and what people call them.
STAGES: dict[str, tuple[str, ...]] = {
    "QUALIFIED": ("qualified",),
    "PROPOSAL": ("proposal", "proposal stage", "proposal sent"),
    "NEGOTIATION": ("negotiation", "negotiating", "negotiations"),
    "CONTRACT": ("contract", "signed", "contract signed", "closed won", "won"),
    "ACTIVE": ("active", "in progress", "kicked off"),
    "DELIVERED": ("delivered", "done", "shipped"),
    "PAID": ("paid",),
    "REPEAT": ("repeat", "repeat client", "returning"),
    "LEAD": ("lead stage", "back to lead", "new lead stage", "reopen", "reopened"),
}

# Words that point back at the lead or project last mentioned in the thread.
PRONOUNS = r"\b(?:it|its|this one|that one|this lead|that lead|the lead|them|they|him|her|this project|that project|the project|same one)\b"

PERIODS: dict[str, tuple[str, ...]] = {
    "month": ("this month", "last month", "month", "monthly", "mtd"),
    "quarter": ("this quarter", "last quarter", "quarter", "q1", "q2", "q3", "q4", "qtd"),
    "year": ("this year", "last year", "year", "ytd", "annual"),
    "all": ("all time", "ever", "total", "overall"),
}

PROJECT_TYPES: dict[str, tuple[str, ...]] = {
    "chatbot": ("chatbot", "chat bot", "assistant", "support bot"),
    "website": ("website", "web site", "landing page", "web app"),
    "mobile app": ("mobile app", "ios app", "android app", "app for phones"),
    "data pipeline": ("data pipeline", "etl", "data warehouse"),
    "dashboard": ("dashboard", "reporting", "analytics"),
    "automation": ("automation", "workflow", "integration"),
}

# Phrases that introduce the client's requirements and timeline.
REQUIREMENTS = r"\b(?:wants?|needs?|looking for|interested in|asking for|requirements?:|to build|would like)\s+(?:a |an |to )?(.+?)(?=(?:[,;.]\s|\bbudget\b|\btimeline\b|\bby\b|\bwithin\b|\bin \d|$))"
TIMELINE = r"\b((?:in|within) \d+\s*(?:days?|weeks?|months?)|by (?:the )?(?:end of )?[A-Z][a-z]+(?: \d{1,2})?|asap|next (?:week|month|quarter))\b"
REASON = r"(?:\bbecause\b|\breason:?|\bdue to\b|\bsince\b|:|—|\s-\s)\s*(.+)$"

# Capitalised words that are never part of a person's or company's name.
NOT_NAMES = frozenset("""
new lead leads add capture log create record please hi hey hello grace can you the a an and from at of with for
linkedin upwork website slack email e-mail cold referral budget usd eur gbp monday tuesday wednesday thursday friday
saturday sunday january february march april may june july august september october november december asap
move mark qualify score rate find show list search project proposal contract invoice deliver send he she they it
this that is are was came through via wants needs looking interested client contact company industry timeline
met spoke talked got just had received heard call called named name email our we i
""".split())
COMPANY_SUFFIXES = r"(?:Inc|Ltd|LLC|GmbH|Corp|Co|SA|BV|AG|Limited|Group|Labs|Studio|Studios|Partners|Holdings|Technologies|Systems)\.?"

# Sentences.
UNAVAILABLE = ("I understood that you want to {what}, but that isn't available yet in Grace — "
               "it's coming. Meanwhile I can capture, move and find leads, and show the pipeline and revenue.")
REFUSED = "Sorry — with the {role} role you can't {what}. Ask someone with the {roles} role (or an admin) to do it."
MISSING = "I understood that you want to {what}{known}. I still need {missing}. For example: “{example}”."
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
