"""Compiled kernels (numba) for the line model's numeric work on one document.

A document has a dozen lines on average: as numpy calls, the model's context
columns, its two tree ensembles and the stoplist counts were some sixty small
array operations per document, whose fixed cost was most of the model's time.
Each kernel here is one call that loops over the document's lines, and computes
what the numpy and regular-expression code it replaced computed, in the same
order (three position columns may differ in the last bit of a float32 log, which
moved no decision on 392,217 lines of the training and held-out pages):
tests/test_linemodel_kernels.py checks the shape columns against their
definitions on real lines and on arbitrary text.
"""

from __future__ import annotations

import math

import numpy as np

from ...jit import kernel


@kernel(nogil=True)
def ensemble_raw(X, feature, thr, leaves, baseline, depth):
    """Each row's raw score: the baseline plus every tree's leaf value. The trees are complete
    (``ensemble.complete_layout``): from slot k a row goes to 2k+1 when its feature is at most
    the threshold (a NaN goes right), else to 2k+2, ``depth`` times."""
    n = X.shape[0]
    trees = feature.shape[0]
    inner = (1 << depth) - 1
    out = np.zeros(n, dtype=np.float64)
    slot = np.zeros(n, dtype=np.int64)
    for t in range(trees):  # one tree for every row while its nodes are in the cache
        slot[:] = 0
        # level by level, so that the rows' steps do not wait on each other
        for _ in range(depth):
            for i in range(n):
                k = slot[i]
                slot[i] = 2 * k + 2 - (X[i, feature[t, k]] <= thr[t, k])
        for i in range(n):
            out[i] += leaves[t, slot[i] - inner]
    for i in range(n):
        out[i] += baseline
    return out


@kernel(nogil=True)
def stoplist_counts(rows, mat, limit):
    """How many of the first ``limit`` word rows each language's stoplist holds (unknown words: row -1)."""
    counts = np.zeros(mat.shape[1], dtype=np.float64)
    for k in range(min(limit, rows.size)):
        r = rows[k]
        if r >= 0:
            for j in range(mat.shape[1]):
                counts[j] += mat[r, j]
    return counts


@kernel(nogil=True)
def line_stop_density(rows, lengths, mat):
    """Each line's stopword share in the language whose list holds most of its words."""
    n = lengths.size
    langs = mat.shape[1]
    out = np.zeros(n, dtype=np.float32)
    counts = np.zeros(langs, dtype=np.float32)
    k = 0
    for i in range(n):
        m = lengths[i]
        if m == 0:
            continue
        for j in range(langs):
            counts[j] = 0.0
        for _ in range(m):
            r = rows[k]
            k += 1
            if r >= 0:
                for j in range(langs):
                    counts[j] += mat[r, j]
        top = counts[0]
        for j in range(1, langs):
            top = max(top, counts[j])
        out[i] = top / m
    return out


@kernel(nogil=True)
def _nearest_distance(mask, missing):
    """Distance in lines to the nearest True of ``mask`` (``missing`` everywhere when there is none)."""
    n = mask.size
    far = 1 << 40
    out = np.full(n, far, dtype=np.int64)
    last = -1
    for i in range(n):
        if mask[i]:
            last = i
        if last >= 0:
            out[i] = i - last
    if last < 0:
        out[:] = missing
        return out
    nxt = -1
    for i in range(n - 1, -1, -1):
        if mask[i]:
            nxt = i
        if nxt >= 0:
            out[i] = min(out[i], nxt - i)
    return out


@kernel(nogil=True)
def _span(mask):
    """The first and the last True of ``mask`` ((-1, -1) when there is none)."""
    first = -1
    last = -1
    for i in range(mask.size):
        if mask[i]:
            if first < 0:
                first = i
            last = i
    return first, last


