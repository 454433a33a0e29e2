"""The package's shape (issue 16): small modules, the simulator isolated, one plotting convention."""

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import ecomkit

PACKAGE = Path(ecomkit.__file__).resolve().parent
MAX_LINES = 800


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "_course" not in p.parts)


def test_no_module_is_over_800_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_nothing_outside_the_simulator_imports_it():
    offenders = []
    for path in _modules():
        if path.relative_to(PACKAGE).parts[0] == "simulate":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(PACKAGE)}:{node.lineno}" for n in names
                          if n == "ecomkit.simulate" or n.startswith("ecomkit.simulate.")]
    assert offenders == []


def _plot_functions():
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="ecomkit."):
        if ".simulate" in info.name or "._course" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("plot_") and fn.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", fn


PLOTS = sorted(dict(_plot_functions()).items())


def test_the_plot_functions_were_found():
    assert len(PLOTS) >= 30


@pytest.mark.parametrize("name,fn", PLOTS, ids=[n for n, _ in PLOTS])
def test_every_plot_takes_ax_as_a_keyword_and_forwards_kwargs(name, fn):
    params = inspect.signature(fn).parameters
    assert "ax" in params and params["ax"].kind is inspect.Parameter.KEYWORD_ONLY, name
    assert params["ax"].default is None, name
    assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()), name
