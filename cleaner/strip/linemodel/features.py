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
from itertools import chain, islice, repeat

import numpy as np

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
    """(word -> row, word x language matrix, language names, stoplists, sizes): jusText's lists,
    constant data read once per process."""
    import justext

    names = [n for n in sorted(justext.get_stoplists()) if n != "Simple_English"]
    sets = [frozenset(w.lower() for w in justext.get_stoplist(n)) for n in names]
    vocab = sorted(set().union(*sets))
    index = {w: i for i, w in enumerate(vocab)}
    mat = np.zeros((len(vocab) + 1, len(names)), dtype=np.float32)  # last row: unknown word
    for j, s in enumerate(sets):
        for w in s:
            mat[index[w], j] = 1.0
    sizes = np.array([len(s) for s in sets])
    return index, mat, names, sets, sizes


def line_stop_density(token_lists: list[list[str]]) -> np.ndarray:
    """Each line's stopword share in the language that suits the line best: a sentence in another
    language than the rest of the document is still a sentence (a quote, a foreign-language lead)."""
    index, mat, _, _, _ = _stop_tables()
    unknown = mat.shape[0] - 1
    lengths = np.array([len(t) for t in token_lists])
    out = np.zeros(len(token_lists), dtype=np.float32)
    rows = list(map(index.get, chain.from_iterable(token_lists), repeat(unknown)))
    if not rows:
        return out
    nonempty = lengths > 0
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[nonempty]
    per_language = np.add.reduceat(mat[np.array(rows)], starts, axis=0)
    out[nonempty] = per_language.max(axis=1) / lengths[nonempty]
    return out


def pick_stoplist(token_lists: list[list[str]], sample: int = 400) -> frozenset:
    """The stoplist of the language with the best overlap on the document's first tokens;
    among languages within 85% of the best, the smallest list (big lists hold English words)."""
    index, mat, _, sets, sizes = _stop_tables()
    rows = list(map(index.get, islice(chain.from_iterable(token_lists), sample), repeat(-1)))
    if not rows:
        return frozenset()
    counts = mat[np.array(rows)].sum(axis=0)
    top = counts.max()
    if top <= 0:
        return frozenset()
    near = np.flatnonzero(counts >= 0.85 * top)
    best = near[np.lexsort((near, sizes[near]))[0]]
    return sets[best]


# --------------------------------------------------------------------------
# Per-line shape
# --------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\w+")
_SENT_END_RE = re.compile(r"[.!?。！？…]['\"”’»)\]]*$")
# Every alternative starts with a digit: the (?=\d) lets the engine skip to digits (5x faster, same matches).
_TIME_RE = re.compile(r"(?=\d)(?:\b\d{1,2}[:.h]\d{2}\b|\b\d{1,2}\s?(?:am|pm|a\.m\.|p\.m\.))", re.I)
_DATE_RE = re.compile(r"(?=\d)(?:\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b|\b(?:19|20)\d{2}\b|\d+年|\d+월|\d+日)")
_NUM_RE = re.compile(r"\d+(?:[.,]\d+)*")
_SEP_RE = re.compile(r"[·|›»→—•*/⋅►▸▶❯>«‹←–]")
_BRACKET_RE = re.compile(r"[\[\](){}【】「」]")
_EMOJI_RE = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")
_URL_RE = re.compile(r"https?://|www\.", re.I)
_HANDLE_RE = re.compile(r"(?<!\w)@\w")
_HASHTAG_RE = re.compile(r"(?<!\w)#\w")
_TLDS = r"(?:com|org|net|de|uk|fr|ru|jp|kr|io|ai|co|info|news|es|it|nl|at|ch|in|id|vn|tr|cn|tw|br|pl|au|ca)\b"
_DOMAIN_RE = re.compile(r"\b[\w-]+\." + _TLDS, re.I)
# A domain needs a dot before a top-level domain: a line without one is not scanned word by word.
_TLD_RE = re.compile(r"\." + _TLDS, re.I)
_SYMBOL_RE = re.compile(r"[©®™]")
_BULLET_RE = re.compile(r"^(?:[-–—•*·►▸▶❯>+]|\d{1,2}[.)]|\[\d+\])\s*")
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
_ALPHA_WORD_RE = re.compile(r"[^\W\d_]+")
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


_NONALNUM_RE = re.compile(r"[\W_]+")
_NONDIGIT_RE = re.compile(r"\D+")
_NONUPPER_ASCII_RE = re.compile(r"[^A-Z]+")
_CAPWORD_RE = re.compile(r"(?<!\w)[A-ZÀ-ÖØ-ÞΑ-ΩА-ЯЁ]")
_ALPHAWORD_START_RE = re.compile(r"(?<![^\W\d_])[^\W\d_]")


