"""The three package lists (pyproject, environment.yml, requirements.lock) stay in step."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# conda-forge names that differ from PyPI's
CONDA_TO_PYPI = {"python-duckdb": "duckdb", "ibis-duckdb": "ibis-framework"}
# extras installed by their own make target, pinned exactly in pyproject itself
SEPARATE_EXTRAS = ("spark",)


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def _pyproject_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_name(r) for r in project["dependencies"]}
    for name, extra in project.get("optional-dependencies", {}).items():
        if name not in SEPARATE_EXTRAS:
            names |= {_name(r) for r in extra}
    return names


def test_environment_yml_lists_the_same_packages_as_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {CONDA_TO_PYPI.get(_name(d), _name(d)) for d in env["dependencies"] if isinstance(d, str)}
    conda.discard("python")
    assert conda == _pyproject_names()


def test_every_dependency_is_pinned_exactly_in_the_lock():
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    missing = {n for n in _pyproject_names() if n.replace("_", "-") not in pins}
    assert not missing, f"not pinned in requirements.lock: {sorted(missing)}"
    assert pins["lifetimes"] == "0.11.3"
    assert pins["pandas"].startswith("2."), "lifetimes 0.11.3 is only known to work on pandas 2.x"


def test_separate_extras_are_pinned_exactly_in_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for name in SEPARATE_EXTRAS:
        for requirement in project["optional-dependencies"][name]:
            assert "==" in requirement, f"extra {name}: {requirement} is not pinned exactly"