@kernel(nogil=True)
def _smooth_into(x, w, out, col):
    """Mean of ``x`` over the window of ``w`` lines on each side (float64 running sums, as numpy's cumsum)."""
    n = x.size
    c = np.zeros(n + 1, dtype=np.float64)
    for i in range(n):
        c[i + 1] = c[i] + x[i]
    for i in range(n):
        lo = max(i - w, 0)
        hi = min(i + w + 1, n)
        out[i, col] = (c[hi] - c[lo]) / (hi - lo)


@kernel(nogil=True)
def context_columns(B, prose, words, center, X, nb, ctx_idx, offsets, smooth_src, windows):
    """The document columns (all but the two repeat counts) and the neighbour and smoothed columns of ``X``.

    ``B``: the base columns; ``prose``: the prose mask; ``words``: per line; ``center``: the
    prose's middle line by characters (-1 when there is no prose).
    """
    _place_columns(prose, center, X, nb)
    _run_columns(B, prose, words, X, nb)
    base = nb + 17
    _neighbour_columns(B, ctx_idx, offsets, X, base)
    _smooth_columns(B, prose, smooth_src, windows, X, base + offsets.size * ctx_idx.size)


@kernel(nogil=True)
def _place_columns(prose, center, X, D):
    """Position, and where the line stands to the document's prose."""
    n = prose.size
    first, last = _span(prose)
    dist = _nearest_distance(prose, 1000)
    for i in range(n):
        pos = float(i)
        X[i, D] = 1.0 if prose[i] else 0.0
        X[i, D + 1] = np.float32(pos / max(1, n - 1))
        X[i, D + 2] = math.log1p(np.float32(pos))  # float32, as numpy's log1p of float32 positions
        X[i, D + 3] = math.log1p(np.float32(n - 1 - pos))
        X[i, D + 4] = math.log1p(n)
        X[i, D + 5] = math.log1p(dist[i])
        if first >= 0:
            X[i, D + 6] = 1.0 if first <= i <= last else 0.0
            X[i, D + 7] = math.log1p(max(first - i, 0))
            X[i, D + 8] = math.log1p(max(i - last, 0))
            X[i, D + 9] = np.float32(abs(pos - center) / max(1, n))
        else:
            X[i, D + 7] = math.log1p(np.float32(pos))
            X[i, D + 8] = 0.0
            X[i, D + 9] = 1.0


@kernel(nogil=True)
def _run_columns(B, prose, words, X, D):
    """Runs of short non-prose lines (navigation blocks, link lists), and the document's levels."""
    n = prose.size
    i = 0
    while i < n:
        if (not prose[i]) and words[i] < 8:
            j = i
            while j < n and (not prose[j]) and words[j] < 8:
                j += 1
            for k in range(i, j):
                X[k, D + 10] = math.log1p(np.float32(j - i))
                X[k, D + 11] = np.float32((k - i + 0.5) / (j - i))
            i = j
        else:
            i += 1
    long_stop = np.empty(n, dtype=np.float32)
    m = 0
    prose_words = np.empty(n, dtype=np.float32)
    k = 0
    for i in range(n):
        if words[i] >= 8:
            long_stop[m] = B[i, 5]
            m += 1
        if prose[i]:
            prose_words[k] = words[i]
            k += 1
    level = _median(long_stop, m) if m else np.float32(0.0)
    med = float(_median(prose_words, k)) if k else 10.0
    share = np.float32(k / n)
    for i in range(n):
        X[i, D + 14] = level
        X[i, D + 15] = share
        X[i, D + 16] = np.float32(math.log1p(words[i])) - np.float32(math.log1p(med))


@kernel(nogil=True)
def _median(a, m):
    """The median of ``a[:m]`` as numpy's of float32 values (sorts ``a[:m]`` in place; m > 0).
    An insertion sort: a document's lines are few, and np.median costs seconds of compilation."""
    for i in range(1, m):
        x = a[i]
        j = i - 1
        while j >= 0 and a[j] > x:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = x
    h = m // 2
    if m % 2:
        return a[h]
    return np.float32((np.float64(a[h - 1]) + np.float64(a[h])) / 2.0)


