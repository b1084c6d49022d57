"""The pure checkout modules import no web, database, HTTP, connector or storefront code."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKOUT = ROOT / "checkout"
PURE = sorted([
    *(CHECKOUT / "rules").glob("*.py"),
    *(CHECKOUT / "validators").glob("*.py"),
    CHECKOUT / "context.py",
    CHECKOUT / "problems.py",
])
FORBIDDEN = ("flask", "flask_sqlalchemy", "flask_login", "werkzeug", "sqlalchemy", "requests",
             "msal", "celery", "connectors", "storefront", "config", "urllib", "http",
             "socket", "orders", "provisioning", "storefront")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            names.add("<dynamic import>")
    return names


def test_the_pure_modules_are_found():
    assert len(PURE) >= 20
    assert CHECKOUT / "rules" / "k06_business_plan_limit.py" in PURE


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_checkout_module_imports_nothing_impure(path):
    bad = {name for name in imported_modules(path)
           if name == "<dynamic import>"
           or any(name == f or name.startswith(f + ".") for f in FORBIDDEN)}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_rules_do_no_file_or_network_io():
    for path in (CHECKOUT / "rules").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = {node.func.id for node in ast.walk(tree)
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
        assert not calls & {"open", "exec", "eval"}, path.name


def test_the_layering_check_catches_a_forbidden_import(tmp_path):
    module = tmp_path / "bad_rule.py"
    module.write_text("from flask import session\nimport sqlalchemy.orm\n", encoding="utf-8")
    assert imported_modules(module) == {"flask", "sqlalchemy.orm"}
