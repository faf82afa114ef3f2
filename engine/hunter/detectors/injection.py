"""Prompt injection in text that will reach a model.

Four signs: instruction-override phrases, role-play of system/assistant turns or
chat-template tokens, look-alikes of tool calls, and hidden text (zero-width and
bidirectional controls, look-alike letters from another script). Phrases are also
looked for in a normalised copy of the text (NFKC, hidden characters removed,
look-alike letters mapped to Latin), because that is how a model would read it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from pathlib import Path

import numpy as np

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
                "prompt", "system", "developer", "jailbreak", "anything", "tell", "inform", "alert", "notify",
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
CLASSIFIER_MIN_CHARS = 40
CHUNK_CHARS = 600
SENTENCE_CHARS = (30, 300)
# A sentence of at least 30 characters (shorter ones join the next) up to its end, at most 300
# characters; bounded repeats only, so linear on any input.
_SENTENCE = re.compile(r"(?s).{%d,%d}?(?:[.!?](?=\s)|\n)|.{1,%d}"  # noqa: UP031 (braces are the pattern's)
                       % (SENTENCE_CHARS[0] - 1, SENTENCE_CHARS[1] - 1, SENTENCE_CHARS[1]))
MODEL_FILE = Path(__file__).with_name("injection_model.json")
_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd: n-grams hash as a polynomial in it, mod 2**64
_MASK64 = (1 << 64) - 1
# Code points str.split() splits on (scikit-learn's analyzer splits words with it); all below U+3001.
_SPACE_TABLE = np.array([chr(c).isspace() for c in range(0x3001)], dtype=bool)


@lru_cache(maxsize=1)
def _word_table() -> np.ndarray:
    """str.isalnum() or "_" (what re's \\w is) per code point below U+10000, built on first use."""
    return np.array([chr(c).isalnum() or c == 95 for c in range(0x10000)], dtype=bool)


def _word_chars(codes: np.ndarray) -> np.ndarray:
    table = _word_table()
    small = codes < len(table)
    out = np.zeros(len(codes), dtype=bool)
    out[small] = table[codes[small]]
    for c in np.unique(codes[~small]):  # beyond the BMP: rare, asked one by one
        out[codes == c] = chr(int(c)).isalnum()
    return out


@lru_cache(maxsize=4)
def _powers_of(n: int) -> tuple[np.ndarray, np.ndarray]:
    inverse_mult = np.uint64(pow(int(_MULT), -1, 1 << 64))
    powers = np.cumprod(np.concatenate([[np.uint64(1)], np.full(n - 1, _MULT, dtype=np.uint64)]), dtype=np.uint64)
    inverse = np.cumprod(np.concatenate([[np.uint64(1)], np.full(n - 1, inverse_mult, dtype=np.uint64)]),
                         dtype=np.uint64)
    return powers, inverse


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """M**k and M**-k (mod 2**64) for k < n, from a table grown in powers of two."""
    size = 1 << max(12, (n - 1).bit_length())
    powers, inverse = _powers_of(size)
    return powers[:n], inverse[:n]


@dataclass(frozen=True)
class _Lookup:
    """The vocabulary's n-grams of one length in an open hash table: a query's slot gives a
    feature index (or -1), confirmed by comparing the full 64-bit hash. Grams whose slot is
    taken by another (rare) go to a small sorted overflow table."""
    bits: int
    slots: np.ndarray  # int32: feature index, -1 empty, -2 shared (look in the overflow)
    slot_hash: np.ndarray  # uint64: the hash of the gram in each slot
    overflow_hash: np.ndarray  # sorted uint64
    overflow_feature: np.ndarray

    @classmethod
    def build(cls, grams: list[tuple[int, int]]) -> _Lookup:
        bits = max(10, (8 * max(1, len(grams)) - 1).bit_length())
        h = np.array([x for x, _ in grams], dtype=np.uint64)
        feature = np.array([j for _, j in grams], dtype=np.int64)
        if len(np.unique(h)) != len(h):  # never seen; would silently merge two features
            raise ValueError(f"{MODEL_FILE.name}: two n-grams share a hash")
        slot = _slot(h, bits)
        taken, first, counts = np.unique(slot, return_index=True, return_counts=True)
        slots = np.full(1 << bits, -1, dtype=np.int32)
        slot_hash = np.zeros(1 << bits, dtype=np.uint64)
        alone = counts == 1
        slots[taken[alone]] = feature[first[alone]]
        slot_hash[taken[alone]] = h[first[alone]]
        slots[taken[~alone]] = -2
        shared = np.isin(slot, taken[~alone])
        order = np.argsort(h[shared])
        return cls(bits, slots, slot_hash, h[shared][order], feature[shared][order])

    def find(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of `h` that are vocabulary n-grams, and their feature indices."""
        slot = _slot(h, self.bits)
        got = self.slots[slot]
        hit = np.flatnonzero((got >= 0) & (self.slot_hash[slot] == h))
        pos, feat = hit, got[hit].astype(np.int64)
        maybe = np.flatnonzero(got == -2)
        if len(maybe):
            at = np.searchsorted(self.overflow_hash, h[maybe]) % len(self.overflow_hash)
            ok = self.overflow_hash[at] == h[maybe]
            pos = np.concatenate([pos, maybe[ok]])
            feat = np.concatenate([feat, self.overflow_feature[at[ok]]])
        return pos, feat


def _slot(h: np.ndarray, bits: int) -> np.ndarray:
    # One more multiply, so the last character (added unmultiplied) reaches the top bits.
    return ((h * _MULT) >> np.uint64(64 - bits)).astype(np.intp)


@dataclass(frozen=True)
class _Model:
    char_idf: np.ndarray
    char_coef: np.ndarray
    ngram_range: tuple[int, int]
    lookups: dict[int, _Lookup]  # per n-gram length
    word_vocabulary: dict[str, int]  # words and word pairs; empty when the model has no word part
    word_lookup: _Lookup
    word_idf: np.ndarray
    word_coef: np.ndarray
    word_ngrams: int
    intercept: float
    threshold: float  # for a chunk
    sentence_threshold: float


def _gram_hash(gram: str) -> int:
    h = 0
    for c in gram:
        h = (h * int(_MULT) + ord(c)) & _MASK64
    return h


@lru_cache(maxsize=1)
def _classifier() -> _Model:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    char, word = data["char"], data.get("word")
    lo, hi = (int(x) for x in char["ngram_range"])
    lookups = {n: _Lookup.build([(_gram_hash(g), j) for g, j in char["vocabulary"].items() if len(g) == n])
               for n in range(lo, hi + 1)}
    return _Model(np.array(char["idf"], dtype=np.float64), np.array(char["coef"], dtype=np.float64), (lo, hi),
                  lookups, word["vocabulary"] if word else {},
                  _Lookup.build([(_gram_hash(g), j) for g, j in (word["vocabulary"] if word else {}).items()]),
                  np.array(word["idf"] if word else [], dtype=np.float64),
                  np.array(word["coef"] if word else [], dtype=np.float64),
                  int(word["ngram_range"][1]) if word else 0, float(data["intercept"]), float(data["threshold"]),
                  float(data.get("sentence_threshold", 1.0)))


def injection_probability(texts: list[str]) -> list[float]:
    """The classifier's probability that each text is an instruction aimed at the assistant:
    exactly scikit-learn's TF-IDF (lowercased, sublinear, L2-normalised) over character n-grams
    within words (`char_wb`) and over words and word pairs, then the logistic regression; computed
    for all texts at once with numpy (one pass over 64 KB costs a few ms)."""
    return [float(p) for p in _probabilities(texts, None)[0]] if texts else []


def _probabilities(texts: list[str], group_of: list[int] | None) -> tuple[np.ndarray, np.ndarray]:
    """Each text's probability and, when `group_of` says which group each text is in (groups of
    consecutive texts), each group's as if its texts were read as one: the n-grams are found once,
    and a group's counts are the sum of its texts' (plus the word pairs across their joins)."""
    m = _classifier()
    low = [lowered(t) for t in texts]
    # The texts side by side, each after one space: no n-gram or word crosses from one to the next.
    codes = np.frombuffer((" " + " ".join(low) + " ").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    text_of = np.repeat(np.arange(len(low)), [len(t) + 1 for t in low])  # a text's leading space is its own
    text_c, feat_c = _char_features(m, codes, text_of)
    text_w, feat_w, (cross_a, cross_b, cross_hash) = _word_features(m, codes, text_of)
    z = m.intercept + _tfidf_dot(text_c, feat_c, len(texts), m.char_idf, m.char_coef) + \
        _tfidf_dot(text_w, feat_w, len(texts), m.word_idf, m.word_coef)
    if group_of is None:
        return 1.0 / (1.0 + np.exp(-z)), np.zeros(0)
    n_groups = group_of[-1] + 1 if group_of else 0
    group = np.array(group_of, dtype=np.int64)
    # Word pairs across the join of two texts of one group: the chunk read whole has them.
    same = group[cross_a] == group[cross_b]
    pos, pair_feat = m.word_lookup.find(cross_hash[same])
    zg = m.intercept + _tfidf_dot(group[text_c], feat_c, n_groups, m.char_idf, m.char_coef) + \
        _tfidf_dot(np.concatenate([group[text_w], group[cross_b[same][pos]]]),
                   np.concatenate([feat_w, pair_feat]), n_groups, m.word_idf, m.word_coef)
    return 1.0 / (1.0 + np.exp(-z)), 1.0 / (1.0 + np.exp(-zg))


def _char_features(m: _Model, codes: np.ndarray, text_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(text, feature) of every vocabulary n-gram occurrence (char_wb: n-grams within " word ")."""
    codes = codes.copy()
    small = codes < len(_SPACE_TABLE)
    space = np.zeros(len(codes), dtype=bool)
    space[small] = _SPACE_TABLE[codes[small]]
    codes[space] = 32
    which: list[np.ndarray] = []
    features: list[np.ndarray] = []
    h = np.zeros(len(codes), dtype=np.uint64)
    lo, hi = m.ngram_range
    for n in range(1, hi + 1):
        h = h[:len(codes) - n + 1] * _MULT + codes[n - 1:]
        if n >= lo:
            pos, feature = m.lookups[n].find(h)
            which.append(text_of[pos])
            features.append(feature)
    return np.concatenate(which), np.concatenate(features)


def _word_features(m: _Model, codes: np.ndarray, text_of: np.ndarray) -> tuple[
        np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(text, feature) of every vocabulary word and word pair (scikit-learn's words: runs of two or
    more \\w characters), hashed as the vocabulary is, in numpy; and the pairs that span two texts
    (first's text, second's text, hash), for the chunks."""
    empty = np.zeros(0, dtype=np.int64)
    if not m.word_vocabulary:
        return empty, empty, (empty, empty, np.zeros(0, dtype=np.uint64))
    edge = np.diff(np.concatenate([[False], _word_chars(codes), [False]]).astype(np.int8))
    starts, ends = np.flatnonzero(edge == 1), np.flatnonzero(edge == -1)
    keep = ends - starts >= 2
    starts, ends = starts[keep], ends[keep]
    # Hash of codes[s:e] = sum c[k] * M**(e-1-k) = M**(e-1) * (G[e] - G[s]), G the prefix sums of c[k] * M**-k.
    powers, inverse = _powers(len(codes) + 1)
    prefix = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(codes * inverse[:len(codes)], dtype=np.uint64)])
    h = powers[ends - 1] * (prefix[ends] - prefix[starts])
    text = text_of[starts]
    # "a b" = hash(a) * M**(len(b) + 1) + 32 * M**len(b) + hash(b)
    m_b = powers[(ends - starts)[1:]]
    pair = h[:-1] * m_b * _MULT + np.uint64(32) * m_b + h[1:]
    same = text[1:] == text[:-1]
    grams, owner = (np.concatenate([h, pair[same]]), np.concatenate([text, text[:-1][same]])) \
        if m.word_ngrams > 1 else (h, text)
    pos, feature = m.word_lookup.find(grams)
    return owner[pos], feature, (text[:-1][~same], text[1:][~same], pair[~same])


def _tfidf_dot(which: np.ndarray, feature: np.ndarray, n_texts: int, idf: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """Per text: the L2-normalised sublinear TF-IDF vector of its features (one entry per occurrence),
    dotted with `coef`."""
    if not len(which):
        return np.zeros(n_texts)
    uniq, counts = np.unique(which * len(idf) + feature, return_counts=True)
    text, j = np.divmod(uniq, len(idf))
    w = (1.0 + np.log(counts)) * idf[j]
    dot = np.bincount(text, w * coef[j], minlength=n_texts)
    norm = np.sqrt(np.bincount(text, w * w, minlength=n_texts))
    norm[norm == 0] = 1.0
    return dot / norm


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
    m = _classifier()
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
    of_sentence = dict(zip(flat, p_sentence.tolist(), strict=True))
    for g, chunks in enumerate(distinct.values()):
        if p_chunk[g] >= m.threshold:
            for c in chunks:
                yield sentences[members[c][0]][0], sentences[members[c][-1]][1]
    for span, t in zip(sentences, texts, strict=True):
        if of_sentence[t] >= m.sentence_threshold:
            yield span