@kernel(nogil=True)
def _neighbour_columns(B, ctx_idx, offsets, X, base):
    """The neighbours' shape (+-1, +-2 lines; -1 past the document's ends)."""
    n = B.shape[0]
    k_ctx = ctx_idx.size
    for j in range(offsets.size):
        for i in range(n):
            src = i + offsets[j]
            for c in range(k_ctx):
                X[i, base + j * k_ctx + c] = B[src, ctx_idx[c]] if 0 <= src < n else -1.0


@kernel(nogil=True)
def _smooth_columns(B, prose, smooth_src, windows, X, col):
    """Smoothed runs (jusText-like context) of the prose mask, then of the base columns ``smooth_src``."""
    n = B.shape[0]
    x = np.empty(n, dtype=np.float32)
    for w in windows:
        for s in range(smooth_src.size + 1):
            for i in range(n):
                x[i] = (1.0 if prose[i] else 0.0) if s == 0 else B[i, smooth_src[s - 1]]
            _smooth_into(x, w, X, col)
            col += 1


@kernel(nogil=True)
def stack_columns(p1, starts, ends, out, offsets, windows, confident):
    """Stage-2 columns of ``model.stack_features``: the stage-1 scores of the neighbours, smoothed
    over windows, the distance to the nearest confidently-content line, and the document's mean."""
    for d in range(starts.size):
        s = starts[d]
        e = ends[d]
        m = e - s
        total = 0.0
        for i in range(m):
            total += p1[s + i]
        for i in range(m):
            out[s + i, 0] = p1[s + i]
            for j in range(offsets.size):
                src = i + offsets[j]
                out[s + i, 1 + j] = p1[s + src] if 0 <= src < m else -1.0
        col = 1 + offsets.size
        for w in windows:
            _smooth_into(p1[s:e], w, out[s:e], col)
            col += 1
        confident_line = p1[s:e] < confident
        first, last = _span(confident_line)
        near = _nearest_distance(confident_line, 1000)
        for i in range(m):
            out[s + i, col] = math.log1p(near[i])
            out[s + i, col + 1] = 1.0 if first >= 0 and first <= i <= last else 0.0
            out[s + i, col + 2] = total / m


# Character classes of ``line_shape``, one bit each in the table ``charclass.py`` fills.
ALNUM, DECIMAL, UPPER, LOWER, CJK, SEP, BRACKET, EMOJI, SYMBOL, CAPITAL, SPACE = (1 << k for k in range(11))
_SENT_ENDERS = np.array([ord(c) for c in ".!?。！？…"], dtype=np.uint32)
_CLOSERS = np.array([ord(c) for c in "'\"”’»)]"], dtype=np.uint32)
# the headline picker's sentence end: no ellipsis (a cut headline is still one), no bracket
_TITLE_ENDERS = np.array([ord(c) for c in ".!?。！？"], dtype=np.uint32)
_TITLE_CLOSERS = np.array([ord(c) for c in "'\"”’»)"], dtype=np.uint32)


@kernel(nogil=True, inline="always")
def _decimal(table, c):
    return (table[c] & DECIMAL) != 0


@kernel(nogil=True, inline="always")
def _wordy(table, c):
    """``\\w``: alphanumeric or "_"."""
    return (table[c] & ALNUM) != 0 or c == 95


@kernel(nogil=True)
def missing_blocks(cps, filled):
    """The 256-code-point blocks of ``cps`` whose classes are not in the table yet."""
    out = []
    seen = filled.copy()
    for c in cps:
        b = c >> 8
        if not seen[b]:
            seen[b] = True
            out.append(b)
    return np.array(out, dtype=np.int64)


@kernel(nogil=True)
def _member(c, chars):
    for x in chars:  # noqa: SIM110 - numba compiles the loop, not a generator
        if c == x:
            return True
    return False


