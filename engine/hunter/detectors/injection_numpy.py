"""The prompt-injection classifier's scoring of long texts in numpy: every n-gram hashed as a
polynomial (mod 2**64) in one vectorised pass, looked up in open hash tables of the vocabulary,
then scikit-learn's sublinear, L2-normalised TF-IDF and the logistic regression. Exactly the
plain-Python scorer's figures (`injection._py_probabilities`), about three times faster on 64 KB;
imported only when a text is long (numpy's import costs more than a lead's whole scan)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from engine.hunter.detectors.injection_weights import MODEL_FILE, Weights

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
    """The weights as numpy arrays, with the vocabularies in hash tables."""

    char_idf: np.ndarray
    char_coef: np.ndarray
    ngram_range: tuple[int, int]
    lookups: dict[int, _Lookup]  # per n-gram length
    word_vocabulary: dict[str, int]
    word_lookup: _Lookup
    word_idf: np.ndarray
    word_coef: np.ndarray
    word_ngrams: int
    intercept: float


def _gram_hash(gram: str) -> int:
    h = 0
    for c in gram:
        h = (h * int(_MULT) + ord(c)) & _MASK64
    return h


@lru_cache(maxsize=2)
def _arrays(w: Weights) -> _Model:
    lo, hi = w.ngram_range
    lookups = {n: _Lookup.build([(_gram_hash(g), j) for g, j in w.char_vocabulary.items() if len(g) == n])
               for n in range(lo, hi + 1)}
    return _Model(np.array(w.char_idf, dtype=np.float64), np.array(w.char_coef, dtype=np.float64), (lo, hi),
                  lookups, w.word_vocabulary,
                  _Lookup.build([(_gram_hash(g), j) for g, j in w.word_vocabulary.items()]),
                  np.array(w.word_idf, dtype=np.float64), np.array(w.word_coef, dtype=np.float64),
                  w.word_ngrams, w.intercept)


def probabilities(w: Weights, low: list[str], group_of: list[int] | None) -> tuple[np.ndarray, np.ndarray]:
    """Each lowered text's probability and, when `group_of` says which group each text is in (groups of
    consecutive texts), each group's as if its texts were read as one: the n-grams are found once,
    and a group's counts are the sum of its texts' (plus the word pairs across their joins)."""
    m = _arrays(w)
    # The texts side by side, each after one space: no n-gram or word crosses from one to the next.
    codes = np.frombuffer((" " + " ".join(low) + " ").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    text_of = np.repeat(np.arange(len(low)), [len(t) + 1 for t in low])  # a text's leading space is its own
    text_c, feat_c = _char_features(m, codes, text_of)
    text_w, feat_w, (cross_a, cross_b, cross_hash) = _word_features(m, codes, text_of)
    z = m.intercept + _tfidf_dot(text_c, feat_c, len(low), m.char_idf, m.char_coef) + \
        _tfidf_dot(text_w, feat_w, len(low), m.word_idf, m.word_coef)
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
