"""What the intent classifier sees of a message: cue words (hand-written synonyms of each request, one
feature per group), word unigrams and bigrams, after ids, amounts and e-mails are replaced by placeholders
(so "lead 48" and "lead 7" look alike and the model learns the request, not the number) and politeness is
left out. The same function serves training and use.

Measured by leave-templates-out cross-validation on the training corpus only (the held-out file is never
read for this): character 3-5-grams of each word, tried first, cost about 3 points (0.896 against 0.929
full accuracy) - they learn the training templates' words rather than the request - so they are not used.
"""

from __future__ import annotations

import re

from tools.offline import slots

WORD = re.compile(r"[a-z][a-z'’]{0,30}|#n|\d{1,12}|[?!$€£]|->")
# Only the start of a long paste matters for what is asked; the features stop here.
FEATURE_CHARS = 600


# Politeness and addressing carry no request: left out, so a new greeting cannot tip the model.
FILLER = re.compile(r"(?<![\w@])(?:@?grace|please|pls|plz|plse|thanks|thank you|thx|ty|tia|cheers|hey|hi|hello|yo|"
                    r"morning|good morning|quick one|quick q|asap|when you get a (?:sec|minute|chance)|kindly|"
                    r"could you|can you|can u|would you|would you mind|for me|real quick|if possible)(?![\w])")


def normalise(text: str, *, filler: bool = False) -> str:
    """Lower case, e-mails and amounts as placeholders, digits as "n", politeness left out (unless `filler`)."""
    text = text[:FEATURE_CHARS]
    for e in slots.emails(text):
        text = text.replace(e, " xemail ")
    for _, _, raw in slots.amounts(text):
        text = text.replace(raw, " xamount ")
    text = re.sub(r"\bINV-[\w-]{1,40}", " xinvoice ", text, flags=re.IGNORECASE)
    text = text.lower()
    if not filler:
        text = FILLER.sub(" ", text)
    text = re.sub(r"#\s?\d{1,12}", " #n ", text)
    return re.sub(r"\d{1,12}", "n", text)


def _cues(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z])(?:" + "|".join(phrases) + r")(?![a-z])")


