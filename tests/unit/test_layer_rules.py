"""The import rules import-linter cannot derive on its own: no cycle anywhere in ``tessera``,
and a "standard library only" contract that names every locked runtime dependency."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
STDLIB_ONLY = ["tessera.domain", "tessera.application"]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # Imports under ``if TYPE_CHECKING`` count: hiding a cycle there does not remove it.
    return grimp.build_graph("tessera", cache_dir=None)


def test_no_module_imports_itself_back(graph: grimp.ImportGraph) -> None:
    cycles = set()
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                cycles.add(" -> ".join((importer, *back)))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(cycles))


def test_no_sibling_packages_import_each_other_in_a_circle(graph: grimp.ImportGraph) -> None:
    packages = sorted(m for m in graph.modules if len(graph.find_children(m)) >= 2)
    assert "tessera.domain" in packages
    cycles = {p: sorted(graph.nominate_cycle_breakers(p)) for p in packages}
    assert not {p: breakers for p, breakers in cycles.items() if breakers}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_distributions(lock: dict[str, Any]) -> set[str]:
    """Every distribution ``tessera`` needs at run time, direct or transitive, with the extras
    it asks for (``uvicorn[standard]``); the dev group is left out."""
    packages = {p["name"]: p for p in lock["package"]}
    todo = [(d["name"], tuple(d.get("extra", ()))) for d in packages["tessera"]["dependencies"]]
    seen: set[tuple[str, tuple[str, ...]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        package = packages[name]
        needs = list(package.get("dependencies", []))
        for extra in extras:
            needs += package.get("optional-dependencies", {}).get(extra, [])
        todo += [(d["name"], tuple(d.get("extra", ()))) for d in needs]
    return {name for name, _ in seen}


def import_names(distributions: set[str]) -> dict[str, set[str]]:
    """The top-level names each distribution can be imported by. One not installed here (a
    platform marker left it out) is taken to be importable by its own name."""
    names: dict[str, set[str]] = {d: set() for d in distributions}
    owners_by_module = packages_distributions()
    for module, owners in owners_by_module.items():
        public = module.isidentifier() and not module.startswith("_")
        for owner in owners:
            if _normal(owner) in names and public and module not in sys.stdlib_module_names:
                names[_normal(owner)].add(module)
    installed = {_normal(d) for owners in owners_by_module.values() for d in owners}
    for dist in distributions - installed:
        names[dist].add(dist.replace("-", "_"))
    return names


def stdlib_only_contract() -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    matches = [
        c for c in contracts if c["type"] == "forbidden" and c["source_modules"] == STDLIB_ONLY
    ]
    assert len(matches) == 1
    contract: dict[str, Any] = matches[0]
    return contract


def test_the_standard_library_rule_forbids_every_runtime_dependency() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    distributions = runtime_distributions(lock)
    assert {"fastapi", "nats-py", "jinja2", "email-validator", "starlette"} <= distributions
    forbidden = set(stdlib_only_contract()["forbidden_modules"])
    missing = {
        f"{module} ({dist})"
        for dist, modules in import_names(distributions).items()
        for module in modules
        if module not in forbidden
    }
    assert not missing, "add to the forbidden_modules of the standard library contract: " + (
        ", ".join(sorted(missing))
    )
