"""Tokenising and normalising text, shared by the strip rules and dedup.

One definition of "word" for the whole tool, so that a passage's length, its
shingles and a rule's word limit all count the same things.
"""

from __future__ import annotations

import re
import unicodedata

URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
HANDLE_PREFIX_RE = re.compile(r"^@\w{1,30}:\s*")
# Letters and digits, with inner apostrophes and hyphens kept so that "don't"
# and "all-hands" are one word in every language; "8,000" and "3.5" stay whole,
# while "américain.Quel" (two sentences glued by a scraper) is two words.
WORD_RE = re.compile(r"\w+(?:(?<=\d)[.,]\d+)*(?:[’'\-]\w+(?:(?<=\d)[.,]\d+)*)*", re.UNICODE)
# Bullets and breadcrumb marks that scrapers leave at the start of a line.
LEAD_MARKS_RE = re.compile(r"^[\s•·▪◦●■□►▶➤→»›>|/\\*\-–—]+")


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def words(text: str) -> list[str]:
    """The words of ``text``, as written (no case folding)."""
    return WORD_RE.findall(text)


def word_count(text: str) -> int:
    return len(WORD_RE.findall(text))


_DIGIT_COMMA_RE = re.compile(r"(?<=\d),(?=\d)")
_DIGIT_RE = re.compile(r"\d")


def tokens(text: str) -> list[str]:
    """Case-folded words for matching and shingling; URLs and a leading @handle are not content.

    "8,000" and "8000" are the same number in two copies of a story, and "don’t"
    and "don't" the same word. (The hot path of a run: each step is skipped when
    the text cannot need it.)
    """
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if "://" in text or "www." in text.lower():
        text = URL_RE.sub(" ", text)
    text = text.strip()
    if text.startswith("@"):
        text = HANDLE_PREFIX_RE.sub("", text)
    text = text.casefold()
    if "," in text:
        text = _DIGIT_COMMA_RE.sub("", text)
    if "’" in text:
        text = text.replace("’", "'")
    return WORD_RE.findall(text)


# Scripts written without spaces between words: Chinese, Japanese (kana and kanji), Thai,
# Lao, Khmer, Myanmar. A "word" of \w+ there is a whole clause or sentence.
NO_SPACE_RE = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def dedup_tokens(text: str) -> list[str]:
    """``tokens(text)`` for dedup: in scripts without spaces each character is a token, so that
    shingles, lengths and edits count characters there (a three-sentence Japanese paragraph
    is not three words); scripts with spaces keep their words."""
    toks = tokens(text)
    if not NO_SPACE_RE.search(text):
        return toks
    out: list[str] = []
    for t in toks:
        out.extend(t if NO_SPACE_RE.search(t) else (t,))
    return out


# A sentence ends at one of these, followed by a space, a closing quote or the end of the line
# ("3.5", "example.com" go on); the next word opens a sentence unless it starts in lower case
# ("e.g. the", "3 p.m. local time") or the word before the mark is an initial ("U.S.").
_SENTENCE_GAP_RE = re.compile("[.!?。！？]")
_SENTENCE_END_RE = re.compile("[.!?](?=[\\s\"'”’»)\\]]|$)|[。！？]")


def marks(text: str, count: int) -> tuple[list[bool], list[int]]:
    """Per token of ``dedup_tokens(text)`` (``count`` of them), whether it names or counts
    something (a capitalised word or a number), and the positions among them where a sentence
    other than the first begins, from one scan of its words. Either is empty
    when the words do not line up (flags: in scripts without spaces, where a token is a character)."""
    text = nfkc(text)
    if "://" in text or "www." in text.lower():
        text = URL_RE.sub(" ", text)
    return _marks_of(text, *_sentence_words(text), count)


def _sentence_words(text: str) -> tuple[list[str], list[int]]:
    """The words of a normalised line without links, as written, and the positions among them
    where a sentence other than the first begins."""
    starts: list[int] = []
    if _SENTENCE_GAP_RE.search(text) is None:
        return WORD_RE.findall(text), starts
    raw: list[str] = []
    for chunk in _SENTENCE_END_RE.split(text):
        found = WORD_RE.findall(chunk)
        if not found:
            continue  # "?!", "...": one end of a sentence
        if raw and not found[0][0].islower() and (len(raw[-1]) > 1 or NO_SPACE_RE.search(raw[-1])):
            starts.append(len(raw))
        raw.extend(found)
    return raw, starts


def _marks_of(text: str, raw: list[str], starts: list[int], count: int) -> tuple[list[bool], list[int]]:
    # At the start of a line any word is capitalised: there only a longer one counts ("Apple",
    # "Police"; the words that open sentences, "The", "In", "It", are short).
    flags = _name_flags(raw, _DIGIT_RE.search(text) is not None) if len(raw) == count else []
    if not starts or len(raw) == count:
        return flags, starts
    # Scripts without spaces: there ``dedup_tokens`` makes each character a token.
    at, ends = 0, []
    for w in raw:
        at += len(w) if NO_SPACE_RE.search(w) else 1
        ends.append(at)
    return flags, [ends[k - 1] for k in starts] if at == count else []