_ALL_BYTES = bytes(range(128))
_DEL_NON_ALNUM = bytes(c for c in _ALL_BYTES if not chr(c).isalnum())
_DEL_NON_DIGIT = bytes(c for c in _ALL_BYTES if not chr(c).isdigit())
_DEL_NON_UPPER = bytes(c for c in _ALL_BYTES if not chr(c).isupper())
_DEL_NON_SEP = bytes(c for c in _ALL_BYTES if chr(c) not in "|*/>")
_DEL_NON_BRACKET = bytes(c for c in _ALL_BYTES if chr(c) not in "[](){}")


def _base_row(line: str, toks: list[str], stop: frozenset, row: np.ndarray) -> None:
    n = len(line)
    words = len(toks)
    ascii_ = line.isascii()
    if ascii_:
        b = line.encode("ascii")
        alnum = len(b.translate(None, _DEL_NON_ALNUM))
        digits = len(b.translate(None, _DEL_NON_DIGIT))
        upper = len(b.translate(None, _DEL_NON_UPPER))
        seps = len(b.translate(None, _DEL_NON_SEP))
        brackets = len(b.translate(None, _DEL_NON_BRACKET))
        cjk = 0
    else:
        alnum = len(_NONALNUM_RE.sub("", line))
        digits = len(_NONDIGIT_RE.sub("", line)) if alnum else 0
        upper = sum(map(str.isupper, line))
        cjk = len(_CJK_RE.findall(line))
        seps = len(_SEP_RE.findall(line))
        brackets = len(_BRACKET_RE.findall(line))
    nletters = alnum - digits
    nalpha_words = len(_ALPHAWORD_START_RE.findall(line)) if nletters else 0
    stops = sum(map(stop.__contains__, toks)) if stop else 0
    first = line[0]
    last = line[-1]
    row[0] = math.log1p(words)
    row[1] = math.log1p(n)
    row[2] = 1.0 if _SENT_END_RE.search(line) else 0.0
    row[3] = 1.0 if last == ":" or last == "：" else 0.0
    row[4] = 1.0 if last.isalnum() else 0.0
    row[5] = stops / words if words else 0.0
    row[6] = math.log1p(stops)
    row[7] = len(_CAPWORD_RE.findall(line)) / nalpha_words if nalpha_words else 0.0
    row[8] = upper / nletters if nletters else 0.0
    row[9] = 1.0 if first.isupper() else 0.0
    row[10] = 1.0 if first.islower() else 0.0
    row[11] = digits / n
    if digits:
        row[12] = math.log1p(len(_NUM_RE.findall(line)))
        row[13] = 1.0 if _TIME_RE.search(line) else 0.0
        row[14] = 1.0 if _DATE_RE.search(line) else 0.0
    row[15] = math.log1p(seps)
    row[16] = 1.0 if _BULLET_RE.match(line) else 0.0
    row[17] = math.log1p(brackets)
    if not ascii_:
        row[18] = math.log1p(len(_EMOJI_RE.findall(line)))
    if "/" in line or "www" in line:
        row[19] = len(_URL_RE.findall(line))
    if "@" in line:
        row[20] = len(_HANDLE_RE.findall(line))
    if "#" in line:
        row[21] = len(_HASHTAG_RE.findall(line))
    if "." in line:
        row[22] = len(_DOMAIN_RE.findall(line)) if _TLD_RE.search(line) else 0
    if not ascii_:
        row[23] = 1.0 if _SYMBOL_RE.search(line) else 0.0
    row[24] = (n - alnum - line.count(" ")) / n
    row[25] = line.count(",") / words if words else 0.0
    row[26] = nletters / nalpha_words if nalpha_words else 0.0
    row[27] = cjk / alnum if alnum else 0.0
    row[28] = 1.0 if last in "?？" else 0.0
    row[29] = 1.0 if last == "…" or line.endswith("...") else 0.0


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


def _smooth(x: np.ndarray, w: int) -> np.ndarray:
    n = len(x)
    c = np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
    lo = np.maximum(np.arange(n) - w, 0)
    hi = np.minimum(np.arange(n) + w + 1, n)
    return ((c[hi] - c[lo]) / (hi - lo)).astype(np.float32)


def _log_dist_to(mask: np.ndarray) -> np.ndarray:
    """log1p of the distance in lines to the nearest True (a large value when there is none)."""
    n = len(mask)
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return np.full(n, math.log1p(1000), dtype=np.float32)
    pos = np.arange(n)
    j = np.clip(np.searchsorted(idx, pos), 0, len(idx) - 1)
    d = np.abs(idx[j] - pos)
    d2 = np.abs(idx[np.maximum(j - 1, 0)] - pos)
    return np.log1p(np.minimum(d, d2)).astype(np.float32)


