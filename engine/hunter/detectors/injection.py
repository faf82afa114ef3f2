"""Prompt injection in text that will reach a model.

Four signs: instruction-override phrases, role-play of system/assistant turns or
chat-template tokens, look-alikes of tool calls, and hidden text (zero-width and
bidirectional controls, look-alike letters from another script). Phrases are also
looked for in a normalised copy of the text (NFKC, hidden characters removed,
look-alike letters mapped to Latin), because that is how a model would read it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from itertools import islice

from engine.hunter.detectors.injection_weights import Weights, weights
from engine.hunter.findings import Hit, Severity

_OVERRIDE = re.compile(
    r"\b(?:"
    r"(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+|your\s+|my\s+|these\s+|every\s+)*"
    r"(?:previous\s+|prior\s+|above\s+|earlier\s+|preceding\s+|existing\s+|original\s+|system\s+|safety\s+)*"
    r"(?:instructions?|rules?|prompts?|guidelines?|directives?|polic(?:y|ies)|constraints|guardrails|programming)"
    r"|(?:skip|override|bypass)\s+(?:all\s+|any\s+|the\s+|these\s+|every\s+)*(?:your\s+|previous\s+|prior\s+|"
    r"above\s+|earlier\s+|system\s+|safety\s+)+(?:instructions?|rules?|prompts?|guidelines?|polic(?:y|ies)|guardrails)"
    r"|you\s+are\s+now\s+(?:an?\s+)?(?:dan|unrestricted|jailbroken|unfiltered|in\s+developer\s+mode|no\s+longer\s+bound|"
    r"free\s+(?:from|of)\s+(?:all\s+|any\s+)?(?:rules|restrictions))\b"
    r"|(?:act|behave|respond)\s+as\s+(?:if\s+you\s+(?:are|were)\s+)?(?:an?\s+|the\s+)?(?:system|admin(?:istrator)?|root|"
    r"developer|unrestricted|jailbroken|dan)\b"
    r"|pretend\s+(?:to\s+be|you\s+are)\s+(?:an?\s+|the\s+)?(?:system|admin|developer|different|unrestricted|ai|assistant)"
    r"|(?:new|updated|real|actual|secret|hidden)\s+(?:system\s+)?instructions?\s*[:\-]"
    r"|(?:reveal|print|show|repeat|output|leak)\s+(?:me\s+)?(?:your|the)\s+(?:system\s+|initial\s+|hidden\s+)?"
    r"(?:prompt|instructions)"
    r"|(?:your|new|updated|real|hidden)\s+system\s+prompt|system\s+prompt\s*[:=]|(?:you\s+are|you're)\s+(?:now\s+)?in\s+developer\s+mode"
    r"|(?:enable|enter|activate)\s+(?:your\s+)?developer\s+mode\s+(?:and|to)\s+(?:skip|ignore|bypass|disable)"
    # "jailbreak" alone is a subject leads ask about (jailbreak testing of their bot); these claim it
    r"|jailbreak\s+mode|this\s+is\s+an?\s+jailbreak|you\s+(?:are|have\s+been)\s+jailbroken"
    r"|do\s+anything\s+now"
    r"|(?:do\s+not|don't|never)\s+(?:tell|inform|alert|notify)\s+(?:the\s+)?(?:user|team|human|admin|anyone)"
    r"|without\s+asking\s+(?:for\s+)?(?:confirmation|approval|permission)\b"
    r"|(?:mark|set)\s+(?:every|all|each)\s+invoices?\s+(?:as\s+)?paid"
    r"|(?:as\s+an?\s+)?ai\s+(?:language\s+)?model,?\s+you\s+(?:must|should|will)"
    r")"
)
_ROLE = re.compile(
    r"(?m)(?:<\|(?:im_start|im_end|system|assistant|user|endoftext|begin_of_text|start_header_id)\|>"
    r"|\[/?inst\]|<</?sys>>|</?(?:system|assistant|instructions?)>"
    r"|^[ \t]{0,20}#{2,6}[ \t]{0,3}(?:system|instruction|assistant)\b"
    r"|^[ \t]{0,20}(?:system|assistant|developer)[ \t]{0,3}(?:prompt|message)?[ \t]{0,3}:[ \t]{0,20}(?=\S))"
)
_TOOL = re.compile(
    r"(?:</?(?:tool_call|tool_use|function_calls?|invoke|antml:[a-z_]+)\b"
    r"|\"(?:tool|tool_name|function|function_call|tool_calls|recipient_name)\"\s*:"
    r"|\"arguments\"\s*:\s*[\{\"]"
    r"|\b[a-z]+_[a-z_]+\s*\(\s*[a-z_]+\s*=\s*[\w\"']"
    r"|\bcall\s+(?:the\s+)?(?:tool|function)\s+[`\"']?[a-z_]+)"
)
# Requests to hand over secrets, and "new instructions" in the languages leads arrive in (run on
# lowered text; the gap between the verb and the secret is bounded).
_REVEAL = re.compile(
    r"\b(?:print|show|reveal|output|disclose|paste|tell me|give me|append|display|dump|expose|leak|"
    r"muestra|mostrar|revela|enséñame|affiche|montre|révèle|donne-moi|zeig|gib|nenne|mostra|mostrami|rivela|"
    r"revele|mostre|toon|geef)\b[^.\n]{0,40}?\b(?:api[ -]?keys?|secret[ -]?keys?|(?:bot |access |auth )?tokens?|"
    r"passwords?|system prompt|hidden instructions|environment variables|env vars|credentials|signing secrets?|"
    r"claves? de api|clés? d'api|clés? secrètes?|prompt système|geheimen? schlüssel|api-schlüssel|token del bot|"
    r"variáveis de ambiente|chiavi api|chaves de api|wachtwoorden|variables de entorno)\b"
    r"|\b(?:nuevas instrucciones|nouvelles instructions|neue anweisungen|novas instruções|nuove istruzioni|"
    r"nieuwe instructies)\s{0,3}:"
)
# The assistant's own prompt asked for: repeated, printed, quoted, copied or translated. "Your
# instructions" / "the initial prompt" in a lead is addressed to the model (a lead asks the agency for
# a quote, not for the text it was configured with). Gaps bounded, run on lowered text.
_OWN_PROMPT = re.compile(
    r"\b(?:repeat|print|quote|recite|reproduce|copy|paste|echo|output|show|display|reveal|translate|encode|"
    r"write out|tell me|give me|send me|dump|spell out|wiederhole|zitiere|zeig|gib|répète|cite|affiche|montre|"
    r"copie|repite|cita|muestra|muéstrame|copia|herhaal|citeer|toon|laat|plak|ripeti|mostra|repita|mostre)\b"
    r"[^.\n?!]{0,60}?\b(?:your|tes|ton|tus|tu|deinen|deine|dein|je|jouw|il tuo|le tue|o seu|as suas|"
    r"the (?:initial|original|first|system|hidden|opening|starting)|den (?:ursprünglichen|ersten)|le (?:premier|message)|"
    r"el (?:mensaje )?inicial)\s+(?:(?:initial|original|first|system|hidden|full|exact|whole|starting|opening|"
    r"secret|confidential|ursprünglichen|ersten|oorspronkelijke|iniziale|inicial|originales?)\s+){0,2}"
    r"(?:prompt|instructions|configuration|config message|setup text|preamble|system message|anweisungen|"
    r"konfiguration|systemnachricht|consignes|message de configuration|instrucciones|configuración|instructies|"
    r"configuratie|istruzioni|instruções)\b"
    r"|\b(?:repeat|print|output|copy|echo|reproduce)\b[^.\n]{0,30}?\b(?:the (?:words|text) above|everything "
    r"(?:above|before this|that came before))"
)
# What each pattern cannot match without (substrings of the lowered text, derived from its
# alternatives): a text holding none skips the pattern. `in` on a str is a C scan far faster than
# re trying every alternative at every word, and most long junk (bench/hostile.py) holds none.
_ANCHORS: dict[re.Pattern[str], tuple[str, ...]] = {
    _OVERRIDE: ("ignore", "disregard", "forget", "skip", "override", "bypass", "you", "as", "pretend", "instruction",
                "prompt", "system", "developer", "jailbr", "anything", "tell", "inform", "alert", "notify",
                "without", "invoice", "model"),
    _ROLE: ("<|", "inst]", "sys>>", "system", "assistant", "instruction", "developer"),
    _TOOL: ("tool", "function", "invoke", "antml:", "\"", "(", "call"),
    _OWN_PROMPT: ("prompt", "instruc", "config", "preamble", "setup text", "system message", "anweisungen",
                  "systemnachricht", "consignes", "istruzioni", "above", "before"),
    _REVEAL: ("key", "token", "password", "prompt", "instruc", "variable", "env var", "credential", "secr", "api",
              "schlüssel", "variáveis", "wachtwoord", "anweisungen", "istruzioni"),
}


def may_match(low: str, anchors: tuple[str, ...]) -> bool:
    return any(a in low for a in anchors)


# Zero-width and bidi controls, the invisible "tag" block, and the BOM inside text.
_HIDDEN = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f\u00ad]+")
_CONFUSABLE_SCRIPTS = ("CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE")
_OBFUSCATING = ("MATHEMATICAL", "FULLWIDTH")
_WORD = re.compile(r"\w+")
# Past this many hits of one kind in one string, the rest of the string is one hit: an attack
# that repeats a phrase thousands of times is blocked all the same, and cheaply.
MAX_HITS = 50
_SENTENCE_END = re.compile(r"[.!?\n]")


@lru_cache(maxsize=8)
def lowered(text: str) -> str:
    """`text.lower()` with the same length, so match positions are positions in `text`.

    The patterns are written in lower case and compiled without IGNORECASE: re can then skip
    ahead by the first character, about four times faster on long text. Cached: every detector
    and the classifier read the same lowered copy of a string (a str caches its own hash, so a
    lookup costs no pass over the text)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)  # e.g. "İ" lowers to two


