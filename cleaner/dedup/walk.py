"""The dedup walk and the check of a candidate, as compiled kernels (numba).

Passages are walked in canonical order (``DedupIndex.order``). Each one joins
the cluster of a canonical kept so far, or becomes one. A copy's keys go in the
buckets too, so that a copy of the copy (two copies edited apart, a paragraph
split from an edited copy) reaches its cluster; but a bucket takes one entry
per cluster in a row, not one per copy. Each bucket is read newest first and at
most ``scan`` entries deep, and at most ``top`` candidates (those sharing the
most keys with the passage) are checked: the work per passage is bounded
whatever the size of a cluster or of a pile of passages that share one
sentence, and a story with 500 copies costs 500 checks, not 500 x 500.

Passages travel as token ids: the low 31 bits of each token's FNV-1a 64 hash
(``kernels.token_hashes``), the top bit set on a token that names or counts
something (a capitalised word, a number; see ``strip.text.marks`` and
``passages.token_ids``). The check derives what it needs from them: word
n-gram sets for Jaccard and containment, and a banded edit distance for
edited copies. A short passage ("Apple declined to comment on the report.")
must not merge with its template twin ("Google declined ..."): in one, a
flagged token is never substituted, inserted or deleted. At any length, two
passages that each name or count something the other never does are two facts
in one template ("The 5th Annual St. Louis Summit ..." / "The 13th Annual DC
Summit ..."), not copies (``names_apart``): a copy cut short, a piece of a
paragraph or an edited copy names nothing of its own on one side at least.
"""

from __future__ import annotations

import numpy as np

from ..jit import kernel
from .kernels import _FNV_OFFSET, _FNV_PRIME, _LOW32, _fmix64

ID_MASK = np.uint32(0x7FFFFFFF)
_NEVER = 1 << 20  # the cost of an edit a copy never makes (more than any limit)
NAME_FLAG = np.uint32(0x80000000)

# Rule codes the walk returns, and their names in the audit.
RULES = ("", "minhash", "truncated_copy", "exact", "in_document", "edited_copy", "prior", "recut_copy")
MINHASH, TRUNCATED, EXACT, IN_DOCUMENT, EDITED, RECUT = 1, 2, 3, 4, 5, 7


@kernel(nogil=True)
def gram_seq(tok: np.ndarray, start: int, end: int, size: int) -> np.ndarray:
    """32-bit hashes of the word ``size``-grams of ``tok[start:end]`` in order (flags ignored)."""
    n = end - start
    if n <= 0:
        return np.empty(0, dtype=np.uint32)
    width = min(size, n)
    out = np.empty(n - width + 1, dtype=np.uint32)
    for s in range(n - width + 1):
        acc = _FNV_OFFSET
        for j in range(width):
            acc = (acc ^ np.uint64(tok[start + s + j] & ID_MASK)) * _FNV_PRIME
        out[s] = np.uint32(_fmix64(acc) & _LOW32)
    return out


@kernel(nogil=True)
def gram_set(tok: np.ndarray, start: int, end: int, size: int) -> np.ndarray:
    """Sorted unique ``gram_seq``."""
    return np.unique(gram_seq(tok, start, end, size))


@kernel(nogil=True)
def shared(a: np.ndarray, b: np.ndarray) -> int:
    """How many values two sorted unique arrays share."""
    i = j = k = 0
    while i < a.size and j < b.size:
        if a[i] == b[j]:
            k += 1
            i += 1
            j += 1
        elif a[i] < b[j]:
            i += 1
        else:
            j += 1
    return k