# Cue words: hand-written synonyms of what each request is about. Each is one feature the classifier weighs
# from the corpus, so a phrasing it never saw still lands near those that share its cue words.
CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("qualify", _cues(r"quali\w{0,8}", r"scor(?:e|ing)", r"rat(?:e|ing)", r"grad(?:e|ing)", r"assess\w{0,4}",
                      r"evaluat\w{1,5}", r"vet(?:ting)?", r"promising", r"worth", r"good fit", r"fit for us",
                      r"hot", r"strong", r"legit", r"serious", r"quality", r"any good", r"time waster")),
    ("predict", _cues(r"odds", r"chances?", r"likel(?:y|ihood)", r"probab\w{1,6}", r"predict\w{0,4}",
                      r"forecast\w{0,3}", r"clos(?:e|es|ing)", r"conver(?:t|ts|ting|sion)", r"sign(?:s|ing)?",
                      r"win(?:ning)?", r"gonna", r"will (?:it|they|lead)", r"think")),
    ("next", _cues(r"next", r"steps?", r"tips?", r"advi[cs]e", r"suggest\w{0,4}", r"recommend\w{0,4}",
                   r"ideas?", r"proceed", r"follow[ -]?up", r"forward", r"stall\w{0,3}", r"what should",
                   r"what do (?:i|we) do", r"what now", r"over the line", r"best move", r"how (?:can|do|should) (?:we|i)")),
    ("show", _cues(r"show", r"details?", r"info", r"status", r"look ?up", r"pull up", r"open", r"card",
                   r"who is", r"who's", r"about", r"tell me", r"what's up", r"see", r"know about", r"quick look")),
    ("move", _cues(r"move", r"set", r"advance", r"put", r"change", r"bump", r"push", r"update", r"shift",
                   r"stage", r"now (?:in|at)", r"->", r"goes to", r"should be in", r"we're at", r"progress",
                   r"qualified", r"proposal stage", r"negotiat\w{1,5}", r"contract", r"signed", r"active",
                   r"delivered", r"repeat")),
    ("lost", _cues(r"lost", r"lose", r"dead", r"drop(?:ped)?", r"kill", r"scrap", r"no-go", r"fell through",
                   r"write off", r"went cold", r"ghosted", r"gone", r"cancel\w{0,4}", r"passed", r"declined",
                   r"rejected", r"not interested", r"went with", r"chose", r"hired", r"never (?:answered|replied)",
                   r"budget (?:cut|frozen)", r"no budget", r"too expensive", r"silent", r"picked")),
    ("find", _cues(r"find", r"search\w{0,2}", r"list", r"any(?:one|thing)?", r"which", r"who", r"leads from",
                   r"do we have", r"look(?:ing)? for", r"all the", r"pull all", r"mentioning", r"matching",
                   r"in the pipeline", r"leads (?:at|in|about|from|with)")),
    ("proposal", _cues(r"proposals?", r"quotes?", r"estimates?", r"offers?", r"pitch", r"sow", r"price up",
                       r"pricing", r"spend", r"draft", r"write up", r"xamount", r"budget")),
    ("deliver", _cues(r"deliver(?:y|ing)?", r"ship", r"build(?:ing)?", r"start(?:ed)?", r"kick(?:off| off)?",
                      r"launch", r"begin", r"go ahead", r"green light", r"going", r"fire up", r"work started",
                      r"can start", r"get .{0,20} going")),
    ("invoice", _cues(r"invoice", r"bill(?:ing)?", r"charge", r"payment", r"collect", r"get paid", r"money",
                      r"raise", r"balance", r"milestone")),
    ("paid", _cues(r"paid", r"settled", r"received", r"arrived", r"came in", r"transfer", r"ref(?:erence)?",
                   r"txn", r"transaction", r"xinvoice", r"wire")),
    ("survey", _cues(r"surveys?", r"nps", r"feedback", r"rating", r"review", r"ask", r"send", r"ping",
                     r"request")),
    ("satisfaction", _cues(r"satisf\w{1,6}", r"happ(?:y|iness)", r"results?", r"rate us", r"rated", r"like it",
                           r"came back", r"how did", r"what (?:was|did|score)", r"score", r"give us", r"nps\?")),
    ("pipeline", _cues(r"pipeline", r"funnel", r"conversion", r"win rate", r"stuck", r"metrics", r"stats",
                       r"overview", r"each stage", r"per stage", r"by stage", r"breakdown", r"how many",
                       r"deals", r"piling", r"count")),
    ("revenue", _cues(r"revenue", r"income", r"earn\w{0,4}", r"made", r"make", r"billed", r"invoiced", r"cash",
                      r"money", r"outstanding", r"unpaid", r"sales", r"turnover", r"came in", r"month\w{0,2}",
                      r"quarter\w{0,2}", r"year", r"ytd", r"mtd", r"qtd")),
    ("capture", _cues(r"new (?:lead|client|prospect|inquiry|enquiry|one)", r"add", r"capture", r"log",
                      r"record", r"xemail", r"contact form", r"submission", r"inquiry", r"prospect", r"met",
                      r"talked", r"spoke", r"from:", r"subject:", r"wants?", r"needs?")),
    ("upwork", _cues(r"upwork", r"job post", r"hourly", r"fixed price", r"gig", r"/hr", r"looking for a")),
    ("owner", _cues(r"owns?", r"owner\w{0,5}", r"assign\w{0,4}", r"reassign\w{0,4}", r"hand(?:s|ed)? (?:it |lead .{0,8})?over",
                    r"takes? over", r"taking over", r"responsible", r"in charge", r"xmention", r"give (?:it|lead|#)")),
    ("timeline", _cues(r"histor\w{1,6}", r"time ?line", r"chronolog\w{1,3}", r"activity", r"interactions",
                       r"touch ?points", r"so far", r"happened", r"past", r"recap", r"until now", r"everything")),
    ("interaction", _cues(r"log(?:ged)?", r"notes?", r"jot", r"called", r"calls?", r"rang", r"met", r"meeting",
                          r"zoom", r"e-?mailed", r"e-?mail", r"mail", r"voicemail", r"spoke", r"phone", r"coffee",
                          r"lunch", r"demo", r"replied", r"talked", r"workshop", r"in person")),
    ("lead_field", _cues(r"budget", r"deadline", r"time ?line", r"currency", r"requirements?", r"scope",
                         r"project type", r"next (?:action|step)", r"deal value", r"estimated value", r"notes",
                         r"is now", r"should be", r"went up", r"went down", r"correct", r"fix", r"edit", r"change")),
    ("client_field", _cues(r"phone", r"country", r"industry", r"sector", r"time ?zone", r"prefers?", r"preferred",
                           r"contact (?:name|person|preference)", r"status", r"renamed", r"based in", r"moved to",
                           r"whatsapp", r"customer", r"inactive", r"client of", r"client behind", r"(?:'s|s) client",
                           r"the client", r"company (?:is|name)", r"reached")),
    ("invoices", _cues(r"invoices", r"invoice list", r"factures", r"overdue", r"unpaid", r"issued", r"invocies")),
    ("projects", _cues(r"projects", r"proyectos", r"working on", r"project list", r"projcts")),
    ("fx", _cues(r"fx", r"exchange", r"rates?", r"currenc\w{1,3}", r"euros?", r"eur", r"gbp", r"usd", r"chf",
                 r"pounds?", r"yen", r"taux", r"excange")),
    ("list", _cues(r"list\w{0,2}", r"lista?", r"liste", r"all (?:the |our )?", r"overview", r"which", r"any")),
    ("chat", _cues(r"thanks?", r"thx", r"ty", r"hello", r"hi", r"joke", r"weather", r"poem", r"haiku", r"lol",
                   r"haha", r"cool", r"good (?:morning|night|afternoon|job)", r"bye", r"who are you", r"are you",
                   r"music", r"pizza", r"flight", r"taxi", r"calendar", r"meeting", r"email to", r"merci",
                   r"bonjour", r"cheers")),
)