@kernel(nogil=True)
def _class_counts(cps, start, n, table):
    """One line's counts: alphanumerics, decimals, capitals, word starts, scripts, separators..."""
    alnum = digits = upper = cjk = seps = brackets = emoji = symbols = 0
    alpha_words = capwords = spaces = commas = split_words = 0
    prev_letter = False
    prev_word = False
    prev_space = True
    for j in range(start, start + n):
        c = cps[j]
        f = table[c]
        is_space = (f & SPACE) != 0
        if not is_space and prev_space:
            split_words += 1  # str.split(): runs of anything but whitespace
        prev_space = is_space
        if f & ALNUM:
            alnum += 1
            if f & DECIMAL:
                digits += 1
        if f & UPPER:
            upper += 1
        letter = (f & ALNUM) != 0 and (f & DECIMAL) == 0
        if letter and not prev_letter:
            alpha_words += 1
        if f & CAPITAL and not prev_word:
            capwords += 1
        prev_letter = letter
        prev_word = _wordy(table, c)
        cjk += (f & CJK) != 0
        seps += (f & SEP) != 0
        brackets += (f & BRACKET) != 0
        emoji += (f & EMOJI) != 0
        symbols += (f & SYMBOL) != 0
        spaces += c == 32
        commas += c == 44
    return alnum, digits, upper, cjk, seps, brackets, emoji, symbols, alpha_words, capwords, spaces, commas, split_words


@kernel(nogil=True)
def _ends_with(cps, start, n, enders, closers):
    """The line ends with one of ``enders`` followed by any number of ``closers``."""
    e = start + n - 1
    while e >= start and _member(cps[e], closers):
        e -= 1
    return e >= start and _member(cps[e], enders)


@kernel(nogil=True)
def _ends(cps, start, n, table, row):
    """The line's first and last characters: sentence end, colon, question, ellipsis, case."""
    first = table[cps[start]]
    last = cps[start + n - 1]
    row[2] = 1.0 if _ends_with(cps, start, n, _SENT_ENDERS, _CLOSERS) else 0.0
    row[3] = 1.0 if last == 58 or last == 0xFF1A else 0.0  # ":" "："
    row[4] = 1.0 if table[last] & ALNUM else 0.0
    row[9] = 1.0 if first & UPPER else 0.0
    row[10] = 1.0 if first & LOWER else 0.0
    row[28] = 1.0 if last == 63 or last == 0xFF1F else 0.0  # "?" "？"
    dots = n >= 3 and cps[start + n - 1] == 46 and cps[start + n - 2] == 46 and cps[start + n - 3] == 46
    row[29] = 1.0 if last == 0x2026 or dots else 0.0


@kernel(nogil=True)
def line_shape(cps, char_lens, table, words, rows, best, mat, B, extra):
    """The shape columns of each line from its code points (lines one after the other, each followed
    by one separator), as ``features.BASE_NAMES`` orders them; the pattern columns are left to Python.

    ``words``: tokens per line; ``rows``: each token's stoplist row (-1: none), lines one after
    the other; ``best``: the document's language column in ``mat`` (-1: none). ``extra`` gets
    what the headline picker reads: ``str.split()`` words, and a sentence end without ellipsis.
    """
    start = 0
    k = 0
    for i in range(char_lens.size):
        n = char_lens[i]
        alnum, digits, upper, cjk, seps, brackets, emoji, symbols, alpha_words, capwords, spaces, commas, split = (
            _class_counts(cps, start, n, table))
        extra[i, 0] = split
        extra[i, 1] = n > 0 and _ends_with(cps, start, n, _TITLE_ENDERS, _TITLE_CLOSERS)
        m = words[i]
        stops = 0
        for _ in range(m):
            r = rows[k]
            k += 1
            if best >= 0 and r >= 0 and mat[r, best] > 0:
                stops += 1
        row = B[i]
        nletters = alnum - digits
        row[0] = math.log1p(m)
        row[1] = math.log1p(n)
        if n:
            _ends(cps, start, n, table, row)
            row[11] = digits / n
            row[24] = (n - alnum - spaces) / n
        row[5] = stops / m if m else 0.0
        row[6] = math.log1p(stops)
        row[7] = capwords / alpha_words if alpha_words else 0.0
        row[8] = upper / nletters if nletters else 0.0
        row[15] = math.log1p(seps)
        row[17] = math.log1p(brackets)
        row[18] = math.log1p(emoji)
        row[23] = 1.0 if symbols else 0.0
        row[25] = commas / m if m else 0.0
        row[26] = nletters / alpha_words if alpha_words else 0.0
        row[27] = cjk / alnum if alnum else 0.0
        start += n + 1


