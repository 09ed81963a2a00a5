"""Line features for the boilerplate model: what a line looks like and where it stands.

``line_features(lines, rule_hits=None) -> np.ndarray`` (float32, one row a line,
columns ``FEATURE_NAMES``).  No feature knows a phrase: lengths, sentence shape,
stopword density (jusText's stoplists, the document's language picked by best
overlap), capitalisation, digits, times, separators, symbols, emoji, URLs and
handles, position and distance to the main run of prose, repetition in the
document, the neighbours' features (±1, ±2) and smoothed runs (jusText-like),
and the existing rules' hit category as one-hot evidence.

The rules are reached through one adapter, ``rule_categories``; the strip stage
passes the categories it already has as ``rule_hits`` so that no line is matched twice.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import cache

import numpy as np

from . import kernels
from .charclass import code_points

# --------------------------------------------------------------------------
# The one adapter to the existing package
# --------------------------------------------------------------------------

RULE_CATEGORIES = (
    "ad_slot", "cache_banner", "cta", "curation_header", "footer", "media_widget", "navigation", "newsletter",
    "photo_credit", "poll", "reader_question", "related_counter", "related_header", "share_widget", "timestamp",
)


def rule_categories(lines: list[str]) -> list[str | None]:
    """The existing line rules' category for each line (None: no rule).  The only import of ``cleaner``."""
    from ..rules import match_line
    from ..text import word_count

    out = []
    for line in lines:
        w = word_count(line)
        m = match_line(line, w) if w else None
        out.append(m[0] if m else None)
    return out


# --------------------------------------------------------------------------
# Stoplists: a word -> language bitmask table built once from jusText
# --------------------------------------------------------------------------

@cache
def _stop_tables():
    """(word -> row, word x language matrix, language names, stoplists, sizes, each word's hash
    in a table, their rows): jusText's lists, constant data read once per process."""
    import justext

    names = [n for n in sorted(justext.get_stoplists()) if n != "Simple_English"]
    sets = [frozenset(w.lower() for w in justext.get_stoplist(n)) for n in names]
    vocab = sorted(set().union(*sets))
    index = {w: i for i, w in enumerate(vocab)}
    mat = np.zeros((len(vocab), len(names)), dtype=np.float32)
    for j, s in enumerate(sets):
        for w in s:
            mat[index[w], j] = 1.0
    sizes = np.array([len(s) for s in sets])
    cps = np.frombuffer("\n".join(vocab).encode("utf-32-le"), dtype=np.uint32)
    hashes = kernels.word_hashes(cps, np.array([len(w) for w in vocab], dtype=np.int64))
    if len(np.unique(hashes)) != len(hashes) or not hashes.all():
        raise RuntimeError("two stopwords share a hash, or one hashes to 0")
    keys, vals = kernels.hash_table(hashes, np.arange(len(vocab), dtype=np.int64))
    return index, mat, names, sets, sizes, keys, vals


