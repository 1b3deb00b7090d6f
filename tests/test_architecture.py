"""The apps' layers, as the README's "The apps" draws them, hold in the code."""

import ast
import logging
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "config",
    "orders",
    "cases",
    "decisions",
    "messaging",
    "returns",
    "claims",
    "integrations",
    "desk",
    "portal",
    "demo",
]


def _imported_app(node: ast.Import | ast.ImportFrom) -> str | None:
    if isinstance(node, ast.ImportFrom):
        if node.level:  # relative: within the same app
            return None
        name = node.module or ""
    else:
        name = node.names[0].name
    top = name.split(".")[0]
    return top if top in APPS else None


def _function_level_imports(path: Path, own: str):
    tree = ast.parse(path.read_text(), filename=str(path))
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom):
                app = _imported_app(node)
                if app is not None and app != own:
                    yield f"{path.relative_to(ROOT)}:{node.lineno} imports {app} inside a function"


def test_no_app_imports_another_inside_a_function():
    """An import inside a function is how a circle between apps hides; the layers leave none to hide."""
    found = [
        problem
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        for problem in _function_level_imports(path, app)
    ]
    assert found == []


@pytest.fixture
def _loggers_left_alone():
    # lint_imports configures logging with dictConfig, which disables every logger that exists
    # already: the apps' loggers would say nothing for the rest of the run (caplog stays empty).
    loggers = [
        logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    disabled = {logger: logger.disabled for logger in loggers}
    yield
    for logger, was_disabled in disabled.items():
        logger.disabled = was_disabled


@pytest.mark.usefixtures("_loggers_left_alone")
def test_every_layer_imports_only_the_layers_below_it():
    """The import-linter contracts in pyproject.toml (also run by `lint-imports` in CI)."""
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_every_csv_for_people_is_written_through_the_safe_writer():
    """config.spreadsheets neutralises formulas; a csv.writer of its own would not."""
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if path != ROOT / "config" / "spreadsheets.py"
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if isinstance(node, ast.Attribute)
        and node.attr in ("writer", "DictWriter")
        and isinstance(node.value, ast.Name)
        and node.value.id == "csv"
    ]
    assert found == []
