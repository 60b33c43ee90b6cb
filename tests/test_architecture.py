"""The shape of the package: no import circle, data flowing one way (records and rules depend on no stage)."""

from __future__ import annotations

import ast
from collections import defaultdict

from conftest import ROOT

PACKAGE = ROOT / "pipeline"
#: Modules every stage may use; they use no stage.
FOUNDATION = {"pipeline.records", "pipeline.errors", "pipeline.text", "pipeline.files", "pipeline.rules",
              "pipeline.rules.sets", "pipeline.rules.validate", "pipeline.rules.targetrules", "pipeline.rules.patterns"}
#: The orchestration on top: no extraction stage imports these.
ON_TOP = {"pipeline.__main__", "pipeline.extract", "pipeline.batch", "pipeline.cli", "pipeline.compare", "pipeline.export",
          "pipeline.docs", "pipeline.evaluate", "pipeline.realcorpus", "pipeline.workers",
          "pipeline.store", "pipeline.cache"}


def imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for p in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(p.relative_to(ROOT).with_suffix("").parts)
        if name.endswith(".__init__"):
            name = name[: -len(".__init__")]
        package = name.split(".") if p.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(p.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = ".".join(package[: len(package) - (node.level - 1)])
                if node.module:
                    graph[name].add(f"{base}.{node.module}")
                else:
                    graph[name].update(f"{base}.{a.name}" for a in node.names)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative enough for a small graph)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(set(graph) | {w for ws in graph.values() for w in ws}):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle():
    assert cycles(imports()) == []


def test_records_text_and_rules_depend_on_no_stage():
    graph = imports()
    for module in FOUNDATION:
        assert graph.get(module, set()) <= FOUNDATION | {"pipeline"}, (module, graph.get(module, set()) - FOUNDATION)


def test_no_stage_imports_the_orchestration_above_it():
    graph = imports()
    for module, deps in graph.items():
        if module in ON_TOP or module.startswith(("pipeline.compare.", "pipeline.export.")) or module in FOUNDATION:
            continue
        assert not deps & ON_TOP, (module, deps & ON_TOP)