def _word_rows(lines: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each word's row in the stoplist table (-1: in no stoplist), lines one after the other, and
    the number of words of each line. Words are ``\\w+`` runs of the lowered, NFKC-normalised text."""
    text = "\n".join(lines)
    lowered = (unicodedata.normalize("NFKC", text) if not text.isascii() else text).lower()
    cps, table = code_points([lowered])
    _, _, _, _, _, keys, vals = _stop_tables()
    return kernels.token_rows(cps, table, keys, vals, len(lines))


def pick_language(rows: np.ndarray, sample: int = 400) -> int:
    """The column of the language whose stoplist holds most of the document's first ``sample``
    words (-1: none holds any); among languages within 85% of the best, the smallest list (big
    lists hold English words). ``rows``: each token's row in the stoplist table (-1: in none)."""
    _, mat, _, _, sizes, _, _ = _stop_tables()
    counts = kernels.stoplist_counts(rows, mat, sample)
    top = counts.max() if len(counts) else 0.0
    if top <= 0:
        return -1
    near = np.flatnonzero(counts >= 0.85 * top)
    return int(near[np.lexsort((near, sizes[near]))[0]])


# --------------------------------------------------------------------------
# Per-line shape
# --------------------------------------------------------------------------

# The number, time and date columns as the model was trained on them; ``kernels.digit_columns``
# computes them in one compiled scan (tests/test_linemodel_kernels.py holds it to these).
_TIME_RE = re.compile(r"(?=\d)(?:\b\d{1,2}[:.h]\d{2}\b|\b\d{1,2}\s?(?:am|pm|a\.m\.|p\.m\.))", re.I)
_DATE_RE = re.compile(r"(?=\d)(?:\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b|\b(?:19|20)\d{2}\b|\d+年|\d+월|\d+日)")
_NUM_RE = re.compile(r"\d+(?:[.,]\d+)*")
_URL_RE = re.compile(r"https?://|www\.", re.I)
_HANDLE_RE = re.compile(r"(?<!\w)@\w")
_HASHTAG_RE = re.compile(r"(?<!\w)#\w")
_TLDS = r"(?:com|org|net|de|uk|fr|ru|jp|kr|io|ai|co|info|news|es|it|nl|at|ch|in|id|vn|tr|cn|tw|br|pl|au|ca)\b"
_DOMAIN_RE = re.compile(r"\b[\w-]+\." + _TLDS, re.I)
# A domain needs a dot before a top-level domain: a line without one is not scanned word by word.
_TLD_RE = re.compile(r"\." + _TLDS, re.I)
_BULLET_RE = re.compile(r"^(?:[-–—•*·►▸▶❯>+]|\d{1,2}[.)]|\[\d+\])\s*")
# shape masks for repetition and source templates
_MASK_NUM_RE = re.compile(r"\d+(?:[.,:]\d+)*")
_MASK_URL_RE = re.compile(r"https?://\S+|www\.\S+|(?<!\w)[@#]\w+")
_MASK_NAME_RE = re.compile(r"(?<=\s)[A-ZÀ-ÝА-Я][\w'’\-]*")
_SPACE_RE = re.compile(r"\s+")


def shape_key(line: str) -> str:
    """The line with numbers, times, URLs, handles and (after the first word) capitalised names masked:
    "240 upvotes · 57 replies" and "12 upvotes · 3 replies" have one key."""
    s = _MASK_URL_RE.sub("@", line.strip())
    s = _MASK_NUM_RE.sub("0", s)
    s = _MASK_NAME_RE.sub("N", s)
    return _SPACE_RE.sub(" ", s).lower()


def exact_key(line: str) -> str:
    return " ".join(line.split()).lower()


BASE_NAMES = [
    "log_words", "log_chars", "sent_end", "ends_colon", "ends_alnum", "stop_density", "log_stops", "title_ratio",
    "upper_ratio", "first_upper", "first_lower", "digit_ratio", "log_numbers", "has_time", "has_date",
    "log_seps", "bullet_start", "log_brackets", "log_emoji", "urls", "handles", "hashtags", "domains", "symbols",
    "punct_ratio", "commas_per_word", "avg_word_len", "cjk_ratio", "ends_question", "ends_ellipsis", "rule_any",
] + ["rule_" + c for c in RULE_CATEGORIES] + ["line_stop_density"]
NB = len(BASE_NAMES)
_RULE_COL = {c: BASE_NAMES.index("rule_" + c) for c in RULE_CATEGORIES}
_RULE_ANY = BASE_NAMES.index("rule_any")
_LINE_STOP = BASE_NAMES.index("line_stop_density")


def _pattern_columns(lines: list[str], cps: np.ndarray, table: np.ndarray, B: np.ndarray) -> None:
    """The columns that need a pattern (numbers, times, dates, bullets, links). Numbers, times
    and dates come from a compiled scan of the lines' code points (``cps``, classes in ``table``),
    as their patterns define them; each other pattern runs over only the lines that hold a
    character it needs (a regular expression costs per character scanned, a substring test
    almost nothing), those lines joined as one text, and each match counts for the line it
    starts in: no pattern can match across a newline."""
    if (B[:, 11] > 0).any():  # digit_ratio
        numbers, times, dates = kernels.digit_columns(cps, table, len(lines))
        for i in np.flatnonzero(numbers).tolist():
            B[i, 12] = math.log1p(numbers[i])
        B[:, 13] = times
        B[:, 14] = dates
    B[:, 16] = [_BULLET_RE.match(line) is not None for line in lines]
    B[:, 19] = _line_counts(lines, [i for i, ln in enumerate(lines) if "/" in ln or "www" in ln], _URL_RE)
    B[:, 20] = _line_counts(lines, [i for i, ln in enumerate(lines) if "@" in ln], _HANDLE_RE)
    B[:, 21] = _line_counts(lines, [i for i, ln in enumerate(lines) if "#" in ln], _HASHTAG_RE)
    B[:, 22] = _line_counts(lines, [i for i, ln in enumerate(lines) if "." in ln and _TLD_RE.search(ln)], _DOMAIN_RE)


def _line_counts(lines: list[str], which: list[int], rx: re.Pattern) -> np.ndarray:
    """How many matches of ``rx`` each line holds, looked for in the lines ``which`` only (0 elsewhere)."""
    out = np.zeros(len(lines), dtype=np.int64)
    if not which:
        return out
    text = "\n".join([lines[i] for i in which])
    at = [m.start() for m in rx.finditer(text)]
    if at:
        line_starts = np.cumsum([0] + [len(lines[i]) + 1 for i in which[:-1]])
        np.add.at(out, np.asarray(which)[np.searchsorted(line_starts, at, side="right") - 1], 1)
    return out


# --------------------------------------------------------------------------
# Document context
# --------------------------------------------------------------------------

CTX_COLS = ["log_words", "sent_end", "stop_density", "title_ratio", "digit_ratio", "log_seps", "rule_any",
            "log_chars", "urls", "cjk_ratio", "line_stop_density"]
_CTX_IDX = [BASE_NAMES.index(c) for c in CTX_COLS]
OFFSETS = (-2, -1, 1, 2)
DOC_NAMES = [
    "prose", "rel_pos", "log_pos", "log_pos_end", "log_n", "log_dist_prose", "in_prose_span", "log_before_first",
    "log_after_last", "dist_center", "log_short_run", "short_run_pos", "log_repeat", "log_shape_repeat",
    "doc_stop_level", "doc_prose_share", "words_vs_doc",
]
SMOOTH_NAMES = [f"smooth{w}_{c}" for w in (3, 8) for c in ("prose", "log_words", "rule_any", "sent_end", "stop_density")]
FEATURE_NAMES = (
    BASE_NAMES + DOC_NAMES + [f"{c}@{o:+d}" for o in OFFSETS for c in CTX_COLS] + SMOOTH_NAMES
)


def line_features(lines: list[str], rule_hits: list[str | None] | None = None) -> np.ndarray:
    """Feature matrix (len(lines) x len(FEATURE_NAMES)) for one document's non-empty, stripped lines."""
    return document_features(lines, rule_hits)[0]


def document_features(lines: list[str], rule_hits: list[str | None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``line_features`` and, from the same pass, what the headline picker reads of each line
    (``SHAPE_NAMES``: its ``str.split()`` words, and whether it ends like a sentence)."""
    n = len(lines)
    X = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float32)
    shape = np.zeros((n, len(SHAPE_NAMES)), dtype=np.int64)
    if n == 0:
        return X, shape
    B = X[:, :NB]
    if any("\n" in ln for ln in lines):
        # the compiled columns read the document as one text, a line's end at each newline
        lines = [ln.replace("\n", " ") for ln in lines]
    _line_columns(lines, rule_categories(lines) if rule_hits is None else rule_hits, B, shape)
    words = np.expm1(B[:, 0])
    chars = np.expm1(B[:, 1])
    cjk = B[:, 27] > 0.5
    # prose: a long line shaped like sentences, in the document's language or its own
    prose = ((words >= 12) & ((B[:, 2] > 0) | (np.maximum(B[:, 5], B[:, _LINE_STOP]) >= 0.2))) | (cjk & (chars >= 50))
    split_words = shape[:, 0]
    center = -1
    pidx = np.flatnonzero(prose)
    if len(pidx):
        wts = chars[pidx]
        center = int(pidx[np.searchsorted(np.cumsum(wts), wts.sum() / 2)])
    kernels.context_columns(B, prose, words, float(center), X, NB, _CTX_IDX_ARR, _OFFSETS_ARR,
                            _SMOOTH_SRC, _WINDOWS)
    D = X[:, NB : NB + len(DOC_NAMES)]
    D[:, 12] = _repeats(lines, split_words, exact_key)
    D[:, 13] = _repeats(lines, split_words, shape_key)
    return X, shape


SHAPE_NAMES = ["split_words", "ends_sentence"]
_CTX_IDX_ARR = np.array(_CTX_IDX, dtype=np.int64)
_OFFSETS_ARR = np.array(OFFSETS, dtype=np.int64)
# the smoothed columns after the prose mask: words, rule hit, sentence end, stopword density
_SMOOTH_SRC = np.array([0, _RULE_ANY, 2, 5], dtype=np.int64)
_WINDOWS = np.array([3, 8], dtype=np.int64)


def _line_columns(lines: list[str], rule_hits: list[str | None], B: np.ndarray, shape: np.ndarray) -> None:
    """Each line's own shape, and the rules' evidence."""
    rows, words = _word_rows(lines)
    mat = _stop_tables()[1]
    cps, table = code_points(lines)
    char_lens = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    kernels.line_shape(cps, char_lens, table, words, rows, pick_language(rows), mat, B, shape)
    _pattern_columns(lines, cps, table, B)
    for i, cat in enumerate(rule_hits):
        if cat is not None:
            B[i, _RULE_ANY] = 1.0
            col = _RULE_COL.get(cat)
            if col is not None:
                B[i, col] = 1.0
    B[:, _LINE_STOP] = kernels.line_stop_density(rows, words, mat)


def _repeats(lines: list[str], words: np.ndarray, key) -> np.ndarray:
    """log1p of how many other lines of the document share the line's ``key``. Both keys keep the
    line's number of words, so only lines whose word count another line shares are keyed: in a
    page of prose most long lines have a count of their own, and keying them is the cost."""
    by_words: dict[int, list[int]] = {}
    for i, w in enumerate(words.astype(np.int64).tolist()):
        by_words.setdefault(w, []).append(i)
    others = np.zeros(len(lines), dtype=np.float32)
    for group in by_words.values():
        if len(group) < 2:
            continue
        keys = [key(lines[i]) for i in group]
        count: dict[str, int] = {}
        for k in keys:
            count[k] = count.get(k, 0) + 1
        others[group] = [count[k] - 1 for k in keys]
    return np.log1p(others)