def detect_prompt_injection(text: str) -> Iterator[Hit]:
    found_phrase = False
    low = lowered(text)
    for rx, what in ((_OVERRIDE, "instruction-override phrase"), (_ROLE, "system/assistant role-play"),
                     (_TOOL, "tool-call look-alike"), (_REVEAL, "request to reveal secrets or new instructions"),
                     (_OWN_PROMPT, "request for the assistant's own prompt")):
        if not may_match(low, _ANCHORS[rx]):
            continue
        for n, m in enumerate(rx.finditer(low)):
            if rx in _MENTIONABLE and _mentioned(low, m.start(), m.end()):
                continue  # talked about, not said: the classifier reads the text
            found_phrase = True
            # sensitive: the excerpt (kept on the lead, shown to people and models) must not
            # carry the injected instruction itself.
            end = len(text) if n == MAX_HITS else _sentence_end(text, m.end())
            yield Hit("prompt_injection", Severity.HIGH, m.start(), end, what,
                      replacement="[removed: possible prompt injection]")
            if n == MAX_HITS:
                break
    runs = [m.span() for m in islice(_HIDDEN.finditer(text), MAX_HITS + 2)
            if not (m.start() == 0 and m.group() == "\ufeff")]
    if len(runs) > MAX_HITS:  # hidden text all along: one hit, the rest of the string cleaned in one pass
        start = runs[0][0]
        yield Hit("prompt_injection", Severity.HIGH, start, len(text), "hidden zero-width/bidi characters (many)",
                  sensitive=False, replacement=_HIDDEN.sub("", text[start:]))
    else:
        for start, end in runs:
            yield Hit("prompt_injection", Severity.HIGH, start, end, "hidden zero-width/bidi characters",
                      sensitive=False, replacement="")
    lookalikes = None if text.isascii() else _lookalike_span(text)
    if lookalikes:  # one finding per field, covering the first to the last such word
        start, end, what, count = lookalikes
        what += f" ({count} words)" if count > 1 else ""
        yield Hit("prompt_injection", Severity.MEDIUM, start, end, what, sensitive=False)
    if not found_phrase and not text.isascii():
        normal = normalise(text)
        low_normal = lowered(normal) if normal != text else ""
        if low_normal and any(may_match(low_normal, _ANCHORS[rx]) and rx.search(low_normal)
                              for rx in (_OVERRIDE, _ROLE, _TOOL)):
            found_phrase = True
            yield Hit("prompt_injection", Severity.HIGH, 0, len(text), "disguised instruction-override phrase",
                      replacement="[removed: possible prompt injection]")
    if not found_phrase and len(text) >= CLASSIFIER_MIN_CHARS:
        for start, end in _classified_chunks(text):  # each chunk read as one, so each is redacted
            yield Hit("prompt_injection", Severity.HIGH, start, end, "instruction to the assistant (by meaning)",
                      replacement="[removed: possible prompt injection]")


