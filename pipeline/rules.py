"""Load and validate the rule files in ``rules/`` once.

Every rule file is TOML and opens with ``about.description`` and ``about.source``
(what it holds, where its entries come from). Its other keys are declared in :data:`SPECS` with the shape each
value must have; an unknown key, a missing key, a value of the wrong shape or
a regex that does not compile raises :class:`~pipeline.errors.RulesError`
naming the file and the key. Regex values are compiled here, once.

Shapes:

``str`` / ``int`` / ``float`` / ``bool``
    a scalar.
``list[str]``
    a list of strings.
``regex`` / ``list[regex]``
    string(s) compiled with :mod:`regex` in VERBOSE mode (so write patterns
    with comments, and escape spaces as ``\\ ``).
``map[str]``
    a table of string -> string.
``map[list[str]]``
    a table of string -> list of strings.
``map[regex]``
    a table of string -> regex.
``map[any]``
    a table of anything (validated by the stage that uses it).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

import regex

from .errors import RulesError

#: The packaged default rules directory (the repository's ``rules/``).
DEFAULT_RULES_DIR = Path(__file__).resolve().parent.parent / "rules"

ABOUT = {"description": "str", "source": "str"}

#: Declared keys of each rule file: name -> {key: shape}. A key ending in "?" is optional.
SPECS: dict[str, dict[str, str]] = {
    "roles": {
        "labels": "map[str]",
        "verbs": "map[str]",
        "acting_lead_rule": "regex",
        "first_lead_rule": "regex",
        "separators": "str",
    },
    "outline": {
        "section": "regex",
        "subsection": "regex",
        "item": "list[regex]",
        "bullet": "regex",
        "stop_headings": "list[str]",
        "start_headings?": "list[str]",
    },
    "metadata": {
        "doc_number": "regex",
        "date": "regex",
        "title": "regex",
        "issuer": "regex",
        "addressee_line": "regex",
        "chrome_lines": "list[regex]",
    },
    "repairs": {
        "garbled_doc_number": "regex",
        "doc_number_without_hao": "regex",
        "garbled_date": "regex",
        "missing_ordinal": "regex",
        "quote_pairs": "map[str]",
    },
    "units": {
        "suffixes": "list[str]",
        "prefixes": "list[str]",
        "collective": "list[regex]",
        "bare_prefix": "str",
    },
    "targets": {
        "kinds": "map[str]",
        "units": "map[any]",
        "magnitudes": "map[any]",
        "qualifiers_before": "map[str]",
        "qualifiers_after": "map[str]",
        "aspirational": "list[str]",
        "firm": "list[str]",
        "not_aspirational": "list[regex]",
        "growth_words": "list[str]",
        "decline_words": "list[str]",
        "links": "list[str]",
        "leading": "list[str]",
        "not_targets": "list[regex]",
    },
    "deadlines": {
        "labels": "list[str]",
        "patterns": "list[regex]",
        "ongoing": "list[regex]",
    },
    "indicators": {
        "indicators": "map[list[str]]",
        "polarity": "map[list[str]]",
        "polarity_words": "map[list[str]]",
    },
    "unit_renames": {
        "renames": "map[str]",
        "catch_alls": "map[list[str]]",
    },
    "compare": {
        "stop_tokens": "list[str]",
    },
    "tables": {
        "headers": "map[list[str]]",
    },
    "texttables": {
        "unit_suffixes": "list[str]",
        "page_numbers": "list[regex]",
        "clause_ends": "str",
        "closing_brackets": "str",
    },
}

#: Issuer unit dictionaries in rules/units/*.toml (one file per issuer).
ISSUER_SPEC: dict[str, str] = {
    "issuers": "list[str]",
    "doc_number_prefixes?": "list[str]",
    "scope_prefix?": "str",
    "units": "map[list[str]]",
}


def _check(path: str, key: str, shape: str, value: Any) -> Any:
    def fail(reason: str) -> RulesError:
        return RulesError(path, key, reason)

    def compile_(pattern: Any, k: str) -> regex.Pattern[str]:
        if not isinstance(pattern, str):
            raise RulesError(path, k, f"expected a regex string, got {type(pattern).__name__}")
        try:
            return regex.compile(pattern, regex.VERBOSE)
        except regex.error as exc:
            raise RulesError(path, k, f"bad regex: {exc}") from None

    if shape in ("str", "int", "float", "bool"):
        typ = {"str": str, "int": int, "float": (int, float), "bool": bool}[shape]
        if not isinstance(value, typ):
            raise fail(f"expected {shape}, got {type(value).__name__}")
        return value
    if shape == "regex":
        return compile_(value, key)
    if shape in ("list[str]", "list[regex]"):
        if not isinstance(value, list):
            raise fail(f"expected a list, got {type(value).__name__}")
        if shape == "list[regex]":
            return tuple(compile_(v, f"{key}[{i}]") for i, v in enumerate(value))
        for i, v in enumerate(value):
            if not isinstance(v, str):
                raise RulesError(path, f"{key}[{i}]", "expected a string")
        return tuple(value)
    if shape.startswith("map["):
        if not isinstance(value, dict):
            raise fail(f"expected a table, got {type(value).__name__}")
        inner = shape[4:-1]
        if inner == "any":
            return value
        return {k: _check(path, f"{key}.{k}", inner, v) for k, v in value.items()}
    raise fail(f"unknown shape {shape!r} in SPECS")  # pragma: no cover - programming error


def validate(path: str, data: Mapping[str, Any], spec: Mapping[str, str]) -> dict[str, Any]:
    """Check one parsed rule file against its spec; return it with regexes compiled."""
    about = data.get("about")
    if not isinstance(about, dict):
        raise RulesError(path, "about", "every rule file opens with an [about] table (description, source)")
    for key in ABOUT:
        if not isinstance(about.get(key), str) or not about[key].strip():
            raise RulesError(path, f"about.{key}", "missing or empty")
    wanted = {k.rstrip("?"): (shape, not k.endswith("?")) for k, shape in spec.items()}
    out: dict[str, Any] = {"about": about}
    for key in data:
        if key != "about" and key not in wanted:
            raise RulesError(path, key, f"unknown key (allowed: {', '.join(sorted(wanted))})")
    for key, (shape, required) in wanted.items():
        if key not in data:
            if required:
                raise RulesError(path, key, "missing")
            continue
        out[key] = _check(path, key, shape, data[key])
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(str(path), "<file>", f"not valid TOML: {exc}") from None


@dataclass(frozen=True)
class Rules:
    """All rule files of one rules directory, validated and compiled."""

    root: Path
    files: Mapping[str, Mapping[str, Any]]  # "targets" -> validated content
    issuers: Mapping[str, Mapping[str, Any]]  # "huangshigang" -> validated unit dictionary
    _derived: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def derive(self, key: str, build: Callable[[], Any]) -> Any:
        """A helper compiled from these rules, built once (e.g. the clause reader)."""
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]

    def __getitem__(self, name: str) -> Mapping[str, Any]:
        return self.files[name]

    def issuer_dictionary(self, issuer: str | None, doc_number: str | None) -> Mapping[str, Any] | None:
        """The unit dictionary whose ``issuers`` or ``doc_number_prefixes`` match, if any."""
        for name in sorted(self.issuers):
            d = self.issuers[name]
            if issuer and any(issuer.startswith(i) or i in issuer for i in d["issuers"]):
                return d
            if doc_number and any(doc_number.startswith(p) for p in d.get("doc_number_prefixes", ())):
                return d
        return None


def load_rules(root: Path | str | None = None) -> Rules:
    """Load and validate every rule file under ``root`` (default: the repository's rules/)."""
    return _load(Path(root).resolve() if root else DEFAULT_RULES_DIR)


@lru_cache(maxsize=8)
def _load(root: Path) -> Rules:
    if not root.is_dir():
        raise RulesError(str(root), "<dir>", "rules directory not found")
    files: dict[str, Mapping[str, Any]] = {}
    for path in sorted(root.glob("*.toml")):
        name = path.stem
        if name not in SPECS:
            raise RulesError(str(path), "<file>", f"unknown rule file (known: {', '.join(sorted(SPECS))})")
        files[name] = validate(str(path), _read_toml(path), SPECS[name])
    for name in SPECS:
        if name not in files:
            raise RulesError(str(root / f"{name}.toml"), "<file>", "rule file missing")
    issuers = {
        path.stem: validate(str(path), _read_toml(path), ISSUER_SPEC)
        for path in sorted((root / "units").glob("*.toml"))
    }
    return Rules(root=root, files=files, issuers=issuers)
