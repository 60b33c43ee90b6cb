"""What a rule pattern's matches must hold, read from the pattern itself when the rules load.

The stages use these answers to skip a pattern where it cannot match (a text without a character or word
every match holds; a line that does not end as every match must), so that rule files stay data: an analyst's
new pattern is read the same way, and one that cannot be read is simply always run. Read on the standard
library's parse of the pattern (``re._parser``, private: guarded, and every reader has doctests that
would fail if its format changed).
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import regex

#: Pattern text the standard library would read differently from the regex module, with no error:
#: POSIX classes ([[:alpha:]] reads as a set and a "]"; a set opening with a colon, [:：], reads the same)
#: and fuzzy constraints ({e<=1} reads as text).
_READ_DIFFERENTLY = re.compile(r"\[:\^?\w+:\]|\{(?!\d*(?:,\d*)?\})")
#: An escape: a Unicode property (\p{Han}), which the standard library has not, or any other.
_ESCAPE = re.compile(r"\\(?:[pP]\{[^}]*\}|.)", re.DOTALL)


def needed_chars(p: regex.Pattern[str]) -> frozenset[str]:
    r"""Characters that every match of ``p`` holds: its literal characters outside options, lookarounds and
    character sets (of alternatives, those all of them hold).

    A text without one of them holds no match, so the pattern need not be run over it. Read on the standard
    library's parse of the pattern; a pattern it cannot read (or would read otherwise, or with a case-blind
    flag) needs nothing, and is always run.

    >>> sorted(needed_chars(regex.compile(r"(?<! [0-9] ) [0-9]{1,6} (?:项|个)? (?:为民办|民生)? 实事", regex.VERBOSE)))
    ['事', '实']
    >>> sorted(needed_chars(regex.compile(r"(?:两个|四个) (?:意识|自信) | 一 \p{Han} 一", regex.VERBOSE)))
    []
    >>> sorted(needed_chars(regex.compile(r"(?:两个|四个) (?:意识|自信)", regex.VERBOSE)))
    ['个']
    >>> needed_chars(regex.compile(r"ab{e<=1}")), needed_chars(regex.compile(r"ab", regex.IGNORECASE))
    (frozenset(), frozenset())
    >>> sorted(needed_chars(regex.compile(r"\\p[\p{Han}]")))
    ['\\', 'p']
    >>> sorted(needed_chars(regex.compile(r"抄送[:：]"))), needed_chars(regex.compile(r"抄送[[:alpha:]]"))
    (['抄', '送'], frozenset())
    """
    parsed = _parsed(p)
    return frozenset() if parsed is None else frozenset(_needed(parsed))


def key_chars(needs: frozenset[str], words: Sequence[Sequence[str]]) -> frozenset[str]:
    """Keys one of which stands in every text a pattern matches: one of the characters it ``needs``, or the
    words of one group of its needed ``words`` (:func:`needed_words`); the fewest, a group before a lone
    character when as few (a word is rarer than any of its characters: a text holding 实 but not 实事 is
    not asked about the pattern). Empty when it needs nothing.

    >>> sorted(key_chars(frozenset("个"), (("两个", "四个"),))), sorted(key_chars(frozenset("实事"), (("实事",),)))
    (['个'], ['实事'])
    >>> sorted(key_chars(frozenset(), (("年产", "产能", "装机", "装机容量"),))), key_chars(frozenset(), ())
    (['产能', '年产', '装机'], frozenset())
    """
    # (a word holding another of its group is left out: a text holding it holds the other: 装机容量, 装机)
    options = [frozenset(w for w in group if not any(v != w and v in w for v in group)) for group in words] \
        + [frozenset(c) for c in sorted(needs)]
    return min(options, key=len) if options else frozenset()


def needed_words(p: regex.Pattern[str]) -> tuple[tuple[str, ...], ...]:
    r"""Words a text holds wherever ``p`` matches in it: for each tuple, at least one of its words.

    A word is a run of literal characters; an alternation asks for one word of each alternative; a
    lookahead or lookbehind asks for its words too (they stand in the text, if not in the match). Read
    like :func:`needed_chars` (a pattern it cannot read needs no word); a lone character is left to it.
    Most rule patterns need a common character (个, 一, 元) but a rarer word (个月, 一系列, 元 … 项目),
    or no character at all but one of a few words (年产|产能|装机): asking the text for those words (one
    ``in`` each) costs far less than running the pattern.

    >>> needed_words(regex.compile(r"(?:年产|产能|装机) (?:能力|量)? [0-9]{1,16}", regex.VERBOSE))
    (('年产', '产能', '装机'),)
    >>> needed_words(regex.compile(r"[0-9]{1,6} 个? (?:为民办|民生)? 实事 (?= 的? (?:项目|企业))", regex.VERBOSE))
    (('实事',), ('项目', '企业'))
    >>> needed_words(regex.compile(r"(?:两个|四个) (?:意识|自信) | 一 \p{Han} 一", regex.VERBOSE))
    (('两个', '四个', '一'),)
    >>> needed_words(regex.compile(r"[0-9]+ 个 (?!月)", regex.VERBOSE)), needed_words(regex.compile(r"ab", regex.IGNORECASE))
    ((), ())
    """
    parsed = _parsed(p)
    if parsed is None:
        return ()
    return tuple(words for words in _words(parsed) if len(words) > 1 or len(words[0]) > 1)


def _parsed(p: regex.Pattern[str]) -> Any | None:
    """The standard library's parse of ``p`` (None when it cannot read it as the regex module does)."""
    # a property becomes \s\S (in a set: any character; outside: two classes), which asks for no character
    # where it stands (not "."; a set of "." alone reads as the character "."); every other escape stays
    source = _ESCAPE.sub(lambda m: r"\s\S" if m[0][1] in "pP" else m[0], p.pattern)
    if p.flags & (regex.IGNORECASE | regex.VERSION1) or _READ_DIFFERENTLY.search(source):
        return None
    try:
        parsed = sre_parse.parse(source, p.flags & (re.VERBOSE | re.DOTALL | re.MULTILINE))
    except (re.error, OverflowError, RecursionError):
        return None
    if parsed.state.flags & re.IGNORECASE:  # an inline (?i)
        return None
    return parsed


