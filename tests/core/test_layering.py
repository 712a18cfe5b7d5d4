"""The platform (``core/``) never imports the product (``integrations/``).

Integrations plug into the platform through its registries (job kinds, overview parts,
value labels, record links; docs/architecture.md), so core stays usable without them.
Every import is checked, also those inside functions and ``import_module("...")``
calls with a literal name.
"""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core"
FORBIDDEN = "integrations"


def _is_forbidden(module: str) -> bool:
    return module == FORBIDDEN or module.startswith(FORBIDDEN + ".")


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def core_imports_of_integrations() -> list[str]:
    offences = []
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offences += [
            f"{path.relative_to(CORE.parent)}:{line} imports {module}"
            for line, module in _imported_modules(tree)
            if _is_forbidden(module)
        ]
    return offences


def test_core_imports_nothing_from_integrations() -> None:
    assert core_imports_of_integrations() == []


def test_the_check_sees_every_form_of_import() -> None:
    source = """
import integrations
import integrations.models as m
from integrations.http.budget import budget_today
import integrationsx
from core.integrations_note import x

def later():
    from integrations.record_urls import salesforce_record_url
    importlib.import_module("integrations.engine.contacts.jobs")
"""
    modules = [module for _, module in _imported_modules(ast.parse(source))]
    assert [m for m in modules if _is_forbidden(m)] == [
        "integrations",
        "integrations.models",
        "integrations.http.budget",
        "integrations.record_urls",
        "integrations.engine.contacts.jobs",
    ]