def line_features(lines: list[str], rule_hits: list[str | None] | None = None) -> np.ndarray:
    """Feature matrix (len(lines) x len(FEATURE_NAMES)) for one document's non-empty, stripped lines."""
    n = len(lines)
    X = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float32)
    if n == 0:
        return X
    B = X[:, :NB]
    _line_columns(lines, rule_categories(lines) if rule_hits is None else rule_hits, B)
    words = np.expm1(B[:, 0])
    chars = np.expm1(B[:, 1])
    cjk = B[:, 27] > 0.5
    # prose: a long line shaped like sentences, in the document's language or its own
    prose = ((words >= 12) & ((B[:, 2] > 0) | (np.maximum(B[:, 5], B[:, _LINE_STOP]) >= 0.2))) | (cjk & (chars >= 50))
    _document_columns(lines, B, prose, words, chars, X[:, NB : NB + len(DOC_NAMES)])
    _neighbour_columns(B, prose.astype(np.float32), X, NB + len(DOC_NAMES))
    return X


def _line_columns(lines: list[str], rule_hits: list[str | None], B: np.ndarray) -> None:
    """Each line's own shape, and the rules' evidence."""
    lowered = [unicodedata.normalize("NFKC", ln).lower() if not ln.isascii() else ln.lower() for ln in lines]
    toks = [_TOKEN_RE.findall(ln) for ln in lowered]
    stop = pick_stoplist(toks)
    for i, line in enumerate(lines):
        _base_row(line, toks[i], stop, B[i])
        cat = rule_hits[i]
        if cat is not None:
            B[i, _RULE_ANY] = 1.0
            col = _RULE_COL.get(cat)
            if col is not None:
                B[i, col] = 1.0
    B[:, _LINE_STOP] = line_stop_density(toks)


def _short_runs(short: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Length of the run of short lines each line stands in, and its relative place in the run."""
    n = len(short)
    run_len = np.zeros(n, dtype=np.float32)
    run_pos = np.zeros(n, dtype=np.float32)
    i = 0
    while i < n:
        if short[i]:
            j = i
            while j < n and short[j]:
                j += 1
            run_len[i:j] = j - i
            run_pos[i:j] = (np.arange(j - i) + 0.5) / (j - i)
            i = j
        else:
            i += 1
    return run_len, run_pos


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


def _document_columns(lines: list[str], B: np.ndarray, prose: np.ndarray, words: np.ndarray, chars: np.ndarray,
                      D: np.ndarray) -> None:
    """Where each line stands: position, distance to the main run of prose, runs of short lines, repeats."""
    n = len(lines)
    pf = prose.astype(np.float32)
    pos = np.arange(n, dtype=np.float32)
    D[:, 0] = pf
    D[:, 1] = pos / max(1, n - 1)
    D[:, 2] = np.log1p(pos)
    D[:, 3] = np.log1p(n - 1 - pos)
    D[:, 4] = math.log1p(n)
    D[:, 5] = _log_dist_to(prose)
    pidx = np.flatnonzero(prose)
    if len(pidx):
        first, last = pidx[0], pidx[-1]
        D[:, 6] = (pos >= first) & (pos <= last)
        D[:, 7] = np.log1p(np.maximum(first - pos, 0))
        D[:, 8] = np.log1p(np.maximum(pos - last, 0))
        wts = chars[pidx]
        center = pidx[np.searchsorted(np.cumsum(wts), wts.sum() / 2)]
        D[:, 9] = np.abs(pos - center) / max(1, n)
    else:
        D[:, 7] = np.log1p(pos)
        D[:, 8] = 0
        D[:, 9] = 1.0
    # runs of short non-prose lines (navigation blocks, link lists)
    run_len, run_pos = _short_runs((~prose) & (words < 8))
    D[:, 10] = np.log1p(run_len)
    D[:, 11] = run_pos
    split_words = np.array([len(ln.split()) for ln in lines])
    D[:, 12] = _repeats(lines, split_words, exact_key)
    D[:, 13] = _repeats(lines, split_words, shape_key)
    long_stop = B[:, 5][words >= 8]
    D[:, 14] = float(np.median(long_stop)) if len(long_stop) else 0.0
    D[:, 15] = pf.mean()
    med = float(np.median(words[prose])) if len(pidx) else 10.0
    D[:, 16] = np.log1p(words) - math.log1p(med)


def _neighbour_columns(B: np.ndarray, pf: np.ndarray, X: np.ndarray, base: int) -> None:
    """The neighbours' shape (+-1, +-2 lines) and smoothed runs (jusText-like context)."""
    C = B[:, _CTX_IDX]
    k = len(CTX_COLS)
    for j, o in enumerate(OFFSETS):
        shifted = np.full_like(C, -1.0)
        if o < 0:
            shifted[-o:] = C[:o]
        else:
            shifted[:-o] = C[o:]
        X[:, base + j * k : base + (j + 1) * k] = shifted
    base += len(OFFSETS) * k
    cols = [pf, B[:, 0], B[:, _RULE_ANY], B[:, 2], B[:, 5]]
    m = 0
    for w in (3, 8):
        for c in cols:
            X[:, base + m] = _smooth(c, w)
            m += 1
