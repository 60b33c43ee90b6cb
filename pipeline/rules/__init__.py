"""Load every rule file once, validate it, and compile it into typed, frozen rule sets.

``load_rules()`` returns a :class:`Rules`: one attribute per rule file
(``rules.targets``, ``rules.roles`` …, see :mod:`pipeline.rules.sets`) and the few
sets compiled from several files (``rules.clauses``, ``rules.headers``,
``rules.flat_tables``, ``rules.unwrap``). Every rule file opens with
``about.description`` and ``about.source``; an unknown key, a missing key, a
value of the wrong shape, a regex that does not compile or a value a stage
would refuse (an unknown column kind, unit kind or qualifier) raises
:class:`~pipeline.errors.RulesError` naming the file and the key — at start-up,
before any document is read (the CLI exits 2).

The default rules are the repository's ``rules/`` directory, shipped inside the
wheel as ``pipeline/default_rules`` (see pyproject.toml).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import RulesError
from .sets import (
    ISSUER_SPEC,
    SPECS,
    ClauseRules,
    CompareWordRules,
    DeadlineRules,
    FlatTableVocabulary,
    FrozenMap,
    HeaderVocabulary,
    HtmlRules,
    IndicatorRules,
    IssuerUnits,
    MetadataRules,
    OutlineRules,
    RenameRules,
    RepairRules,
    RoleRules,
    TableHeaderRules,
    TextTableRules,
    UnitRules,
    UnwrapVocabulary,
    build_clauses,
    build_compare,
    build_deadlines,
    build_flat_tables,
    build_headers,
    build_html,
    build_indicators,
    build_issuer,
    build_metadata,
    build_outline,
    build_repairs,
    build_roles,
    build_tables,
    build_texttables,
    build_unit_renames,
    build_units,
    build_unwrap,
)
from .targetrules import TargetRules, build_targets
from .validate import load_file

__all__ = ["DEFAULT_RULES_DIR", "SPECS", "Rules", "load_rules", "RulesError"]

_HERE = Path(__file__).resolve().parent


def _default_dir() -> Path:
    """The packaged rules (a wheel install) or the repository's rules/ (a checkout or editable install)."""
    for candidate in (_HERE.parent / "default_rules", _HERE.parent.parent / "rules"):
        if (candidate / "roles.toml").is_file():
            return candidate
    return _HERE.parent.parent / "rules"


#: The default rules directory.
DEFAULT_RULES_DIR = _default_dir()

#: How each rule file becomes its rule set.
BUILDERS: dict[str, Callable[[str, dict], object]] = {
    "roles": build_roles, "outline": build_outline, "metadata": build_metadata, "repairs": build_repairs,
    "units": build_units, "targets": build_targets, "deadlines": build_deadlines, "indicators": build_indicators,
    "unit_renames": build_unit_renames, "tables": build_tables, "texttables": build_texttables, "html": build_html,
    "compare": build_compare,
}


@dataclass(frozen=True)
class Rules:
    """Every rule set of one rules directory, validated and compiled."""

    root: Path  # the rules directory
    digest: str  # sha256 over every rule file's name and bytes (changes when any rule changes)
    about: FrozenMap[str, str]  # rule file -> its about.description
    roles: RoleRules
    outline: OutlineRules
    metadata: MetadataRules
    repairs: RepairRules
    units: UnitRules
    targets: TargetRules
    deadlines: DeadlineRules
    indicators: IndicatorRules
    unit_renames: RenameRules
    tables: TableHeaderRules
    texttables: TextTableRules
    html: HtmlRules
    compare: CompareWordRules
    issuers: FrozenMap[str, IssuerUnits]  # rules/units/<name>.toml by name, sorted
    clauses: ClauseRules  # roles + deadline labels
    headers: HeaderVocabulary  # tables + role labels
    flat_tables: FlatTableVocabulary  # what the text-table detectors need
    unwrap: UnwrapVocabulary  # what joining PDF lines needs

    def issuer_dictionary(self, issuer: str | None, doc_number: str | None) -> IssuerUnits | None:
        """The unit dictionary whose ``issuers`` or ``doc_number_prefixes`` match, if any."""
        for d in self.issuers.values():
            if issuer and any(issuer.startswith(i) or i in issuer for i in d.issuers):
                return d
            if doc_number and any(doc_number.startswith(p) for p in d.doc_number_prefixes):
                return d
        return None


def load_rules(root: Path | str | None = None) -> Rules:
    """Load, validate and compile every rule file under ``root`` (default: :data:`DEFAULT_RULES_DIR`)."""
    return _load(Path(root).resolve() if root else DEFAULT_RULES_DIR)


@lru_cache(maxsize=8)
def _load(root: Path) -> Rules:
    if not root.is_dir():
        raise RulesError(str(root), "<dir>", "rules directory not found")
    digest = hashlib.sha256()
    present = sorted(root.glob("*.toml"))
    for path in present:
        if path.stem not in SPECS:
            raise RulesError(str(path), "<file>", f"unknown rule file (known: {', '.join(sorted(SPECS))})")
    sets: dict[str, object] = {}
    about: dict[str, str] = {}
    for name in SPECS:
        path = root / f"{name}.toml"
        if not path.is_file():
            raise RulesError(str(path), "<file>", "rule file missing")
        digest.update(f"{name}\0".encode() + path.read_bytes())
        data = load_file(path, SPECS[name])
        about[name] = data["about"]["description"]
        sets[name] = BUILDERS[name](str(path), data)
    issuers: dict[str, IssuerUnits] = {}
    for path in sorted((root / "units").glob("*.toml")):
        digest.update(f"units/{path.name}\0".encode() + path.read_bytes())
        issuers[path.stem] = build_issuer(path.stem, f"rules/units/{path.name}", load_file(path, ISSUER_SPEC))
    roles, deadlines = sets["roles"], sets["deadlines"]
    headers = build_headers(sets["tables"], roles)  # type: ignore[arg-type]
    return Rules(
        root=root, digest=digest.hexdigest(), about=FrozenMap(about), issuers=FrozenMap(issuers),
        clauses=build_clauses(roles, deadlines, sets["units"]),  # type: ignore[arg-type]
        headers=headers,
        flat_tables=build_flat_tables(headers, sets["texttables"], sets["units"], deadlines,  # type: ignore[arg-type]
                                      sets["outline"]),  # type: ignore[arg-type]
        unwrap=build_unwrap(sets["texttables"], sets["outline"], roles),  # type: ignore[arg-type]
        **sets,  # type: ignore[arg-type]
    )
