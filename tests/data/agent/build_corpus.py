"""Build the agent's corpus: how team members ask Grace for things in Slack, labelled.

Writes `train.jsonl` (the model learns from it) and `held_out.jsonl` (a fifth, never tuned on: only its
score is read). Each line: {"text", "tool" (or null: no tool), "args" (the key arguments), "origin"}.

Two origins: messages generated from templates (the held-out part uses template families and slot values
that training never sees), and hand-written messages (`handwritten_train.txt`, `handwritten_held_out.txt`).
Deterministic: run it twice, get the same files.  `python tests/data/agent/build_corpus.py`
"""

from __future__ import annotations

import json
import random
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SEED = 20261202

NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def in_words(n: int) -> str:
    if n < 20:
        return NUMBER_WORDS[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else "-" + NUMBER_WORDS[n % 10])
    rest = n % 100
    return NUMBER_WORDS[n // 100] + " hundred" + ("" if rest == 0 else " and " + in_words(rest))


class Pools:
    """Slot values; the held-out part draws from its own names, companies and references."""

    def __init__(self, held_out: bool) -> None:
        if held_out:
            self.names = ["Nadia Petrova", "Tomás Ortega", "Hiroshi Sato", "Amara Okafor", "Ellen Lindqvist",
                          "Rahul Mehta", "Claire Dubois", "Diego Ramírez", "Wei Zhang", "Fiona MacLeod",
                          "Kofi Boateng", "Marta Nowicka", "Omar Haddad", "Lucia Bianchi"]
            self.companies = ["Redwood Dental", "Quartz Logistics BV", "Maple Leaf Insurance", "Helios Solar",
                              "Bright Path Tutoring", "Nimbus Systems", "Copperline Brewing", "Vela Robotics Inc",
                              "Greenfield Farms", "Lumen Optics GmbH"]
        else:
            self.names = ["Ada Lovelace", "Priya Nair", "Jean Moreau", "Olamide Adeyemi", "Mei Chen", "José García",
                          "Zoe Müller", "Tomasz Nowak", "Aiko Tanaka", "Fatima Zahra", "Liam O'Connor", "Ingrid Berg",
                          "Carlos Mendes", "Hannah Schmidt", "Ravi Kumar", "Emma Laurent", "Kwame Mensah",
                          "Sofia Rossi", "Yusuf Demir", "Anna Kowalska", "Mateo Silva", "Ben Adler", "Sara Lind"]
            self.companies = ["Acme Ltd", "Northwind", "Globex Corp", "Initech", "Blue Harbor Labs", "Kite & Co",
                              "Fernway GmbH", "Umbrella Health", "Sunbeam Bakery", "Polar Freight",
                              "Orbit Analytics", "Tandem Studio", "Pinecrest Realty", "Atlas Movers LLC"]

    @staticmethod
    def email(name: str, company: str, rng: random.Random) -> str:
        first, last = (name.lower().replace("'", "").split() + ["x"])[:2]
        table = str.maketrans("áéíóúüöäñçł", "aeiouuoancl")
        first, last = first.translate(table), last.translate(table)
        domain = re.sub(r"[^a-z]", "", company.lower().split()[0]) or "mail"
        local = rng.choice([f"{first}", f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}"])
        tld = rng.choice(["com", "io", "co.uk", "de", "net"])
        return f"{local}@{domain}.{tld}"


def lead_ref(n: int, rng: random.Random, held_out: bool) -> str:
    forms = (["lead {n}", "lead #{n}", "#{n}", "lead {w}", "Lead {n}", "lead no. {n}", "lead number {n}"]
             if not held_out else ["lead #{n}", "#{n}", "lead {w}", "lead nr {n}", "LEAD {n}", "lead {n}"])
    return rng.choice(forms).format(n=n, w=in_words(n))


def project_ref(n: int, rng: random.Random, held_out: bool) -> str:
    forms = (["project {n}", "project #{n}", "#{n}", "project {w}", "Project {n}", "proj {n}"]
             if not held_out else ["project #{n}", "#{n}", "project {w}", "proj. {n}", "project {n}"])
    return rng.choice(forms).format(n=n, w=in_words(n))


SOURCE_PHRASES = {
    False: {
        "linkedin": ["on LinkedIn", "via linkedin", "found us on LinkedIn", "through a LinkedIn message", "LI dm"],
        "website": ["through the website", "via the contact form", "filled in the web form", "website form",
                    "came in through our site"],
        "referral": ["referred by Tom Baker", "a referral from Jane", "intro from Mike", "recommended by Sara"],
        "cold_email": ["cold email", "emailed us cold", "sent us a cold email", "cold outreach by email"],
        "upwork": ["on upwork", "from Upwork"],
        "slack": ["", ""],
    },
    True: {
        "linkedin": ["messaged us on linkedin", "linkedin inbound", "via LinkedIn"],
        "website": ["submitted the website form", "web form submission", "via our site"],
        "referral": ["referral from Omar", "introduced by a friend", "word of mouth"],
        "cold_email": ["cold emailed us", "wrote to us out of the blue", "cold email"],
        "upwork": ["found on upwork"],
        "slack": [""],
    },
}
STAGE_PHRASES = {
    "QUALIFIED": ["qualified", "Qualified"], "PROPOSAL": ["proposal", "the proposal stage", "PROPOSAL"],
    "NEGOTIATION": ["negotiation", "negotiating"], "CONTRACT": ["contract", "CONTRACT"],
    "ACTIVE": ["active"], "DELIVERED": ["delivered"], "PAID": ["paid"], "REPEAT": ["repeat"],
}
AMOUNTS = {False: ["$6,000", "$12k", "15000 EUR", "€8.500", "USD 20000", "£4k", "$40k", "9,500", "$7.5k", "25k"],
           True: ["$18,000", "€30k", "GBP 9000", "$3.2k", "11,000", "$55k"]}
PERIODS = {False: {"month": ["this month", "for the month", "MTD", "month to date"],
                   "quarter": ["this quarter", "for the quarter", "QTD", "Q3"],
                   "year": ["this year", "YTD", "for the year"], "all": ["all time", "overall", "in total"]},
           True: {"month": ["so far this month", "monthly"], "quarter": ["this qtr", "the last quarter"],
                  "year": ["year to date", "annual"], "all": ["since we started", "ever"]}}
REASONS = {False: ["went with another agency", "no budget", "not interested anymore", "ghosted us",
                   "chose a freelancer", "project cancelled", "too expensive for them"],
           True: ["they hired in-house", "budget frozen until next year", "never answered our follow-ups",
                  "picked a cheaper vendor"]}
QUERIES = {False: ["Acme", "Northwind", "Priya", "fintech", "chatbot", "Globex"],
           True: ["Helios", "dental", "Okafor", "Vela Robotics"]}
INVOICE_NUMBERS = {False: ["INV-20260105-ABC234", "INV-20261101-X7Q2", "INV-20260930-KP01"],
                   True: ["INV-20261115-ZZ90", "INV-20260228-M3N4"]}
REFERENCES = {False: ["TRX-991", "BT-2231", "SEPA-4471", "88123"], True: ["WIRE-5521", "TX-0042"]}


class Slots:
    """Fills one template: returns the text and the labels the fill implies."""

    def __init__(self, rng: random.Random, held_out: bool) -> None:
        self.rng, self.held_out, self.pools = rng, held_out, Pools(held_out)

    def fill(self, template: str) -> tuple[str, dict[str, Any]]:
        rng, h = self.rng, self.held_out
        args: dict[str, Any] = {}
        name = rng.choice(self.pools.names)
        company = rng.choice(self.pools.companies)
        values: dict[str, str] = {}

        def sub(m: re.Match[str]) -> str:
            key = m.group(1)
            if key == "L":
                n = rng.choice([rng.randint(1, 99), rng.randint(1, 30), rng.randint(100, 999)])
                args["lead_id"] = n
                return lead_ref(n, rng, h)
            if key == "P":
                n = rng.choice([rng.randint(1, 60), rng.randint(1, 15)])
                args["project_id"] = n
                return project_ref(n, rng, h)
            if key == "N":  # a bare number the template words as lead/project itself
                n = rng.randint(1, 120)
                args["_n"] = n
                return str(n)
            if key == "name":
                args["name"] = name
                return name if rng.random() > 0.2 else name.lower()
            if key == "first":
                return name.split()[0]
            if key == "email":
                e = values.setdefault("email", Pools.email(name, company, rng))
                args["email"] = e
                return e
            if key == "company":
                args["company"] = company
                return company
            if key == "cq":  # a company as a search query
                args["query"] = company
                return company
            if key == "q":
                q = rng.choice(QUERIES[h])
                args["query"] = q
                return q
            if key == "src":
                source = rng.choice(sorted(SOURCE_PHRASES[h]))
                phrase = rng.choice(SOURCE_PHRASES[h][source])
                args["source"] = source
                return phrase
            if key.startswith("set:"):  # a label the template's own words imply ("{set:source=website}")
                k, _, v = key[4:].partition("=")
                args[k] = v
                return ""
            if key.startswith("src:"):
                source = key[4:]
                args["source"] = source
                return rng.choice([p for p in SOURCE_PHRASES[h][source] if p] or [source])
            if key == "stage":
                stage = rng.choice(sorted(STAGE_PHRASES))
                args["stage"] = stage
                return rng.choice(STAGE_PHRASES[stage])
            if key == "amt":
                a = rng.choice(AMOUNTS[h])
                args["budget"] = a
                return a
            if key == "period":
                p = rng.choice(sorted(PERIODS[h]))
                args["period"] = p
                return rng.choice(PERIODS[h][p])
            if key == "reason":
                r = rng.choice(REASONS[h])
                args["reason"] = r
                return r
            if key == "inv":
                i = rng.choice(INVOICE_NUMBERS[h])
                args["invoice_number_or_id"] = i
                return i
            if key == "ref":
                r = rng.choice(REFERENCES[h])
                args["reference"] = r
                return r
            if key == "ms":
                n = rng.randint(1, 4)
                args["milestone"] = n
                return str(n)
            raise KeyError(key)

        text = re.sub(r"\{([a-z:_A-Z=]+)\}", sub, template)
        text = re.sub(r"\s+([,.])", r"\1", re.sub(r"[ ]{2,}", " ", text)).strip()
        return text, args


# ---- templates: (tool, [train templates], [held-out-only templates]) -----------------------------------------
T = tuple[str | None, list[str], list[str]]
TEMPLATES: list[T] = [
    ("qualify_lead",
     ["{L} - worth pursuing?", "is {L} hot or not", "how strong is {L}", "grade {L} for me please", "do a qualification of {L}", "rate how good {L} is", "run the lead score for {L}", "is {L} a serious prospect", "{L}: qualify", "could you assess whether {L} is a fit", "what's the quality of {L}", "please you check the lead {L} is good?",
      "qualify {L}", "please qualify {L}", "can you qualify {L}?", "score {L}", "run the scoring on {L}",
      "is {L} any good?", "how good is {L}", "rate {L} for me", "give {L} a score", "assess {L}",
      "what score does {L} get", "run qualification for {L}", "vet {L} please", "qualify {L} pls",
      "how promising is {L}?", "is {L} worth our time?", "evaluate {L}", "check if {L} qualifies"],
     ["please run the qualification on {L}", "how hot is {L}", "{L} - qualify", "is {L} a good fit for us?",
      "grade {L}", "do the lead scoring for {L}", "how strong a lead is {L}?"]),
    ("predict_close",
     ["{L} - will they sign?", "chance we win {L}?", "how probable is it that {L} closes", "predict the close date for {L}", "when is {L} likely to close", "does {L} look like it'll convert", "win probability for {L}", "estimate the odds on {L}", "is {L} gonna close this month", "what do you think, will {L} sign",
      "what are the odds {L} closes?", "will {L} close?", "predict {L}", "chances of {L} closing",
      "how likely is {L} to sign", "forecast {L}", "when will {L} close?", "probability {L} converts",
      "is {L} going to close", "close prediction for {L}", "likelihood {L} signs with us"],
     ["do you think {L} will sign", "what's the win probability on {L}", "{L} closing chances?",
      "is {L} likely to convert", "how soon could {L} close"]),
    ("suggest_next_action",
     ["what's the best next step with {L}", "any advice on {L}?", "how can we get {L} to sign", "{L} has gone quiet, ideas?", "what should our next move be on {L}", "give me a next action for {L}", "how do I unstick {L}", "suggest how to follow up {L}", "what to do now for {L}", "{L} is stalling, tips?",
      "what's the next step for {L}?", "what should we do with {L}", "next action for {L}",
      "suggest something for {L}", "how do we move {L} forward", "what now with {L}?",
      "any tips to push {L} forward?", "recommend a next step for {L}", "how should I follow up on {L}",
      "what do I do next on {L}"],
     ["ideas for {L}?", "how can we get {L} over the line", "{L} is stalling, what do we do",
      "advice on {L}?", "what's the best move with {L}"]),
    ("show_lead",
     ["{L} please", "can you pull {L}", "details for {L}?", "what do we have on {L}", "let me see {L}", "info about {L}", "{L} status?", "remind me who {L} is", "quick look at {L}",
      "show {L}", "show me {L}", "{L}?", "details of {L}", "what's up with {L}", "tell me about {L}",
      "info on {L}", "pull up {L}", "open {L}", "status of {L}", "where is {L} at?", "look up {L}"],
     ["what do we know about {L}", "give me the card for {L}", "{L} details pls", "who is {L}?",
      "can I see {L}"]),
    ("move_lead_stage",
     ["{L} moved to {stage}", "update stage of {L} to {stage}", "{L} stage: {stage}", "please change the stage of {L} in {stage}", "{L} is in {stage} now", "progress {L} to {stage}", "can you set the stage for {L} to {stage}", "{L} now at {stage}", "switch {L} to {stage}",
      "move {L} to {stage}", "set {L} to {stage}", "{L} is now in {stage}", "advance {L} to {stage}",
      "put {L} in {stage}", "change {L} stage to {stage}", "mark {L} as {stage}", "bump {L} to {stage}",
      "please move {L} into {stage}", "{L} -> {stage}", "push {L} to {stage}"],
     ["{L} should be in {stage} now", "update {L}: stage {stage}", "{L} goes to {stage}",
      "shift {L} over to {stage}", "we're at {stage} with {L}"]),
    ("mark_lead_lost",
     ["{L} said no - {reason}", "{L} declined, {reason}", "unfortunately we lost {L}: {reason}", "{L} is gone: {reason}", "cancel {L}, {reason}", "{L} passed on us, {reason}", "mark {L} as lost because {reason}", "{L} rejected us - {reason}", "bin {L}, {reason}",
      "mark {L} lost: {reason}", "{L} is lost, {reason}", "{L} is dead, {reason}", "close {L} as lost - {reason}",
      "we lost {L} because {reason}", "drop {L}, {reason}", "{L} went cold, {reason}",
      "set {L} to lost, reason: {reason}", "{L} lost ({reason})", "kill {L}, {reason}"],
     ["{L} is a no-go: {reason}", "{L} fell through - {reason}", "scrap {L}, {reason}",
      "{L} is dead, {reason}", "write off {L}: {reason}"]),
    ("find_leads",
     ["any leads mentioning {q}?", "find all leads in {stage}", "search the pipeline for {q}", "look for {q}", "who's in {stage}?", "list leads with {q}", "show me every lead from {cq}", "do we have leads from {src:referral}", "leads in {stage} please", "anyone from {cq}?", "find me leads about {q}", "list the {src:linkedin} leads in {stage}",
      "find leads from {cq}", "search leads for {q}", "any leads from {cq}?", "find {q}",
      "list leads in {stage}", "which leads are in {stage}", "show leads from {src:linkedin}",
      "leads from {src:website}", "find leads matching {q}", "who do we have from {cq}",
      "list all {src:upwork} leads", "search for {q}"],
     ["do we have anyone from {cq}", "look for leads mentioning {q}", "leads at {stage} stage?",
      "any {src:referral} leads?", "pull all leads in {stage}", "is {cq} in the pipeline already?"]),
    ("generate_proposal",
     ["write the offer for {L}", "draft an estimate for {L}, they have {amt}", "prepare a quote for {L} with budget {amt}", "we need to send {L} a proposal", "can you price {L}", "make an offer to {L}, budget {amt}", "sow for {L}", "proposal please for {L}, they can pay {amt}", "new proposal version for {L}", "quote for {L} around {amt}",
      "draft a proposal for {L}", "write a proposal for {L}, budget {amt}", "proposal for {L}",
      "make a quote for {L}", "put together a quote for {L}, they can spend {amt}", "send a proposal to {L}",
      "prepare the proposal for {L}", "generate a proposal for {L} with a budget of {amt}",
      "quote {L}", "create an estimate for {L}", "we need a proposal for {L}, budget is {amt}"],
     ["pitch {L}, budget around {amt}", "can you do the SOW for {L}", "price up {L}, they have {amt}",
      "proposal time for {L}", "get {L} an offer, max {amt}"]),
    ("deliver_project",
     ["start work on {P}", "kick off {P}", "let's start {P}", "{P} can go, start the build", "launch {P}", "begin delivery of {P}", "go ahead and build {P}", "start the delivery on {P}", "get {P} started", "fire off the build for {P}",
      "deliver {P}", "ship {P}", "start the build for {P}", "kick off delivery for {P}", "start building {P}",
      "let's get {P} going", "run the build on {P}", "begin {P}", "deliver {P} please", "start {P}",
      "launch the build of {P}"],
     ["{P} is ready to start, go", "fire up {P}", "get work started on {P}", "green light {P}",
      "kick {P} off"]),
    ("collect_payment",
     ["invoice the {P} client", "send a bill for {P}", "bill milestone {ms} for {P}", "create an invoice for {P}", "charge the client for {P}", "{P}: invoice milestone {ms}", "time to bill {P}", "request the payment for {P}", "invoice the rest of {P}",
      "invoice {P}", "bill {P}", "send the invoice for {P}", "invoice milestone {ms} of {P}",
      "charge {P} for milestone {ms}", "collect payment for {P}", "request payment on {P}",
      "bill the client of {P}", "we need to get paid for {P}", "raise an invoice for {P}"],
     ["time to invoice {P}", "send {P}'s client a bill for milestone {ms}", "invoice {P} balance",
      "get the money for {P}", "payment request for {P}"]),
    ("mark_invoice_paid",
     ["{inv} was settled, ref {ref}", "received payment for {inv}, ref {ref}", "bank transfer arrived for {inv} (reference {ref})", "{inv}: paid, txn {ref}", "please mark {inv} as paid, the reference is {ref}",
      "mark invoice {inv} paid, reference {ref}", "{inv} is paid, ref {ref}", "invoice {inv} was paid (ref {ref})",
      "payment received for {inv}, reference {ref}", "set {inv} as paid, transaction {ref}",
      "{inv} paid by bank transfer, ref {ref}"],
     ["money arrived for {inv} - ref {ref}", "{inv} settled, reference {ref}", "got the transfer for {inv}, ref {ref}"]),
    ("send_nps_survey",
     ["send the survey to {P}", "get an nps from the client of {P}", "ask {P}'s client to rate us", "request feedback for {P}", "please send nps survey to client of {P}", "{P} is done, send them the survey", "collect feedback on {P}",
      "send the NPS survey for {P}", "send a survey to {P}'s client", "ask for feedback on {P}",
      "ask {P}'s client for feedback", "nps survey for {P}", "survey the client of {P}",
      "send feedback form to {P}", "can you send the satisfaction survey for {P}"],
     ["get feedback from the {P} client", "ping {P}'s client for a rating", "request a review for {P}",
      "send the nps to {P}"]),
    ("get_satisfaction",
     ["what score did {P} give", "how satisfied was {P}'s client", "show the nps of {P}", "{P} survey results", "did the {P} client answer the survey", "what rating did {P}'s client give us", "how happy are they on {P}", "client satisfaction {P}?", "how did we do on {P}",
      "how happy is the client of {P}?", "is {P}'s client satisfied?", "nps results for {P}", "what did {P} score",
      "satisfaction for {P}", "what's the NPS for {P}", "how did {P}'s client rate us", "nps score of {P}?",
      "did {P}'s client like it?"],
     ["what was the NPS result on {P}", "how did the survey for {P} come back", "{P} feedback results?",
      "is the {P} client happy with us", "what rating did we get for {P}"]),
    ("pipeline_metrics",
     ["show me the pipeline", "pipeline numbers", "leads by stage", "what's the conversion rate", "how many leads do we have in each stage", "funnel overview please", "what's stuck", "sales pipeline summary", "how many open deals", "our win rate?",
      "how's the pipeline?", "pipeline", "show the funnel", "conversion rates", "what's our win rate",
      "any stuck leads?", "pipeline metrics pls", "how many leads are in each stage", "how are we doing",
      "stats on the pipeline", "pipeline overview"],
     ["how many deals are open", "breakdown of leads by stage", "where are the leads piling up",
      "what does the sales funnel look like", "count of leads per stage?"]),
    ("revenue_stats",
     ["what's the revenue {period}", "how much cash came in {period}", "revenue report {period}", "billed vs paid {period}", "show me income {period}", "how much have we earned {period}", "what's unpaid", "total revenue {period}", "sales numbers {period}",
      "revenue {period}", "how much did we make {period}", "what's our revenue {period}?", "income {period}",
      "show revenue {period}", "what's outstanding", "how much have we billed {period}", "cash in {period}?",
      "revenue numbers {period}"],
     ["how much money came in {period}", "what did we invoice {period}", "earnings {period}",
      "total sales {period}?", "how much is still unpaid"]),
    ("capture_lead",
     ["add {name} ({email}) from {company} as a new lead", "new prospect: {name}, {company}, {email}, {src}", "{name} <{email}> from {company} reached out, {src}", "please record a lead {name} {email} {company} budget {amt}", "lead: {name}, {email}, {company}", "{name} ({company}) {email} wants a website, budget {amt}", "From: {name} <{email}>\nSubject: project inquiry\nHello, we are {company} and need help", "new enquiry {name} {email}, {src}",
      "new lead: {name} {email} from {company}, {src}, budget {amt}",
      "new lead {name} {email} {company}",
      "add a lead: {name}, {email}, {company}, {src}",
      "capture {name} ({email}) at {company}, {src}",
      "log a new prospect {name} {email}, company {company}, budget {amt}",
      "{name} from {company} {src}, email {email}",
      "new inquiry from {name} <{email}> at {company}",
      "{set:source=website}Website form submission from {name} {email}, {company}, wants a new website",
      "just talked to {name} ({email}) from {company}, they need a chatbot, budget {amt}",
      "{name} {email} {src}, {company}, needs a dashboard",
      "create lead {name} {email}",
      "new client {name}, {email}, works at {company}"],
     ["please add {name} as a lead, {email}, {company}, {src}",
      "hi team, {name} of {company} ({email}) {src}, budget {amt}",
      "{set:source=website}Web form submission from {name} {email}, {company}, asking about an app",
      "got a new one: {name} / {company} / {email}",
      "record {name}, {email}, {company}, {src}, budget {amt}"]),
]

NONE_TRAIN = ["thanks!", "thank you grace", "ok", "cool", "lol", "good morning", "what's the weather like",
              "can you book me a flight to Lisbon", "write me a poem about spring", "who won the game last night",
              "tell me a joke", "help", "what can you do?", "hi", "hello there", "nice work", "never mind",
              "ignore that", "ok thanks bye", "order pizza for the team", "what time is it in Tokyo",
              "translate this to french", "how do I reset my password", "good night", "brb", "sounds good",
              "👍", "can you fix the wifi", "remind me to call mom", "what is 2+2"]
# Out of scope, generated: requests Grace has no tool for, in the same Slack voice.
CHAT_ASKS = ["book a meeting room", "order lunch", "write a tweet", "fix my laptop", "translate this email",
             "call a taxi", "set a reminder", "find a hotel in Berlin", "draft a blog post", "check the weather",
             "tell me the news", "summarise this doc", "plan the offsite", "buy a gift for Anna", "play a song",
             "update my calendar", "reset my vpn", "approve my vacation", "write a cover letter", "do my expenses"]
CHAT_FORMS = ["can you {x}", "please {x}", "{x} pls", "could you {x} for me?", "i need you to {x}", "{x}"]
CHAT_SOCIAL = ["thanks a ton", "ty!", "perfect, thanks", "great stuff", "morning all", "hey", "hey there",
               "how's it going", "what's up grace", "ok cool", "nvm", "forget it", "no worries", "haha",
               "good evening", "see you tomorrow", "you rock", "awesome", "yes", "no", "maybe later", "hmm ok",
               "what's your name", "are you human?", "do you like coffee", "happy friday!", "lol nice", "wow"]
NONE_HELD = ["cheers mate", "you're the best", "what's for lunch", "set an alarm for 7", "merci beaucoup",
             "who are you?", "are you a bot", "send flowers to my wife", "how tall is everest", "ok got it"]

PREFIXES = ["", "", "", "", "hey grace, ", "@grace ", "grace ", "pls ", "hi! ", "yo "]
SUFFIXES = ["", "", "", "", " pls", " thanks", " ty", " please", "!", " 🙏"]
HELD_PREFIXES = ["", "", "", "morning grace - ", "quick one: ", "hello, "]
HELD_SUFFIXES = ["", "", " thx", " asap", " when you get a sec"]


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 5 or not word.isalpha():
        return word
    i = rng.randint(1, len(word) - 2)
    return rng.choice([word[:i] + word[i + 1] + word[i] + word[i + 2:], word[:i] + word[i + 1:]])


def noisy(template: str, rng: random.Random, held_out: bool) -> str:
    """Slack habits on the template's own words (never on a slot): case, punctuation, typos, greetings."""
    parts = re.split(r"(\{[^}]+\})", template)
    out = []
    for part in parts:
        if part.startswith("{"):
            out.append(part)
            continue
        words = part.split(" ")
        words = [typo(w, rng) if rng.random() < 0.06 else w for w in words]
        out.append(" ".join(words))
    text = "".join(out)
    if rng.random() < 0.35:
        text = re.sub(r"[?!]$", "", text)
    pre = rng.choice(HELD_PREFIXES if held_out else PREFIXES)
    suf = rng.choice(HELD_SUFFIXES if held_out else SUFFIXES)
    return pre + text + suf


def generated(held_out: bool, per_template: int) -> list[dict[str, Any]]:
    rng = random.Random(SEED + int(held_out))
    slots = Slots(rng, held_out)
    rows = []
    for tool, train, held in TEMPLATES:
        for template_index, template in enumerate(held if held_out else train):
            for _ in range(per_template):
                text, args = slots.fill(noisy(template, rng, held_out))
                if rng.random() < 0.3 and tool != "capture_lead":
                    text = text.lower()
                args.pop("_n", None)
                rows.append({"text": text, "tool": tool, "args": key_args(tool, args),
                             "origin": f"{'held-out-template' if held_out else 'template'}:{tool}:{template_index}"})
    for text in (NONE_HELD if held_out else NONE_TRAIN):
        rows.append({"text": text, "tool": None, "args": {},
                     "origin": "held-out-template:none:0" if held_out else "template:none:0"})
    if not held_out:
        for i, x in enumerate(CHAT_ASKS):
            form = CHAT_FORMS[i % len(CHAT_FORMS)]
            rows.append({"text": noisy(form.replace("{x}", x), rng, False), "tool": None, "args": {},
                         "origin": f"template:none:{1 + i % 5}"})
        for i, text in enumerate(CHAT_SOCIAL):
            rows.append({"text": text, "tool": None, "args": {}, "origin": f"template:none:{6 + i % 5}"})
    return rows


def key_args(tool: str | None, args: dict[str, Any]) -> dict[str, Any]:
    """The arguments the corpus checks for each tool (free text such as a lost reason only has to be there)."""
    keep: dict[str, tuple[str, ...]] = {
        "capture_lead": ("name", "email", "company", "source", "budget"),
        "generate_proposal": ("lead_id", "budget"),
        "collect_payment": ("project_id", "milestone"),
        "mark_lead_lost": ("lead_id",),
        "find_leads": ("stage", "source", "query"),
        "move_lead_stage": ("lead_id", "stage"),
        "mark_invoice_paid": ("invoice_number_or_id", "reference"),
        "revenue_stats": ("period",),
        "pipeline_metrics": (),
        "capture_upwork_post": (),
        "list_invoices": (), "list_projects": (), "list_fx_rates": (), "client_timeline": ("lead_id",),
        "set_fx_rate": ("currency", "rate"), "assign_owner": ("lead_id", "owner"),
        "log_interaction": ("lead_id", "project_id", "kind", "summary"),
        "edit_lead": ("lead_id", "budget", "currency", "value_estimate", "project_type", "timeline",
                      "requirements", "notes", "next_action"),
        "edit_client": ("lead_id", "name", "company", "industry", "country", "timezone", "phone",
                        "preferred_contact", "status", "notes"),
    }
    names = keep.get(tool or "", ("project_id",) if "project_id" in args else ("lead_id",))
    out = {k: args[k] for k in names if k in args}
    if tool == "capture_lead":
        out.setdefault("source", "slack")
        if out["source"] == "slack" and "source" not in args:
            out["source"] = "slack"
    if tool == "revenue_stats":
        out.setdefault("period", "all")
    return out


def handwritten(path: Path) -> list[dict[str, Any]]:
    """`tool key=value ... :: message`; `-` for no tool; `\\n` in a message is a line break (pasted posts)."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        head, sep, text = line.partition(" :: ")
        if not sep:
            raise ValueError(f"{path.name}:{n}: no ' :: ' between the label and the message")
        tool, *pairs = shlex.split(head)
        args: dict[str, Any] = {}
        for pair in pairs:
            k, _, v = pair.partition("=")
            args[k] = int(v) if re.fullmatch(r"\d+", v) and k in ("lead_id", "project_id", "milestone") else v
        tool_name = None if tool == "-" else tool
        rows.append({"text": text.replace("\\n", "\n"), "tool": tool_name,
                     "args": key_args(tool_name, args) if tool_name else {}, "origin": "hand"})
    return rows


def write(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def build(per_template: Callable[[bool], int] = lambda h: 3 if h else 3) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    train = generated(False, per_template(False)) + handwritten(HERE / "handwritten_train.txt")
    held = generated(True, per_template(True)) + handwritten(HERE / "handwritten_held_out.txt")
    seen = {r["text"].lower() for r in train}
    held = [r for r in held if r["text"].lower() not in seen]  # a held-out message is never a training one
    return train, held


if __name__ == "__main__":
    train, held = build()
    write(HERE / "train.jsonl", train)
    write(HERE / "held_out.jsonl", held)
    print(f"train {len(train)}, held out {len(held)} ({len(held) / (len(train) + len(held)):.0%})")