@kernel(nogil=True)
def edit_limit(longer: int, short_max: int, share: float) -> int:
    """Word edits a copy may carry: 1 under 10 words, 2 under 20, 3 under ``short_max``, then ``share`` of the words."""
    if longer < 5:
        return 0
    if longer < short_max:
        return min(longer // 10 + 1, 3)
    return max(3, int(longer * share))


@kernel(nogil=True)
def _indel(token: np.uint32, guard: bool) -> int:
    return _NEVER if guard and (token & NAME_FLAG) else 1


@kernel(nogil=True)
def _cell(ai: np.uint32, bj: np.uint32, diag: int, up: int, left: int, cost_a: int, guard: bool, big: int) -> int:
    """One cell of the word edit table: keep or substitute (a flagged token never), delete ``ai``,
    insert ``bj``; capped at ``big``."""
    if (ai & ID_MASK) == (bj & ID_MASK):
        d = diag
    elif guard and ((ai | bj) & NAME_FLAG):
        d = big
    else:
        d = diag + 1
    return min(d, up + cost_a, left + _indel(bj, guard), big)


@kernel(nogil=True)
def edit_distance(tok: np.ndarray, a0: int, a1: int, b0: int, b1: int, limit: int, guard: bool) -> int:
    """Word edit distance of two token runs, or ``limit + 1`` once it must exceed ``limit``
    (a band of width ``limit`` around the diagonal). With ``guard``, a flagged token is never
    substituted, inserted or deleted: a copy does not change who or how many."""
    n, m = a1 - a0, b1 - b0
    big = limit + 1
    if abs(n - m) > limit:
        return big
    prev = np.full(m + 2, big, dtype=np.int64)
    cur = np.full(m + 2, big, dtype=np.int64)
    prev[0] = 0
    for j in range(1, min(m, limit) + 1):
        prev[j] = min(prev[j - 1] + _indel(tok[b0 + j - 1], guard), big)
    for i in range(1, n + 1):
        ai = tok[a0 + i - 1]
        cost_a = _indel(ai, guard)
        lo, hi = max(1, i - limit), min(m, i + limit)
        cur[lo - 1] = min(prev[lo - 1] + cost_a, big) if lo == 1 else big
        best = cur[lo - 1]
        for j in range(lo, hi + 1):
            cur[j] = _cell(ai, tok[b0 + j - 1], prev[j - 1], prev[j], cur[j - 1], cost_a, guard, big)
            best = min(best, cur[j])
        cur[hi + 1] = big
        if best > limit:
            return big
        prev, cur = cur, prev
    return prev[m]


@kernel(nogil=True)
def _has_own_name(tok: np.ndarray, a0: int, a1: int, b0: int, b1: int) -> bool:
    """Whether run ``a`` holds a flagged token (a name, a number) that run ``b`` never has."""
    ids = np.sort(tok[b0:b1] & ID_MASK)
    for i in range(a0, a1):
        if tok[i] & NAME_FLAG:
            v = tok[i] & ID_MASK
            at = np.searchsorted(ids, v)
            if at >= ids.size or ids[at] != v:
                return True
    return False


@kernel(nogil=True)
def names_apart(tok: np.ndarray, a0: int, a1: int, b0: int, b1: int) -> bool:
    """Whether each run names or counts something the other never does (module docstring)."""
    return _has_own_name(tok, a0, a1, b0, b1) and _has_own_name(tok, b0, b1, a0, a1)


@kernel(nogil=True)
def check(tok: np.ndarray, a0: int, a1: int, b0: int, b1: int, a_cut: bool, params: np.ndarray,
          either_way: bool = False) -> tuple:
    """(rule, similarity) when the token run ``a`` is a copy of ``b``; rule 0 when it is not
    (``_check``), and never when the two name different things (``names_apart``)."""
    rule, sim = _check(tok, a0, a1, b0, b1, a_cut, params, either_way)
    if rule and rule != EXACT and names_apart(tok, a0, a1, b0, b1):
        return 0, 0.0
    return rule, sim


@kernel(nogil=True)
def _check(tok: np.ndarray, a0: int, a1: int, b0: int, b1: int, a_cut: bool, params: np.ndarray,
           either_way: bool = False) -> tuple:
    """(rule, similarity) when the token run ``a`` is a copy of ``b``; rule 0 when it is not.

    ``a_cut``: ``a`` ends the way a copy cut short does ("…"): then a start of ``b``
    within a few edits is enough, however short. ``either_way``: ``b`` may also be the one
    cut short (an index across runs keeps the first copy, longer or not). ``params``: shingle size, Jaccard
    threshold, truncation containment, the fewest words for the n-gram rules, the
    short passages' bound, the long ones' edit share.
    """
    size, threshold, contain = int(params[0]), params[1], params[2]
    ngram_min, short_max, share = int(params[3]), int(params[4]), params[5]
    na, nb = a1 - a0, b1 - b0
    if min(na, nb) >= ngram_min:
        ga, gb = gram_set(tok, a0, a1, size), gram_set(tok, b0, b1, size)
        k = shared(ga, gb)
        sim = k / (ga.size + gb.size - k)
        # ``a`` is the later one: a copy of ``b`` when ``b`` holds most of it. When ``a`` is the
        # longer, its words beyond ``b`` would be lost: Jaccard alone is not enough then.
        # Under ``short_max`` words one word changed costs half the n-grams, whether it is an
        # edit or another fact ("... a Web App?" / "... a Desktop App?"): the edit check decides.
        if sim >= threshold and (either_way or ga.size <= gb.size) and max(na, nb) >= short_max:
            return MINHASH, sim
        # A copy cut short ("…", a cached excerpt, half of a split paragraph). Under ``short_max``
        # words one changed last word leaves 6 of 7 n-grams: the guarded edit checks decide there.
        if k >= contain * (min(ga.size, gb.size) if either_way else ga.size) and min(na, nb) >= short_max:
            return TRUNCATED, sim
    if a_cut and na < nb:
        limit = edit_limit(na, short_max, share)
        if edit_distance(tok, a0, a1, b0, b0 + na, limit, na < short_max) <= limit:
            return TRUNCATED, na / nb
    longer = max(na, nb)
    limit = edit_limit(longer, short_max, share)  # 0 below five words: equal text only
    d = edit_distance(tok, a0, a1, b0, b1, limit, longer < short_max)
    if d == 0:
        return EXACT, 1.0
    if d <= limit:
        return EDITED, 1.0 - d / longer
    return 0, 0.0


@kernel(nogil=True)
def check_pairs(tok, a0, a1, b0, b1, cut, params):
    """``check`` (either way) of many pairs of token runs of ``tok``: (rules, similarities)."""
    rules = np.zeros(a0.size, dtype=np.int8)
    sims = np.zeros(a0.size, dtype=np.float64)
    for i in range(a0.size):
        rule, sim = check(tok, a0[i], a1[i], b0[i], b1[i], cut[i], params, True)
        rules[i], sims[i] = rule, sim
    return rules, sims


@kernel(nogil=True)
def _slot(table: np.ndarray, head: np.ndarray, key: np.uint64):
    """The open-addressing slot of ``key``: where it is, or the empty slot (head -1) where it would go."""
    mask = table.size - 1
    s = np.int64(key & np.uint64(mask))
    while head[s] >= 0 and table[s] != key:
        s = (s + 1) & mask
    return s


@kernel(nogil=True)
def _gather(p, key_off, keys, table, head, ent_pid, ent_next, scan, stamp, count, cand):
    """The canonicals sharing a key with passage ``p`` (each bucket newest first, ``scan`` deep),
    into ``cand``, with the number of keys each shares in ``count``; returns how many."""
    nc = 0
    for k in range(key_off[p], key_off[p + 1]):
        s = _slot(table, head, keys[k])
        if head[s] < 0:
            continue
        e, depth = head[s], 0
        while e >= 0 and depth < scan:
            q = ent_pid[e]
            if stamp[q] != p:
                stamp[q] = p
                count[q] = 0
                cand[nc] = q
                nc += 1
            count[q] += 1
            e = ent_next[e]
            depth += 1
    return nc


@kernel(nogil=True)
def _insert(p, canon, key_off, keys, table, head, ent_pid, ent_next, n_ent):
    """Put ``p``'s keys in their buckets: ``p`` is a canonical, or a copy of ``canon[p]``
    (a later copy of ``p`` then finds it, and joins its canonical)."""
    for k in range(key_off[p], key_off[p + 1]):
        s = _slot(table, head, keys[k])
        if head[s] >= 0 and _root(ent_pid[head[s]], canon) == _root(p, canon):
            continue  # a pile of copies of one passage takes one entry a bucket, not one a copy
        table[s] = keys[k]
        ent_pid[n_ent] = p
        ent_next[n_ent] = head[s]
        head[s] = n_ent
        n_ent += 1
    return n_ent


@kernel(nogil=True)
def _eligible(p, q, words, doc, pinned, context, related, ngram_min) -> bool:
    # A title must not swallow a longer copy of itself (its extra words would be nowhere);
    # a short line said twice in one page is a list entry or a label, not a copied passage;
    # a short sentence is a copy only of the same story's (a related document's).
    if pinned[q] and words[p] > words[q]:
        return False
    if context[p] and not _is_related(doc[q], related):
        return False
    return not (doc[p] == doc[q] and max(words[p], words[q]) < ngram_min)


@kernel(nogil=True)
def _is_related(d, related) -> bool:
    for k in range(1, related[0] + 1):  # noqa: SIM110 - a loop numba compiles, not a generator
        if related[k] == d:
            return True
    return False


@kernel(nogil=True)
def _relate(d, related) -> None:
    """Note that the document being walked copies document ``d`` (``related[0]`` of them so far)."""
    if not _is_related(d, related) and related[0] < related.size - 1:
        related[0] += 1
        related[related[0]] = d


@kernel(nogil=True)
def _inside_distance(tok: np.ndarray, a0: int, a1: int, b0: int, b1: int, limit: int, guard: bool) -> int:
    """Word edits between the run ``a`` and the closest run inside ``b`` (a sentence of a
    paragraph, edited), or ``limit + 1`` once it must exceed ``limit``."""
    n, m = a1 - a0, b1 - b0
    big = limit + 1
    prev = np.zeros(m + 1, dtype=np.int64)  # ``a`` may start anywhere in ``b``
    cur = np.zeros(m + 1, dtype=np.int64)
    for i in range(1, n + 1):
        ai = tok[a0 + i - 1]
        cost_a = _indel(ai, guard)
        cur[0] = min(prev[0] + cost_a, big)
        best = cur[0]
        for j in range(1, m + 1):
            cur[j] = _cell(ai, tok[b0 + j - 1], prev[j - 1], prev[j], cur[j - 1], cost_a, guard, big)
            best = min(best, cur[j])
        if best > limit:
            return big
        prev, cur = cur, prev
    return prev.min()


@kernel(nogil=True)
def _pick(cand, nc, count, rank, canon):
    """The index in ``cand`` of the member sharing most keys (ties: its canonical came first); -1 when none is left."""
    pick = -1
    for c in range(nc):
        q = cand[c]
        if q < 0:
            continue
        if pick < 0 or count[q] > count[cand[pick]] or (
                count[q] == count[cand[pick]] and rank[_root(q, canon)] < rank[_root(cand[pick], canon)]):
            pick = c
    return pick


@kernel(nogil=True, inline="always")
def _root(m, canon):
    return m if canon[m] < 0 else canon[m]


@kernel(nogil=True)
def _against(p, m, r, tok, tok_off, words, doc, cut, related, params):
    """(rule, similarity) of passage ``p`` against member ``m`` of canonical ``r``'s cluster."""
    rule, sim = check(tok, tok_off[p], tok_off[p + 1], tok_off[m], tok_off[m + 1], cut[p], params)
    if doc[r] == doc[p] and rule == TRUNCATED:
        return 0, 0.0  # in one page, a heading that repeats the start of a paragraph is no copy
    # A few words cut short ("Let's take a look at…") start many paragraphs: under
    # ``ngram_min`` words they name their paragraph only inside a related document.
    if rule == TRUNCATED and cut[p] and words[p] < params[3] and not _is_related(doc[r], related):
        return 0, 0.0
    # A passage inside another document's longer paragraph, within a few edits: a sentence
    # of the same story re-cut. Under ``ngram_min`` words only inside a related document.
    short_max = int(params[4])
    if (not rule and words[p] < min(short_max, words[m]) and doc[r] != doc[p]
            and (words[p] >= params[3] or _is_related(doc[r], related))):
        limit = edit_limit(words[p], short_max, params[5])
        if _inside_distance(tok, tok_off[p], tok_off[p + 1], tok_off[m], tok_off[m + 1], limit, True) <= limit:
            return TRUNCATED, words[p] / words[m]
    return rule, sim


@kernel(nogil=True)
def _best(p, cand, nc, count, rank, canon, top, tok, tok_off, words, doc, pinned, cut, context, related, params):
    """The best of the ``top`` bucket members sharing most keys with ``p``: (canonical, rule, similarity).

    A member is a canonical or a copy of one (its keys name it, ``_insert``): ``p`` is
    checked against the member it shares keys with, and joins that member's canonical.
    """
    best_q, best_rule, best_sim = -1, 0, -1.0
    checked = np.empty(top, dtype=np.int64)
    n_checked = 0
    for _ in range(top):
        pick = _pick(cand, nc, count, rank, canon)
        if pick < 0:
            break
        m = cand[pick]
        cand[pick] = -1
        r = _root(m, canon)
        if not _eligible(p, r, words, doc, pinned, context, related, int(params[3])):
            continue
        rule, sim = _against(p, m, r, tok, tok_off, words, doc, cut, related, params)
        # ``p`` joins the canonical, not the member: a member may hold names its canonical
        # does not (a paragraph joined to it), and ``p`` must not name things apart from it.
        if rule and m != r and names_apart(tok, tok_off[p], tok_off[p + 1], tok_off[r], tok_off[r + 1]):
            rule = 0
        if rule and (sim > best_sim or (sim == best_sim and rank[r] < rank[best_q])):
            best_q, best_rule, best_sim = r, rule, sim
        # A re-cut copy is made of the kept passages themselves: a member may be a copy that
        # joined its canonical with other text, which that canonical does not hold.
        if doc[r] != doc[p] and not _holds(checked, n_checked, r):
            checked[n_checked] = r
            n_checked += 1
    if best_q < 0 and n_checked > 1 and words[p] >= params[3]:  # (only other documents are checked)
        best_q, best_sim = _covered(p, checked[:n_checked], tok, tok_off, params)
        best_rule = RECUT if best_q >= 0 else 0
    return best_q, best_rule, best_sim


@kernel(nogil=True)
def _holds(values, n, v) -> bool:
    for k in range(n):  # noqa: SIM110 - a loop numba compiles, not a generator
        if values[k] == v:
            return True
    return False


@kernel(nogil=True)
def _covered(p, cands, tok, tok_off, params):
    """A re-cut copy: ``p``'s words are mostly inside n-grams of the candidates together, each
    holding its own piece (a paragraph that joins two kept ones, or holds sentences of
    several). Returns the candidate holding most of it, and the share covered; (-1, 0) when
    they do not cover it. Words, not n-grams, are counted: the n-grams across a join are in
    no candidate. Pieces are taken greedily, each for the words it adds: candidates that
    cover the same words are variants of one template ("... on Monday" / "... on Friday"),
    one piece between them, and one piece is no re-cut (the check of that candidate decided)."""
    size, contain = int(params[0]), params[2]
    start, n = tok_off[p], tok_off[p + 1] - tok_off[p]
    grams = gram_seq(tok, start, start + n, size)
    mine = np.zeros((cands.size, n), dtype=np.bool_)
    for c in range(cands.size):
        q = cands[c]
        gq = gram_set(tok, tok_off[q], tok_off[q + 1], size)
        for s in range(grams.size):
            at = np.searchsorted(gq, grams[s])
            if at < gq.size and gq[at] == grams[s]:
                mine[c, s : s + size] = True
    covered = np.zeros(n, dtype=np.bool_)
    used = np.zeros(cands.size, dtype=np.bool_)
    first, pieces = -1, 0
    while True:
        pick, gain = -1, 0
        for c in range(cands.size):
            if used[c]:
                continue
            new = 0
            for w in range(n):
                new += mine[c, w] and not covered[w]
            if new > gain:
                pick, gain = c, new
        # A piece adds at least one n-gram's worth of words of its own.
        if pick < 0 or gain < size:
            break
        used[pick] = True
        covered |= mine[pick]
        pieces += 1
        if first < 0:
            first = pick
    share = covered.sum() / max(n, 1)
    if pieces < 2 or share < contain:
        return -1, 0.0
    return cands[first], share


@kernel(nogil=True)
def dedup_walk(order, key_off, keys, tok_off, tok, words, doc, pinned, cut, context, prior, link_off, link_to,
               link_sim, params, scan, top):
    """Each passage's canonical (-1: it is one) and rule, walking ``order``.

    ``prior[p] >= 0``: p copies a passage an earlier run kept (it is no bucket member);
    ``link_*``: checked pairs inside one document (CSR by passage), taken when their
    other end is a canonical already. A document's passages come one after another
    (``DedupIndex.order``), so the documents it was found to copy so far are known
    when its short sentences (``context``) come.
    """
    n = words.size
    canon = np.full(n, -1, dtype=np.int64)
    rule = np.zeros(n, dtype=np.int8)
    rank = np.full(n, n, dtype=np.int64)
    for r in range(order.size):
        rank[order[r]] = r
    # The table holds at most every key once, at a load of 0.8 at most (linear probing stays
    # short); 12 bytes a slot and 8 an entry, the memory the walk adds to the run's.
    size = 1
    while size * 4 < 5 * max(keys.size, 1):
        size *= 2
    table = np.zeros(size, dtype=np.uint64)
    head = np.full(size, -1, dtype=np.int32)
    ent_pid = np.empty(keys.size, dtype=np.int32)
    ent_next = np.empty(keys.size, dtype=np.int32)
    stamp = np.full(n, -1, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    widest = 1
    for p in range(n):
        widest = max(widest, key_off[p + 1] - key_off[p])
    cand = np.empty(widest * scan, dtype=np.int64)
    is_canon = np.zeros(n, dtype=np.bool_)
    related = np.zeros(9, dtype=np.int64)  # how many, then the documents the current one copies
    current = -1
    n_ent = 0
    for r in range(order.size):
        p = order[r]
        if doc[p] != current:
            current, related[0] = doc[p], 0
        if prior[p] >= 0:
            rule[p] = 6
            continue
        q, found, sim = -1, 0, -1.0
        if not pinned[p]:
            nc = _gather(p, key_off, keys, table, head, ent_pid, ent_next, scan, stamp, count, cand)
            q, found, sim = _best(p, cand, nc, count, rank, canon, top, tok, tok_off, words, doc, pinned, cut,
                                  context, related, params)
            for e in range(link_off[p], link_off[p + 1]):
                other = link_to[e]
                if is_canon[other] and rank[other] < r and (link_sim[e] > sim or q < 0):
                    q, found, sim = other, IN_DOCUMENT, link_sim[e]
        if q >= 0:
            canon[p], rule[p] = q, found
            if doc[q] != doc[p] and words[p] >= params[3]:  # a shared headline relates no stories
                _relate(doc[q], related)
        else:
            is_canon[p] = True
        n_ent = _insert(p, canon, key_off, keys, table, head, ent_pid, ent_next, n_ent)
    return canon, rule


@kernel(nogil=True)
def _sentence_key(tok: np.ndarray, start: int) -> np.uint64:
    """A sentence's key in ``span_walk``'s own table: its first four words (flags ignored). (Not the
    lookup key ``passages`` gives a sentence: the two tables never meet.)"""
    acc = _FNV_OFFSET
    for j in range(4):
        acc = (acc ^ np.uint64(tok[start + j] & ID_MASK)) * _FNV_PRIME
    return _fmix64(acc) | np.uint64(1)  # never 0: the empty slot's value


@kernel(nogil=True)
def _related_to(d, e, rel_off, rel_to) -> bool:
    """Whether document ``d`` was found to copy document ``e`` (a passage of ``ngram_min`` words or more)."""
    lo, hi = rel_off[d], rel_off[d + 1]
    at = lo + np.searchsorted(rel_to[lo:hi], e)
    return at < hi and rel_to[at] == e


@kernel(nogil=True)
def _sentence_twin(p, s0, s1, table, head, ent_pid, ent_s0, ent_s1, ent_next, tok, doc, rel_off, rel_to, params,
                   scan, top):
    """(kept passage, rule) of the kept sentence the token run ``s0:s1`` of ``p`` copies; (-1, 0) when none."""
    slot = _slot(table, head, _sentence_key(tok, s0))
    e, depth, checks = head[slot], 0, 0
    best_q, best_rule, best_sim = -1, 0, -1.0
    while e >= 0 and depth < scan and checks < top:
        q = ent_pid[e]
        depth += 1
        if doc[q] != doc[p] and (s1 - s0 >= params[3] or _related_to(doc[p], doc[q], rel_off, rel_to)):
            checks += 1
            rule, sim = check(tok, s0, s1, ent_s0[e], ent_s1[e], False, params)
            if rule and sim > best_sim:
                best_q, best_rule, best_sim = q, rule, sim
        e = ent_next[e]
    return best_q, best_rule


@kernel(nogil=True)
def span_walk(order, canon, prior, tok_off, tok, words, doc, pinned, context, divisible, sent_off, sent_start,
              rel_off, rel_to, params, scan, top):
    """The sentences to cut from passages that stay canonical: (passage, sentence, kept passage, rule) rows.

    Walks the canonicals in ``order``, as ``dedup_walk`` did. A kept passage's sentences
    (``sent_start``: where each after the first begins, CSR by ``sent_off``) go in a table
    under their first four words; a later canonical's sentence that finds one of another
    document there, and passes the check a passage passes (``check``: names and numbers
    kept apart, a short sentence within equal text or guarded edits), is a copy cut from
    it. Under ``ngram_min`` words it is one only when its document copies the other (as a
    short passage is, ``_eligible``). Each sentence reads its bucket ``scan`` deep and checks
    ``top`` entries: the work is bounded per sentence. Only a ``divisible`` passage is cut
    (assembly can find its sentences in its line). A passage is never cut to fewer than
    four words (what is left must be a sentence, the new one it adds); one whose sentences
    are all copies is the re-cut rule's, not this one's. Cut sentences join no bucket: a
    later copy of one is cut against the passage that kept it.
    """
    total = sent_off[-1] + words.size  # every passage's first sentence, and the later ones
    size = 1
    while size * 4 < 5 * max(total, 1):
        size *= 2
    table = np.zeros(size, dtype=np.uint64)
    head = np.full(size, -1, dtype=np.int32)
    ent_pid = np.empty(total, dtype=np.int64)
    ent_s0 = np.empty(total, dtype=np.int64)
    ent_s1 = np.empty(total, dtype=np.int64)
    ent_next = np.empty(total, dtype=np.int32)
    n_ent = 0
    out = np.empty((total, 4), dtype=np.int64)  # passage, sentence, kept passage, rule
    n_out = 0
    bounds = np.empty(64, dtype=np.int64)
    kept = np.empty(64, dtype=np.int64)
    rules = np.empty(64, dtype=np.int64)
    for r in range(order.size):
        p = order[r]
        if canon[p] >= 0 or prior[p] >= 0 or pinned[p] or context[p]:
            continue
        k = sent_off[p + 1] - sent_off[p] + 1
        if k + 1 > bounds.size:
            # A line of more than 63 sentences is no paragraph a copy re-cuts; it is neither cut
            # nor put in the table (a later copy of one of its sentences keeps that sentence).
            continue
        base, n = tok_off[p], tok_off[p + 1] - tok_off[p]
        bounds[0], bounds[k] = 0, n
        bounds[1:k] = sent_start[sent_off[p] : sent_off[p + 1]]
        left = n
        for s in range(k):
            kept[s], rules[s] = -1, 0
            if k >= 2 and bounds[s + 1] - bounds[s] >= 4 and divisible[p]:
                kept[s], rules[s] = _sentence_twin(p, base + bounds[s], base + bounds[s + 1], table, head, ent_pid,
                                                   ent_s0, ent_s1, ent_next, tok, doc, rel_off, rel_to, params, scan, top)
                if kept[s] >= 0:
                    left -= bounds[s + 1] - bounds[s]
        for s in range(k):
            s0, s1 = base + bounds[s], base + bounds[s + 1]
            if kept[s] >= 0 and left >= 4:
                out[n_out, 0], out[n_out, 1], out[n_out, 2], out[n_out, 3] = p, s, kept[s], rules[s]
                n_out += 1
            elif s1 - s0 >= 4:
                key = _sentence_key(tok, s0)
                slot = _slot(table, head, key)
                table[slot] = key
                ent_pid[n_ent], ent_s0[n_ent], ent_s1[n_ent], ent_next[n_ent] = p, s0, s1, head[slot]
                head[slot] = n_ent
                n_ent += 1
    return out[:n_out]