class Speller:
    """One-typo correction to the words a model knows ("qualfy" -> "qualify", "pipelne" -> "pipeline"): a
    word it does not know, of 5 letters or more, becomes the known word it is one deletion, insertion,
    substitution or transposition away from (SymSpell's deletes, depth 1). Only the first MAX_WORDS
    words are looked at, so a long paste costs no more than a short message."""

    MAX_WORDS = 80

    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.deletes: dict[str, str] = {}
        for w in sorted(known):
            if len(w) >= 4 and w.isalpha():
                for i in range(len(w)):
                    self.deletes.setdefault(w[:i] + w[i + 1:], w)

    # Words of address and politeness are never typos of a request ("grace" is not "grade").
    KEEP = frozenset({"grace", "thanks", "hello", "cheers", "morning", "please", "sorry", "great"})

    def fix(self, word: str) -> str:
        if len(word) < 5 or word in self.known or word in self.KEEP or not word.isalpha():
            return word
        if word in self.deletes:  # one letter too few ("qualfy")
            return self.deletes[word]
        for i in range(len(word)):
            shorter = word[:i] + word[i + 1:]
            if shorter in self.known:  # one letter too many ("pipelinee")
                return shorter
            if shorter in self.deletes:  # one letter wrong or two swapped ("pipelnie")
                return self.deletes[shorter]
        return word

    def text(self, text: str) -> str:
        count = 0

        def sub(m: re.Match[str]) -> str:
            nonlocal count
            count += 1
            return self.fix(m.group(0)) if count <= self.MAX_WORDS else m.group(0)

        return re.sub(r"[a-z]{5,30}", sub, text)


def features(text: str, speller: Speller | None = None) -> list[str]:
    norm = normalise(text)
    whole = normalise(text, filler=True)  # the cue words see the greetings ("thanks" is small talk)
    if speller is not None:
        norm, whole = speller.text(norm), speller.text(whole)
    words = WORD.findall(norm)
    out = [f"k:{name}" for name, pattern in CUES for _ in pattern.finditer(whole)]
    if not words:
        out.append("w:<only-filler>")
    out += [f"w:{w}" for w in words]
    out += [f"b:{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    return out