# A phrase can be talked about rather than said: quoted ("our last vendor's bot obeyed 'ignore your
# instructions'"), negated ("the assistant must never reveal the system prompt"), said of a third
# party ("users got it to reveal its system prompt") or named as what a test tries ("attempts to
# extract the prompt"). Leads for chatbot and security work do this all the time; such a match is left
# to the classifier, which reads the whole sentence.
_NEGATION_BEFORE = re.compile(r"(?:\b(?:never|not|no|nor|without|cannot|refuses?\s+to|won't|mustn't|shouldn't|can't|"
                              r"doesn't|don't|against|prevent(?:s|ing)?|block(?:s|ing)?|resist(?:s|ing)?|nunca|jamais|"
                              r"niemals|nie|nooit|mai)\W{1,3}(?:\w+\W{1,3}){0,3})$")
_TEST_AROUND = re.compile(r"(?:test(?:s|ing|ed|ers?)\b|-test|attempt|tentativ|versuch|intent|probes?\b|red[ -]?team|"
                          r"pentest|resist|scenario|payload|examples?\b|e\.g\.|\btr(?:y|ies|ying|ied)\s+to\b)")
_THIRD_PARTY = re.compile(r"\b(?:its|their|his|her)\b")
_MENTIONABLE = frozenset({_OVERRIDE, _REVEAL, _OWN_PROMPT})
_QUOTES = ('"', "\u201c", "\u201d", "\u00ab", "\u00bb", "\u201e", "`")


