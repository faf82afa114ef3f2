"""Prompt injection in text that will reach a model.

Four signs: instruction-override phrases, role-play of system/assistant turns or
chat-template tokens, look-alikes of tool calls, and hidden text (zero-width and
bidirectional controls, look-alike letters from another script). Phrases are also
looked for in a normalised copy of the text (NFKC, hidden characters removed,
look-alike letters mapped to Latin), because that is how a model would read it.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from itertools import islice
from pathlib import Path

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
    r"|(?:enable|enter|activate)\s+(?:your\s+)?developer\s+mode\s+(?:and|to)\s+(?:skip|ignore|bypass|disable)|jailbreak"
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
    r"|^[ \t]{0,20}(?:system|assistant|developer)[ \t]{0,3}(?:prompt|message)?[ \t]{0,3}:\s{0,20}(?=\S))"
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
# Zero-width and bidi controls, the invisible "tag" block, and the BOM inside text.
_HIDDEN = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f\u00ad]+")
_CONFUSABLE_SCRIPTS = ("CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE")
_OBFUSCATING = ("MATHEMATICAL", "FULLWIDTH")
_WORD = re.compile(r"\w+")
# Past this many hits of one kind in one string, the rest of the string is one hit: an attack
# that repeats a phrase thousands of times is blocked all the same, and cheaply.
MAX_HITS = 50
_SENTENCE_END = re.compile(r"[.!?\n]")


def lowered(text: str) -> str:
    """`text.lower()` with the same length, so match positions are positions in `text`.

    The patterns are written in lower case and compiled without IGNORECASE: re can then skip
    ahead by the first character, about four times faster on long text."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)  # e.g. "İ" lowers to two


def detect_prompt_injection(text: str) -> Iterator[Hit]:
    found_phrase = False
    low = lowered(text)
    for rx, what in ((_OVERRIDE, "instruction-override phrase"), (_ROLE, "system/assistant role-play"),
                     (_TOOL, "tool-call look-alike"), (_REVEAL, "request to reveal secrets or new instructions")):
        for n, m in enumerate(rx.finditer(low)):
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
    lookalikes = [] if text.isascii() else list(_lookalike_words(text))
    if lookalikes:  # one finding per field, covering the first to the last such word
        what = lookalikes[0][2] + (f" ({len(lookalikes)} words)" if len(lookalikes) > 1 else "")
        yield Hit("prompt_injection", Severity.MEDIUM, lookalikes[0][0], lookalikes[-1][1], what, sensitive=False)
    if not found_phrase and not text.isascii():
        normal = normalise(text)
        if normal != text and any(rx.search(lowered(normal)) for rx in (_OVERRIDE, _ROLE, _TOOL)):
            found_phrase = True
            yield Hit("prompt_injection", Severity.HIGH, 0, len(text), "disguised instruction-override phrase",
                      replacement="[removed: possible prompt injection]")
    if not found_phrase and len(text) >= CLASSIFIER_MIN_CHARS:
        for start, end in _classified_chunks(text):
            yield Hit("prompt_injection", Severity.HIGH, start, end, "instruction to the assistant (by meaning)",
                      replacement="[removed: possible prompt injection]")
            break


def _sentence_end(text: str, end: int) -> int:
    """Redaction covers the rest of the injected sentence, so its payload goes too."""
    m = _SENTENCE_END.search(text, end)
    return min(m.end() if m else len(text), end + 300)


def _lookalike_words(text: str) -> Iterator[tuple[int, int, str]]:
    for m in _WORD.finditer(text):
        w = m.group()
        if w.isascii():
            continue
        scripts = {_script(c) for c in w if c.isalpha()}
        if scripts & set(_OBFUSCATING):
            yield m.start(), m.end(), "styled look-alike letters"
        elif "LATIN" in scripts and any(s in scripts for s in _CONFUSABLE_SCRIPTS) and \
                any(_latin_twin(c) for c in w if _script(c) in _CONFUSABLE_SCRIPTS):
            yield m.start(), m.end(), "mixed-script look-alike word"


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


# Injections by meaning: a small classifier (TF-IDF over character n-grams, logistic regression)
# trained with scikit-learn on tests/data/hunter/meaning/train.jsonl and stored as plain JSON
# weights, applied here in plain Python. It reads
# chunks of at most CHUNK_CHARS cut at sentence ends, the first and last few of a long text
# (bounded work on 64 KB); a chunk scoring above the stored threshold is an injection.
CLASSIFIER_MIN_CHARS = 40
CHUNK_CHARS = 600
MAX_CHUNKS = 8
MODEL_FILE = Path(__file__).with_name("injection_model.json")


@lru_cache(maxsize=1)
def _classifier() -> tuple[dict[str, int], list[float], list[float], float, float, tuple[int, int]]:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    lo, hi = data["vectorizer"]["ngram_range"]
    return (data["vocabulary"], data["idf"], data["coef"], float(data["intercept"]), float(data["threshold"]),
            (int(lo), int(hi)))


_WHITE_RUNS = re.compile(r"\s\s+")


def _char_wb_ngrams(text: str, lo: int, hi: int) -> Iterator[str]:
    """scikit-learn's `char_wb` analyzer (lowercased), so the weights it trained apply as they are;
    written out here so a scan needs no scikit-learn (the CLI's `hunter scan` starts without it)."""
    for word in _WHITE_RUNS.sub(" ", text.lower()).split():
        w = f" {word} "
        for n in range(lo, hi + 1):
            if len(w) <= n:  # a short word counts once, as scikit-learn does
                yield w
                break
            for i in range(len(w) - n + 1):
                yield w[i:i + n]


def injection_probability(texts: list[str]) -> list[float]:
    """The classifier's probability that each text is an instruction aimed at the assistant:
    sublinear TF-IDF over character n-grams, L2-normalised, then the logistic regression."""
    vocab, idf, coef, intercept, _, (lo, hi) = _classifier()
    out = []
    for text in texts:
        counts: dict[int, int] = {}
        for gram in _char_wb_ngrams(text, lo, hi):
            j = vocab.get(gram)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        weights = {j: (1.0 + math.log(c)) * idf[j] for j, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        z = intercept + sum(v * coef[j] for j, v in weights.items()) / norm
        out.append(1.0 / (1.0 + math.exp(-z)))
    return out


def _chunks(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while start < n:
        end = min(start + CHUNK_CHARS, n)
        if end < n:
            cut = max(text.rfind(". ", start, end), text.rfind("\n", start, end), text.rfind("? ", start, end),
                      text.rfind("! ", start, end))
            end = cut + 1 if cut > start + CHUNK_CHARS // 3 else end
        spans.append((start, end))
        start = end
    if len(spans) > MAX_CHUNKS:
        spans = spans[:MAX_CHUNKS - 2] + spans[-2:]
    return spans


def _classified_chunks(text: str) -> Iterator[tuple[int, int]]:
    spans = _chunks(text)
    threshold = _classifier()[4]
    for span, p in zip(spans, injection_probability([text[s:e] for s, e in spans]), strict=True):
        if p >= threshold:
            yield span