# The characters whose case folding turns a word character into a non-word one or back (or
# into ".,'’-", which the word pattern reads): "İ" folds to "i" and a combining dot. Found by
# folding every code point (tests/test_dedup.py does it again and compares).
FOLD_CHANGES_WORDS_RE = re.compile(
    "[\u0130\u01f0\u0345\u0390\u03b0\u1e96-\u1e99\u1f50\u1f52\u1f54\u1f56\u1fb6\u1fb7\u1fc6"
    "\u1fc7\u1fd2\u1fd3\u1fd6\u1fd7\u1fe2-\u1fe4\u1fe6\u1fe7\u1ff6\u1ff7]")


def passage_words(text: str) -> tuple[list[str], list[bool], list[int]]:
    """``dedup_tokens(text)`` and ``marks(text, len(tokens))`` from one scan of the words.

    Case folding works character by character, and outside ``FOLD_CHANGES_WORDS_RE`` it keeps
    each character a word character or not: the folded words of the line as written are then
    the tokens, unless a scan of the folded text would differ for a reason of its own (a
    leading @handle it drops, a comma between digits it removes, a script without spaces it
    cuts into characters); there both are found as they are defined.
    """
    norm = nfkc(text)
    if "://" in norm or "www." in norm.lower():
        norm = URL_RE.sub(" ", norm)
    if (norm.lstrip().startswith("@") or ("," in norm and _DIGIT_COMMA_RE.search(norm))
            or NO_SPACE_RE.search(norm) or FOLD_CHANGES_WORDS_RE.search(norm)):
        toks = dedup_tokens(text)
        return (toks, *marks(text, len(toks)))
    raw, starts = _sentence_words(norm)
    toks = [w.casefold() for w in raw]
    if "’" in norm:
        toks = [t.replace("’", "'") for t in toks]
    return (toks, *_marks_of(norm, raw, starts, len(toks)))


def _name_flags(raw: list[str], any_digit: bool) -> list[bool]:
    """Per word: a capitalised word (the line's first only when longer than three letters) or a
    word with a digit. (Per word of every passage of a run: the digit test only runs where the
    line has a digit, and the first word is put right afterwards.)"""
    if any_digit:
        flags = [w[0].isupper() or (not w.isalpha() and _DIGIT_RE.search(w) is not None) for w in raw]
    else:
        flags = [w[0].isupper() for w in raw]
    if flags and flags[0] and len(raw[0]) <= 3 and (raw[0].isalpha() or _DIGIT_RE.search(raw[0]) is None):
        flags[0] = False
    return flags


def sentence_spans(text: str, count: int, starts: list[int]) -> list[tuple[int, int]] | None:
    """Each sentence of a line as a character span of ``text`` (from its first word to the next
    sentence's), for the sentences ``marks(text, count)`` found at ``starts``; None unless the
    words and sentence starts found in ``text`` as written are those (a URL, a character that
    normalises to a sentence end or a script without spaces moves them: the line is then
    never cut by sentence)."""
    if not starts or NO_SPACE_RE.search(text) or "://" in text or "www." in text.lower() or text.lstrip().startswith("@"):
        return None
    found_starts: list[int] = []
    firsts: list[int] = []
    n, last = 0, ""
    ends = list(_SENTENCE_END_RE.finditer(text))
    # The chunks ``marks`` splits the line into, as positions: between one end mark and the next.
    for c0, c1 in zip([0, *(m.end() for m in ends)], [*(m.start() for m in ends), len(text)]):
        found = list(WORD_RE.finditer(text, c0, c1))
        if not found:
            continue
        first = found[0].group()
        if n and not first[0].islower() and len(last) > 1:
            found_starts.append(n)
            firsts.append(found[0].start())
        n += len(found)
        last = found[-1].group()
    if n != count or found_starts != list(starts):
        return None
    edges = [0, *firsts, len(text)]
    return [(edges[k], edges[k + 1]) for k in range(len(edges) - 1)]


def divisible(text: str, count: int, starts: list[int], names: list[bool]) -> bool:
    """Whether ``sentence_spans(text, count, starts)`` finds the spans, without building them
    where ``marks`` (which gave ``names`` and ``starts``) already read the line as written: a
    normalised line without links or a leading handle, in a script with spaces. There the
    spans line up exactly when all the words did (``names`` is empty otherwise)."""
    if not starts:
        return False
    if (unicodedata.is_normalized("NFKC", text) and "://" not in text and "www." not in text.lower()
            and not text.lstrip().startswith("@") and not NO_SPACE_RE.search(text)):
        return len(names) == count
    return sentence_spans(text, count, starts) is not None


def normalized(text: str) -> str:
    """A key under which two renderings of the same short line compare equal."""
    return " ".join(tokens(text))


def strip_marks(text: str) -> str:
    """The line without leading bullets or breadcrumb marks."""
    return LEAD_MARKS_RE.sub("", text).strip()