_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@kernel(nogil=True)
def _fnv(cps, start, end):
    h = _FNV_OFFSET
    for j in range(start, end):
        h = (h ^ np.uint64(cps[j])) * _FNV_PRIME
    return h


@kernel(nogil=True)
def word_hashes(cps, lens):
    """FNV-1a 64 of each word's code points (words one after the other, each followed by one separator)."""
    out = np.empty(lens.size, dtype=np.uint64)
    start = 0
    for i in range(lens.size):
        out[i] = _fnv(cps, start, start + lens[i])
        start += lens[i] + 1
    return out


@kernel(nogil=True)
def hash_table(hashes, rows):
    """An open-addressing table of ``hashes`` (none of them 0, the empty slot) to ``rows``."""
    size = 1
    while size < 4 * hashes.size:
        size *= 2
    keys = np.zeros(size, dtype=np.uint64)
    vals = np.full(size, -1, dtype=np.int64)
    mask = np.uint64(size - 1)
    for i in range(hashes.size):
        slot = hashes[i] & mask
        while keys[slot] != 0:
            slot = (slot + np.uint64(1)) & mask
        keys[slot] = hashes[i]
        vals[slot] = rows[i]
    return keys, vals


@kernel(nogil=True)
def _lookup(keys, vals, h):
    mask = np.uint64(keys.size - 1)
    slot = h & mask
    while keys[slot] != 0:
        if keys[slot] == h:
            return vals[slot]
        slot = (slot + np.uint64(1)) & mask
    return -1