def _mentioned(low: str, start: int, end: int) -> bool:
    """Whether the phrase at low[start:end] is quoted, negated or named as a test's subject."""
    line = low.rfind("\n", 0, start) + 1
    before = low[max(line, start - 200):start]
    if sum(before.count(q) for q in _QUOTES) % 2 == 1:
        return True
    if _NEGATION_BEFORE.search(before[-40:]):
        return True
    if _THIRD_PARTY.search(low, start, end):
        return True
    return bool(_TEST_AROUND.search(low[max(line, start - 40):start]))


def _sentence_end(text: str, end: int) -> int:
    """Redaction covers the rest of the injected sentence, so its payload goes too."""
    m = _SENTENCE_END.search(text, end)
    return min(m.end() if m else len(text), end + 300)


def _lookalike_span(text: str) -> tuple[int, int, str, int] | None:
    """From the first to the last word written with look-alike letters: start, end, what, how many.

    Most non-ASCII text (accents, CJK, hidden characters) holds no letter of a confusable or
    styled script: one pass over its distinct characters says so, and no word is looked at."""
    if not any(_suspect(c) for c in set(text) if not c.isascii()):
        return None
    words = _WORD.findall(text)
    flagged = {w: what for w in set(words) if not w.isascii() and (what := _lookalike_word(w))}
    if not flagged:
        return None
    count = sum(map(flagged.__contains__, words))
    first = next(m for m in _WORD.finditer(text) if m.group() in flagged)
    rev = {w[::-1] for w in flagged}
    back = next(m for m in _WORD.finditer(text[::-1]) if m.group() in rev)  # the last, found from the end
    return first.start(), len(text) - back.start(), flagged[first.group()], count


@lru_cache(maxsize=4096)
def _suspect(c: str) -> bool:
    script = _script(c)
    return script in _CONFUSABLE_SCRIPTS or script in _OBFUSCATING


@lru_cache(maxsize=8192)
def _lookalike_word(w: str) -> str:
    scripts = {_script(c) for c in set(w) if c.isalpha()}
    if scripts & set(_OBFUSCATING):
        return "styled look-alike letters"
    if "LATIN" in scripts and any(s in scripts for s in _CONFUSABLE_SCRIPTS) and \
            any(_latin_twin(c) for c in set(w) if _script(c) in _CONFUSABLE_SCRIPTS):
        return "mixed-script look-alike word"
    return ""


@lru_cache(maxsize=4096)
def _script(c: str) -> str:
    if c.isascii():
        return "LATIN"
    name = unicodedata.name(c, "")
    return name.split(" ", 1)[0] if name else ""


