"""Reading one rule file: TOML, the ``[about]`` table, declared keys and their shapes.

Shapes a key may declare:

``str`` / ``int`` / ``float`` / ``bool``
    a scalar.
``list[str]``
    a list of strings (returned as a tuple).
``regex`` / ``list[regex]``
    string(s) compiled with :mod:`regex` in VERBOSE mode (so write patterns
    with comments, and escape spaces as ``\\ ``).
``map[str]`` / ``map[list[str]]`` / ``map[regex]`` / ``map[float]``
    a table of string -> that shape.
``map[table]``
    a table of string -> table; the rule set that reads it checks its keys.

A key ending in ``?`` is optional. Every error is a :class:`~pipeline.errors.RulesError`
naming the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import regex

from ..errors import RulesError

ABOUT = ("description", "source")


def read_toml(path: Path) -> dict[str, Any]:
    """A rule file's parsed content (a TOML error names the file)."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(str(path), "<file>", f"not valid TOML: {exc}") from None
    except OSError as exc:
        raise RulesError(str(path), "<file>", f"cannot read: {exc.strerror or exc}") from None


def compile_regex(pattern: Any, path: str, key: str) -> regex.Pattern[str]:
    """A rule regex, compiled VERBOSE; a bad pattern names the file and key."""
    if not isinstance(pattern, str):
        raise RulesError(path, key, f"expected a regex string, got {type(pattern).__name__}")
    try:
        return regex.compile(pattern, regex.VERBOSE)
    except regex.error as exc:
        raise RulesError(path, key, f"bad regex: {exc}") from None


#: What a pattern joined into a union must not hold: an inline flag for the whole pattern ((?i), (?x) …),
#: which would spread to the others, and references to a group by number or recursion, which would
#: point elsewhere once the groups are renumbered.
_NOT_JOINABLE = regex.compile(r"\(\?[a-zA-Z]+\)|\\[1-9]|\\g<|\(\?P=|\(\?\(|\(\?&|\(\?R\)|\(\?[0-9+-]")


def union(patterns: Sequence[regex.Pattern[str]]) -> regex.Pattern[str] | None:
    """One pattern that matches at a place exactly when one of ``patterns`` does, tried in their order.

    For questions the patterns answer together: *does any match here / anywhere* (``match``, ``search``,
    ``fullmatch`` of the union), or *which is the first to match here* (each wrapped in a group named
    ``_0``, ``_1`` …). One call of the regex engine instead of one per pattern. None when the patterns
    cannot be joined faithfully (different flags, an inline flag or a numbered reference in one).

    >>> u = union([regex.compile("a+"), regex.compile("b(?P<x>c)")])
    >>> u.match("bc")["_1"], u.match("bc")["x"], u.fullmatch("aa") is not None, u.search("xyz") is None
    ('bc', 'c', True, True)
    """
    flags = {p.flags for p in patterns}
    if len(flags) > 1 or any(_NOT_JOINABLE.search(p.pattern) for p in patterns):
        return None
    flag = flags.pop() if flags else 0
    end = "\n" if flag & regex.VERBOSE else ""  # a comment in a verbose pattern ends at the line's end
    return regex.compile("|".join(f"(?P<_{i}>{p.pattern}{end})" for i, p in enumerate(patterns)) or "(?!)", flag)