@kernel(nogil=True)
def token_rows(cps, table, keys, vals, n_lines):
    """The words (``\\w+`` runs) of each line of a lowered text whose lines end with a newline:
    each word's stoplist row (-1: in no stoplist; ``keys``/``vals``: ``hash_table`` of the
    stopwords' hashes) and the number of words per line."""
    rows = np.empty(cps.size // 2 + 1, dtype=np.int64)
    words = np.zeros(n_lines, dtype=np.int64)
    k = 0
    line = 0
    start = -1
    for j in range(cps.size + 1):
        c = cps[j] if j < cps.size else 10
        is_word = j < cps.size and _wordy(table, c)
        if is_word:
            if start < 0:
                start = j
            continue
        if start >= 0:
            rows[k] = _lookup(keys, vals, _fnv(cps, start, j))
            k += 1
            words[line] += 1
            start = -1
        if c == 10:
            line += 1
    return rows[:k], words


@kernel(nogil=True, inline="always")
def _decimals(cps, table, start, end, k):
    """Whether the ``k`` code points from ``start`` (before ``end``) are all decimals."""
    if start + k > end:
        return False
    for j in range(start, start + k):  # noqa: SIM110 - a loop numba compiles, not a generator
        if not _decimal(table, cps[j]):
            return False
    return True


@kernel(nogil=True, inline="always")
def _ends_word(cps, table, at, end):
    """``\\b`` after a word character: ``at`` is the line's end or holds no word character."""
    return at == end or not _wordy(table, cps[at])


@kernel(nogil=True, inline="always")
def _meridiem(cps, at, end):
    """am, pm, a.m. or p.m. (any case) at ``at``."""
    if at + 1 >= end or cps[at] not in (97, 65, 112, 80):  # a A p P
        return False
    if cps[at + 1] in (109, 77):  # m M
        return True
    return at + 3 < end and cps[at + 1] == 46 and cps[at + 2] in (109, 77) and cps[at + 3] == 46


@kernel(nogil=True)
def _numbers(cps, table, s, e):
    r"""How many times ``\d+(?:[.,]\d+)*`` matches in [s, e): leftmost, longest, one after the other."""
    count = 0
    j = s
    while j < e:
        if not _decimal(table, cps[j]):
            j += 1
            continue
        count += 1
        while j < e and _decimal(table, cps[j]):
            j += 1
        while j + 1 < e and (cps[j] == 46 or cps[j] == 44) and _decimal(table, cps[j + 1]):
            j += 1
            while j < e and _decimal(table, cps[j]):
                j += 1
    return count


@kernel(nogil=True)
def _time_at(cps, table, i, e):
    r"""``\d{1,2}[:.h]\d{2}\b`` or ``\d{1,2}[^\S\n]?(?:am|pm|a\.m\.|p\.m\.)`` (any case) at ``i``."""
    for k in range(1, 3):
        if not _decimals(cps, table, i, e, k):
            return False
        p = i + k
        if p < e and cps[p] in (58, 46, 104, 72) and _decimals(cps, table, p + 1, e, 2) and _ends_word(cps, table, p + 3, e):
            return True
        if _meridiem(cps, p, e) or (p < e and (table[cps[p]] & SPACE) != 0 and _meridiem(cps, p + 1, e)):
            return True
    return False


@kernel(nogil=True)
def _date_at(cps, table, i, e):
    r"""``(?:19|20)\d{2}\b`` or ``\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b`` at ``i``."""
    c = cps[i]
    if (i + 3 < e and ((c == 49 and cps[i + 1] == 57) or (c == 50 and cps[i + 1] == 48))
            and _decimals(cps, table, i + 2, e, 2) and _ends_word(cps, table, i + 4, e)):
        return True
    for k1 in range(1, 5):
        if not _decimals(cps, table, i, e, k1):
            return False
        p = i + k1
        if p >= e or cps[p] not in (46, 47, 45):
            continue
        for k2 in range(1, 3):
            if not _decimals(cps, table, p + 1, e, k2):
                break
            q = p + 1 + k2
            if q >= e or cps[q] not in (46, 47, 45):
                continue
            for k3 in range(2, 5):
                if not _decimals(cps, table, q + 1, e, k3):
                    break
                if _ends_word(cps, table, q + 1 + k3, e):
                    return True
    return False


@kernel(nogil=True)
def digit_columns(cps, table, n_lines):
    """Per line of ``cps`` (lines separated by newlines): how many numbers it holds, and whether
    it holds a time or a date, as ``features._NUM_RE``, ``_TIME_RE`` and ``_DATE_RE`` find them
    (tests/test_linemodel_kernels.py checks the columns against those patterns)."""
    numbers = np.zeros(n_lines, dtype=np.int64)
    times = np.zeros(n_lines, dtype=np.bool_)
    dates = np.zeros(n_lines, dtype=np.bool_)
    s = 0
    for line in range(n_lines):
        e = s
        while e < cps.size and cps[e] != 10:
            e += 1
        numbers[line] = _numbers(cps, table, s, e)
        for i in range(s, e if numbers[line] else s):
            if not _decimal(table, cps[i]):
                continue
            if i + 1 < e and cps[i + 1] in (0x5E74, 0xC6D4, 0x65E5):  # \d+年, \d+월, \d+日
                dates[line] = True
            # every other alternative starts at \b: no word character before it
            if i == s or not _wordy(table, cps[i - 1]):
                times[line] |= _time_at(cps, table, i, e)
                dates[line] |= _date_at(cps, table, i, e)
        s = e + 1
    return numbers, times, dates