@lru_cache(maxsize=4096)
def _latin_twin(c: str) -> str | None:
    """The Latin letter this character is confusable with, per Unicode's confusables data."""
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(c, greedy=True, preferred_aliases=["latin"]) or []
    for entry in found:
        for h in entry.get("homoglyphs", []):
            if len(h["c"]) == 1 and h["c"].isascii() and h["c"].isalpha():
                return str(h["c"])
    return None


def normalise(text: str) -> str:
    """The text as a model would read it: NFKC, hidden characters gone, look-alikes made Latin."""
    t = unicodedata.normalize("NFKC", _HIDDEN.sub("", text))
    if t.isascii():
        return t
    # One lookup per distinct character, then one C-speed pass (a loop per character is slow on 64 KB).
    table = {ord(c): twin for c in set(t) if not c.isascii() and _script(c) in _CONFUSABLE_SCRIPTS
             and (twin := _latin_twin(c))}
    return t.translate(table) if table else t


# Injections by meaning: a small classifier (TF-IDF over character n-grams within words and over
# words and word pairs, logistic regression) trained with scikit-learn by
# tests/data/hunter/meaning/train.py and stored as plain JSON weights, applied here with numpy (a
# scan needs no scikit-learn: the CLI's `hunter scan` starts without it). It reads the whole text,
# every sentence and every chunk of consecutive sentences up to CHUNK_CHARS (no cap an injection
# could hide behind); one scoring above its stored threshold is an injection.
CLASSIFIER_MIN_CHARS = 30  # the shortest sentence the classifier reads (SENTENCE_CHARS)
CHUNK_CHARS = 600
SENTENCE_CHARS = (30, 300)
# A sentence of at least 30 characters (shorter ones join the next) up to its end, at most 300
# characters; bounded repeats only, so linear on any input.
_SENTENCE = re.compile(r"(?s).{%d,%d}?(?:[.!?](?=\s)|\n)|.{1,%d}"  # noqa: UP031 (braces are the pattern's)
                       % (SENTENCE_CHARS[0] - 1, SENTENCE_CHARS[1] - 1, SENTENCE_CHARS[1]))
# Up to this many characters in all, a text's pieces are scored in plain Python; longer texts in
# numpy (`injection_numpy`, the same figures), whose import costs a short scan more than the scan.
PY_MAX_CHARS = 4096
_WORD_RUN = re.compile(r"\w\w+")  # scikit-learn's words: runs of two or more \w characters


def injection_probability(texts: list[str]) -> list[float]:
    """The classifier's probability that each text is an instruction aimed at the assistant:
    exactly scikit-learn's TF-IDF (lowercased, sublinear, L2-normalised) over character n-grams
    within words (`char_wb`) and over words and word pairs, then the logistic regression."""
    return _probabilities(texts, None)[0] if texts else []


def _probabilities(texts: list[str], group_of: list[int] | None) -> tuple[list[float], list[float]]:
    """Each text's probability and, when `group_of` says which group each text is in (groups of
    consecutive texts), each group's as if its texts were read as one: the n-grams are found once,
    and a group's counts are the sum of its texts' (plus the word pairs across their joins)."""
    low = [lowered(t) for t in texts]
    if sum(map(len, low)) > PY_MAX_CHARS:
        # Deferred: numpy (about 0.15 s to import) only for long texts; `grace hunter scan` of a lead
        # starts without it.
        from engine.hunter.detectors import injection_numpy

        p, g = injection_numpy.probabilities(weights(), low, group_of)
        return p.tolist(), g.tolist()
    return _py_probabilities(weights(), low, group_of)


