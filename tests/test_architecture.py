"""The layout holds: storefront only delivers, dependencies point one way (import-linter's
contracts in pyproject.toml), and a wrong import is caught."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("storefront", "demo", "provisioning", "orders", "checkout", "subscriptions",
            "commitments", "relationships", "agreements", "catalog", "notifications",
            "accounts", "persistence", "refusals", "connectors", "config", "exports",
            "billing", "operations", "identifiers")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True,
                          text=True, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                          timeout=120, check=False)


def copy_of_the_project(tmp_path: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__", "templates", "static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_architecture_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_checkout_importing_storefront_breaks_the_layers(tmp_path):
    project = copy_of_the_project(tmp_path)
    context = project / "checkout" / "context.py"
    context.write_text(context.read_text() + "\nimport storefront.errors  # noqa\n")
    result = lint_imports(project)
    assert result.returncode == 1
    assert "Dependencies point one way, from delivery down to the connectors BROKEN" in \
        result.stdout
    assert "checkout.context -> storefront.errors" in result.stdout


def test_a_rule_importing_another_rule_breaks_the_independence(tmp_path):
    project = copy_of_the_project(tmp_path)
    rule = project / "checkout" / "rules" / "c03_discontinued.py"
    rule.write_text(rule.read_text() + "\nfrom checkout.rules import k06_business_plan_limit\n")
    result = lint_imports(project)
    assert result.returncode == 1
    assert "No checkout rule imports another rule BROKEN" in result.stdout


def python_files(*, inside: str | None = None, outside: tuple[str, ...] = ()) -> list[Path]:
    skip = {".venv", ".git", "node_modules", *outside}
    base = ROOT / inside if inside else ROOT
    return [path for path in base.rglob("*.py")
            if not skip & set(path.relative_to(ROOT).parts)]


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_nothing_outside_the_web_layer_imports_storefront():
    offenders = [str(path.relative_to(ROOT)) for path in
                 python_files(outside=("storefront", "tests", "bench"))
                 if any(name.split(".")[0] == "storefront" for name in imported_modules(path))]
    assert offenders == []


def test_the_web_layer_defines_no_database_model():
    models = [f"{path.relative_to(ROOT)}:{node.name}"
              for path in python_files(inside="storefront")
              for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
              if isinstance(node, ast.ClassDef)
              and any(ast.unparse(base).endswith("Model") for base in node.bases)]
    assert models == []


def imported_names(path: Path) -> set[str]:
    return {alias.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom) for alias in node.names}


def test_pages_send_files_as_they_are_made_only_through_the_one_download_helper():
    """A streamed body is read after Flask has closed the view's database session: a view
    that streams what it read itself sent a header and then broke under a real server
    (storefront/tables.py stream_download reads its rows while sending)."""
    senders = {"stream_with_context", "csv_lines", "download_headers"}
    offenders = [f"{path.relative_to(ROOT)}: {sorted(senders & imported_names(path))}"
                 for path in python_files(inside="storefront")
                 if path != ROOT / "storefront" / "tables.py" and senders & imported_names(path)]
    assert offenders == []
