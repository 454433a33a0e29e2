"""The wheel carries the course (issue 12, item 5).

Build the wheel from a clean copy of the working tree, install it in a fresh virtual environment
that sees ecomkit only from that wheel, and run a chapter from an unrelated working directory with
the installed course files made read-only.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COURSE_NOTEBOOKS = 18  # 6 chapters + 6 exercises + 6 solutions


def _copy_source(destination: Path) -> None:
    """The files a fresh clone (plus uncommitted work) would have: no build/, .venv/, *.egg-info or reports/."""
    if (ROOT / ".git").exists():
        listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                 cwd=ROOT, check=True, capture_output=True).stdout.decode()
        names = sorted({name for name in listing.split("\0") if name})
    else:
        skip = {".git", ".venv", "build", "dist", "reports", "__pycache__", ".pytest_cache"}
        names = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
                 if not (set(p.relative_to(ROOT).parts) & skip) and not p.name.endswith(".egg-info")
                 and (p.is_file() or p.is_symlink())]
    for name in names:
        source, target = ROOT / name, destination / name
        if not os.path.lexists(source):  # deleted in the working tree, not yet committed
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():  # ecomkit/_course/* point at notebooks/ and datasets/demo_shop/
            os.symlink(os.readlink(source), target)
        elif source.is_file():
            shutil.copy2(source, target)


def _run(args: list, cwd: Path, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, (f"{' '.join(map(str, args))} exited {result.returncode}\n"
                                    f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}")
    return result


def _set_read_only(tree: Path, read_only: bool) -> None:
    for path in [tree, *tree.rglob("*")]:
        mode = path.stat().st_mode
        write = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
        path.chmod(mode & ~write if read_only else mode | stat.S_IWUSR)


def _probe_notebook(path: Path) -> Path:
    """A notebook that records where its kernel's Python, ecomkit and demo shop are."""
    import nbformat

    parameters = nbformat.v4.new_code_cell("OUTPUT_DIR = None")
    parameters.metadata["tags"] = ["parameters"]
    probe = nbformat.v4.new_code_cell(
        "import sys\nimport ecomkit\nfrom ecomkit import course\nfrom ecomkit.io import demo_dir\n"
        "course.start_run('probe', OUTPUT_DIR)\n"
        "course.record('python', sys.executable)\ncourse.record('ecomkit', ecomkit.__file__)\n"
        "course.record('demo', str(demo_dir()))")
    notebook = nbformat.v4.new_notebook(cells=[parameters, probe])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True)
    nbformat.write(notebook, str(path))
    return path


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_venv_runs_a_chapter_from_anywhere(tmp_path):
    outer_site = Path(sysconfig.get_paths()["purelib"])
    assert not (outer_site / "ecomkit").exists(), (
        f"{outer_site} holds an installed ecomkit package; the test venv could not tell it from the wheel's")

    # 1. build, as a maintainer would from a fresh clone
    source = tmp_path / "src"
    _copy_source(source)
    _run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "--no-cache-dir",
          "--disable-pip-version-check", "-q", "-w", tmp_path / "dist"], cwd=source)
    wheels = list((tmp_path / "dist").glob("ecomkit-*.whl"))
    assert len(wheels) == 1, wheels

    # 2. a fresh venv that gets ecomkit from the wheel only. Its dependencies come from this venv's
    # site-packages through a .pth line; a path added that way has its own .pth files ignored, so this
    # venv's editable-install finder (__editable__.ecomkit-*.pth) never runs there.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q",
          "--disable-pip-version-check", wheels[0]], cwd=tmp_path)
    inner_site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                           cwd=tmp_path).stdout.strip())
    (inner_site / "zz_outer_site_packages.pth").write_text(f"{outer_site}\n", encoding="utf-8")

    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "JUPYTER", "VIRTUAL_ENV"))}
    # the dependencies' data files (nbconvert's templates, the kernel spec) as a real install would have them
    env.update(PYTHONNOUSERSITE="1", JUPYTER_DATA_DIR=str(tmp_path / "jupyter"),
               JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),
               PATH=os.pathsep.join([str(python.parent), env.get("PATH", "")]))
    work = tmp_path / "elsewhere"
    work.mkdir()

    where = json.loads(_run([python, "-c", "import json, ecomkit, ecomkit.resources as r; print(json.dumps("
                             "[ecomkit.__file__, str(r.notebook_dir()), str(r.demo_shop_dir())]))"],
                            cwd=work, env=env).stdout)
    for path in where:
        assert Path(path).resolve().is_relative_to(inner_site.resolve()), where
        assert not Path(path).resolve().is_relative_to(ROOT), where

    installed_course = inner_site / "ecomkit" / "_course"
    assert sorted(p.name for p in (installed_course / "demo_shop").iterdir()) == \
        sorted(p.name for p in (ROOT / "datasets" / "demo_shop").iterdir())

    # 3. the commands, from an unrelated working directory, with the installed course read-only
    _set_read_only(installed_course, True)
    try:
        chapters = _run([python, "-m", "ecomkit.cli", "chapters"], cwd=work, env=env).stdout
        assert "start" in chapters and "not written yet" not in chapters, chapters

        out = tmp_path / "out"
        _run([python, "-m", "ecomkit.cli", "run", "start", "--out", out, "--quiet"], cwd=work, env=env)
        results = json.loads((out / "results.json").read_text(encoding="utf-8"))
        assert results["chapter"] == "start" and results["results"], results
        assert results["notebook"] == "notebooks/00_getting_started.ipynb"
        assert (out / "start.html").is_file()
        # the kernel read the wheel's demo shop, not the repository's
        executed = (out / "start.ipynb").read_text(encoding="utf-8")
        assert str(ROOT / "datasets") not in executed

        # the kernel papermill starts is the fresh venv's too, and finds the wheel's demo shop
        probe = _probe_notebook(tmp_path / "probe" / "probe.ipynb")
        _run([python, "-m", "ecomkit.cli", "run", probe, "--out", tmp_path / "probe_out", "--quiet"], cwd=work, env=env)
        kernel = json.loads((tmp_path / "probe_out" / "results.json").read_text(encoding="utf-8"))["results"]
        for path in (kernel["python"], kernel["ecomkit"], kernel["demo"]):
            assert Path(path).is_relative_to(venv) and not Path(path).resolve().is_relative_to(ROOT), kernel

        course = tmp_path / "course"
        copied = _run([python, "-m", "ecomkit.cli", "notebooks", course], cwd=work, env=env).stdout
        assert len(list(course.rglob("*.ipynb"))) == COURSE_NOTEBOOKS
        assert copied.count("wrote ") == COURSE_NOTEBOOKS
        assert not any(p.stat().st_mode & stat.S_IWUSR == 0 for p in course.rglob("*.ipynb")), \
            "copied notebooks must be writable by the trainee"
    finally:
        _set_read_only(installed_course, False)
    assert sorted(p.name for p in work.iterdir()) == [], "nothing is written to the working directory"