def _py_probabilities(w: Weights, low: list[str], group_of: list[int] | None) -> tuple[list[float], list[float]]:
    chars = [_char_counts(w, t) for t in low]
    words: list[Counter[int]] = [Counter() for _ in low]
    tokens = [(i, tok) for i, t in enumerate(low) for tok in _WORD_RUN.findall(t)]
    vocabulary = w.word_vocabulary
    cross: list[tuple[int, int, str]] = []  # word pairs across two texts: (first's text, second's, pair)
    if vocabulary:
        for k, (i, tok) in enumerate(tokens):
            if (j := vocabulary.get(tok)) is not None:
                words[i][j] += 1
            if w.word_ngrams > 1 and k + 1 < len(tokens):
                i2, tok2 = tokens[k + 1]
                pair = f"{tok} {tok2}"
                if i2 != i:
                    cross.append((i, i2, pair))
                elif (j := vocabulary.get(pair)) is not None:
                    words[i][j] += 1
    p = [_sigmoid(w.intercept + _tfidf_dot(c, w.char_idf, w.char_coef) + _tfidf_dot(wc, w.word_idf, w.word_coef))
         for c, wc in zip(chars, words, strict=True)]
    if group_of is None:
        return p, []
    n_groups = group_of[-1] + 1 if group_of else 0
    group_chars: list[Counter[int]] = [Counter() for _ in range(n_groups)]
    group_words: list[Counter[int]] = [Counter() for _ in range(n_groups)]
    for i, g in enumerate(group_of):
        group_chars[g].update(chars[i])
        group_words[g].update(words[i])
    for a, b, pair in cross:  # the chunk read whole has the pairs across the joins of its texts
        if group_of[a] == group_of[b] and (j := vocabulary.get(pair)) is not None:
            group_words[group_of[b]][j] += 1
    pg = [_sigmoid(w.intercept + _tfidf_dot(c, w.char_idf, w.char_coef) + _tfidf_dot(wc, w.word_idf, w.word_coef))
          for c, wc in zip(group_chars, group_words, strict=True)]
    return p, pg


def _char_counts(w: Weights, low: str) -> Counter[int]:
    """Vocabulary n-grams within " word " (scikit-learn's char_wb: words split as str.split())."""
    counts: Counter[int] = Counter()
    vocabulary = w.char_vocabulary
    lo, hi = w.ngram_range
    for word in low.split():
        padded = f" {word} "
        size = len(padded)
        for n in range(lo, min(hi, size) + 1):
            for i in range(size - n + 1):
                if (j := vocabulary.get(padded[i:i + n])) is not None:
                    counts[j] += 1
    return counts


def _tfidf_dot(counts: Counter[int], idf: list[float], coef: list[float]) -> float:
    """The L2-normalised sublinear TF-IDF vector of `counts`, dotted with `coef`."""
    dot = square = 0.0
    for j, n in counts.items():
        x = (1.0 + math.log(n)) * idf[j]
        dot += x * coef[j]
        square += x * x
    return dot / math.sqrt(square) if square else 0.0


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _sentences(text: str) -> list[tuple[int, int]]:
    """Consecutive spans covering `text`, each a sentence (see _SENTENCE)."""
    return [m.span() for m in _SENTENCE.finditer(text)]


def pieces(text: str) -> tuple[list[tuple[int, int]], list[int]]:
    """What the classifier reads: the sentences, and for each the chunk it is in (consecutive
    sentences of at most CHUNK_CHARS together)."""
    sentences = _sentences(text)
    chunk_of: list[int] = []
    chunk, size = -1, CHUNK_CHARS + 1
    for s, e in sentences:
        if size + e - s > CHUNK_CHARS:
            chunk, size = chunk + 1, 0
        size += e - s
        chunk_of.append(chunk)
    return sentences, chunk_of


def _classified_chunks(text: str) -> Iterator[tuple[int, int]]:
    """Spans the classifier finds to be injections. It reads each sentence on its own (one buried in
    a brief is not diluted by the brief around it) and chunks of a few sentences (one spread over
    several), each against its own threshold."""
    m = weights()
    sentences, chunk_of = pieces(text)
    if not sentences:
        return
    texts = [text[s:e] for s, e in sentences]
    members: list[list[int]] = [[] for _ in range(chunk_of[-1] + 1)]
    for i, c in enumerate(chunk_of):
        members[c].append(i)
    # A text repeating itself is scored once per distinct chunk (and so per distinct sentence).
    distinct: dict[tuple[str, ...], list[int]] = {}
    for c, mem in enumerate(members):
        distinct.setdefault(tuple(texts[i] for i in mem), []).append(c)
    flat = [t for key in distinct for t in key]
    group = [g for g, key in enumerate(distinct) for _ in key]
    p_sentence, p_chunk = _probabilities(flat, group)
    of_sentence = dict(zip(flat, p_sentence, strict=True))
    for g, chunks in enumerate(distinct.values()):
        if p_chunk[g] >= m.threshold:
            for c in chunks:
                yield sentences[members[c][0]][0], sentences[members[c][-1]][1]
    for span, t in zip(sentences, texts, strict=True):
        if of_sentence[t] >= m.sentence_threshold:
            yield span