def _needed(items: Iterable[tuple[Any, Any]]) -> set[str]:
    """The characters every match of a parsed (sub)pattern holds (see :func:`needed_chars`)."""
    out: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            out.add(chr(av))
        elif op is sre.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            if not add_flags & re.IGNORECASE:
                out |= _needed(sub)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, _high, sub = av
            if low >= 1:
                out |= _needed(sub)
        elif op is sre.ATOMIC_GROUP:
            out |= _needed(av)
        elif op is sre.BRANCH:
            out |= set.intersection(*(_needed(b) for b in av[1]))
        # sets, any character, lookarounds, anchors, references, conditionals: no character asked for
    return out


def _words(items: Iterable[tuple[Any, Any]]) -> list[tuple[str, ...]]:
    """The words a text holds where a parsed (sub)pattern matches, as tuples of which one stands
    (see :func:`needed_words`)."""
    out: list[tuple[str, ...]] = []
    run = ""  # the literal characters read since the last item that is not one
    for op, av in items:
        if op is sre.LITERAL:
            run += chr(av)
            continue
        if run:
            out.append((run,))
            run = ""
        if op is sre.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            if not add_flags & re.IGNORECASE:
                out += _words(sub)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, _high, sub = av
            if low >= 1:
                out += _words(sub)
        elif op is sre.ATOMIC_GROUP:
            out += _words(av)
        elif op is sre.ASSERT:  # a lookahead or lookbehind (not a negative one): its words stand in the text
            _direction, sub = av
            out += _words(sub)
        elif op is sre.BRANCH:
            # one word of each alternative stands: of its tuples, the one with the fewest (then longest) words
            picks = [min(ws, key=lambda w: (len(w), -min(map(len, w)))) if (ws := _words(b)) else None for b in av[1]]
            if all(picks):
                out.append(tuple(dict.fromkeys(w for pick in picks if pick for w in pick)))
        # sets, any character, negative lookarounds, anchors, references, conditionals: no word asked for
    if run:
        out.append((run,))
    return out


@lru_cache(maxsize=8)
def line_ends(pattern: regex.Pattern[str]) -> tuple[str, ...] | None:
    r"""The characters every full match of ``pattern`` ends with, before blank space at most; None when the
    pattern does not show it (then every line is asked). Read from the pattern's parse: its last items must
    be a class of plain characters, ``\s*`` and ``$``, with no alternative at the top level (read like
    :func:`needed_chars`: a pattern that cannot be read is None too).

    >>> line_ends(regex.compile(r"(?P<a>.+?) \s* [:：] \s* $", regex.VERBOSE))
    (':', '：')
    >>> line_ends(regex.compile(r"(?P<a>.+?)[:：]?$")), line_ends(regex.compile(r"a:$|b")), line_ends(regex.compile(r"\p{Han}:$"))
    (None, None, None)
    """
    parsed = _parsed(pattern)
    if parsed is None:
        return None
    items = list(parsed)
    if len(items) < 3 or any(op is sre.BRANCH for op, _ in items):
        return None
    last, blanks, end = items[-3:]
    if end != (sre.AT, sre.AT_END) or blanks[0] is not sre.MAX_REPEAT or blanks[1][:2] != (0, sre.MAXREPEAT) \
            or list(blanks[1][2]) != [(sre.IN, [(sre.CATEGORY, sre.CATEGORY_SPACE)])]:
        return None
    if last[0] is sre.LITERAL:
        return (chr(last[1]),)
    if last[0] is sre.IN and last[1] and all(op is sre.LITERAL for op, _ in last[1]):
        return tuple(chr(c) for _, c in last[1])
    return None