class AnyOf:
    """Patterns asked together (the union when they can be joined, else one by one, with the same answers).

    >>> a = AnyOf([regex.compile("a+"), regex.compile("b(?P<x>c)")])
    >>> a.match("bcd"), a.fullmatch("bcd"), a.search("xbc"), a.first("bcd")[0], a.first("cd")
    (True, False, True, 1, None)
    """

    def __init__(self, patterns: Sequence[regex.Pattern[str]]) -> None:
        self.patterns = tuple(patterns)
        self.joined = union(self.patterns)
        # the number of each pattern's wrapper group in the union (a number is found faster than a name)
        self._wrappers = tuple(self.joined.groupindex[f"_{i}"] for i in range(len(self.patterns))) \
            if self.joined is not None else ()
        names = {name for p in self.patterns for name in p.groupindex}
        #: group name -> its number, for each pattern, in the match :meth:`first` returns
        self.numbers = {name: tuple((self.joined or p).groupindex.get(name, -1) for p in self.patterns)
                        for name in names}

    def match(self, text: str) -> bool:
        """Does one of the patterns match at the start of ``text``?"""
        if self.joined is not None:
            return self.joined.match(text) is not None
        return any(p.match(text) for p in self.patterns)

    def fullmatch(self, text: str) -> bool:
        """Does one of the patterns match the whole of ``text``?"""
        if self.joined is not None:
            return self.joined.fullmatch(text) is not None
        return any(p.fullmatch(text) for p in self.patterns)

    def search(self, text: str) -> bool:
        """Does one of the patterns match anywhere in ``text``?"""
        if self.joined is not None:
            return self.joined.search(text) is not None
        return any(p.search(text) for p in self.patterns)

    def first(self, text: str) -> tuple[int, regex.Match[str]] | None:
        """The first pattern (in order) that matches at the start of ``text``: its index and its match.

        The match is the union's when joined: its named groups are those of the pattern that matched.

        >>> b = AnyOf([regex.compile("(?P<n>1)(?P<body>.*)"), regex.compile("(?P<n>一)(?P<body>.*)")])
        >>> b.first("一、x")[0], b.first("1.x")[0], AnyOf([regex.compile("a")]).first("a")[0]
        (1, 0, 0)
        >>> k, m = b.first("一、x"); m.start(b.numbers["body"][k])  # a group asked by number: found faster
        1
        """
        if self.joined is not None:
            m = self.joined.match(text)
            if m is None:
                return None
            if len(self._wrappers) == 1:
                return 0, m
            # only the wrapper of the pattern that matched took part: it starts where the match does (at 0:
            # match() is anchored), the others at -1 (one call; lastgroup names an inner group when the
            # patterns share group names)
            return m.start(*self._wrappers).index(0), m
        return next(((i, m) for i, p in enumerate(self.patterns) if (m := p.match(text))), None)


_SCALARS: dict[str, Any] = {"str": str, "int": int, "float": (int, float), "bool": bool}


def check(path: str, key: str, shape: str, value: Any) -> Any:
    """``value`` checked against ``shape`` (regexes compiled, lists as tuples)."""
    if shape in _SCALARS:
        if not isinstance(value, _SCALARS[shape]) or (shape != "bool" and isinstance(value, bool)):
            raise RulesError(path, key, f"expected {shape}, got {type(value).__name__}")
        return value
    if shape == "regex":
        return compile_regex(value, path, key)
    if shape in ("list[str]", "list[regex]"):
        if not isinstance(value, list):
            raise RulesError(path, key, f"expected a list, got {type(value).__name__}")
        inner = shape[5:-1]
        return tuple(check(path, f"{key}[{i}]", inner, v) for i, v in enumerate(value))
    if shape.startswith("map["):
        if not isinstance(value, dict):
            raise RulesError(path, key, f"expected a table, got {type(value).__name__}")
        inner = shape[4:-1]
        if inner == "table":
            for k, v in value.items():
                if not isinstance(v, dict):
                    raise RulesError(path, f"{key}.{k}", f"expected a table, got {type(v).__name__}")
            return value
        return {k: check(path, f"{key}.{k}", inner, v) for k, v in value.items()}
    raise RulesError(path, key, f"unknown shape {shape!r}")  # pragma: no cover - a programming error


def validate(path: str, data: Mapping[str, Any], spec: Mapping[str, str]) -> dict[str, Any]:
    """One parsed rule file checked against its spec: ``about`` present, no unknown or missing key.

    The result holds every declared key (shapes checked, regexes compiled) and ``about``.
    """
    about = data.get("about")
    if not isinstance(about, dict):
        raise RulesError(path, "about", "every rule file opens with an [about] table (description, source)")
    for key in ABOUT:
        if not isinstance(about.get(key), str) or not about[key].strip():
            raise RulesError(path, f"about.{key}", "missing or empty")
    wanted = {k.rstrip("?"): (shape, not k.endswith("?")) for k, shape in spec.items()}
    for key in data:
        if key != "about" and key not in wanted:
            raise RulesError(path, key, f"unknown key (allowed: {', '.join(sorted(wanted))})")
    out: dict[str, Any] = {"about": about}
    for key, (shape, required) in wanted.items():
        if key in data:
            out[key] = check(path, key, shape, data[key])
        elif required:
            raise RulesError(path, key, "missing")
    return out


def load_file(path: Path, spec: Mapping[str, str]) -> dict[str, Any]:
    """Read and validate one rule file."""
    return validate(str(path), read_toml(path), spec)
