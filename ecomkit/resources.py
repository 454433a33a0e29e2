"""Where the course lives: the chapter notebooks and the demo shop.

In a checkout (an editable install, ``make setup``) these are the repository's own ``notebooks/`` and
``datasets/demo_shop/`` folders, so trainees and CI use and edit the files where they are. A wheel
carries copies of both inside the package, under ``ecomkit/_course/`` (see ``[tool.setuptools.package-data]``
in pyproject.toml and docs/decisions.md, "The wheel carries the course"); an installed ecomkit finds them
there with :mod:`importlib.resources`.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

__all__ = ["notebook_dir", "demo_shop_dir", "course_notebooks", "copy_notebooks"]

#: the repository root when ecomkit is imported from a checkout
_CHECKOUT = Path(__file__).resolve().parent.parent
#: where the wheel puts the course inside the package (symlinks to the repository folders in a checkout)
_PACKAGED = "_course"


def _checkout_folder(*parts: str) -> Path | None:
    """``parts`` under the repository root, if ecomkit runs from a checkout that has that folder."""
    folder = _CHECKOUT.joinpath(*parts)
    if (_CHECKOUT / "pyproject.toml").is_file() and folder.is_dir():
        return folder
    return None


def _packaged_folder(*parts: str) -> Path:
    """``parts`` under ``ecomkit/_course`` of the installed package."""
    folder = resources.files("ecomkit").joinpath(_PACKAGED, *parts)
    if not isinstance(folder, Path):  # e.g. imported from a zip file: papermill needs real files
        raise RuntimeError(f"ecomkit's course files are not on the file system ({folder}); "
                           "install ecomkit from its wheel with pip")
    return folder.resolve()


def notebook_dir() -> Path:
    """The folder of the chapter notebooks (its ``exercises/`` subfolder holds the exercises)."""
    return _checkout_folder("notebooks") or _packaged_folder("notebooks")


def demo_shop_dir() -> Path:
    """The folder of the bundled demo shop's tables (``orders.csv``, ``customers.csv``, ...)."""
    return _checkout_folder("datasets", "demo_shop") or _packaged_folder("demo_shop")


def course_notebooks() -> list[Path]:
    """Every course notebook, chapters then exercises, as paths under :func:`notebook_dir`."""
    root = notebook_dir()
    return sorted(root.glob("*.ipynb")) + sorted((root / "exercises").glob("*.ipynb"))


def copy_notebooks(destination: str | Path, force: bool = False) -> list[Path]:
    """Copy the course notebooks (chapters and ``exercises/``) into ``destination`` for a trainee.

    Nothing else is needed for them to run: they load the demo shop through ``ecomkit.io``, which finds
    the installed copy. Existing files are left alone (FileExistsError, nothing written) unless ``force``.
    Returns the files written.
    """
    root = notebook_dir()
    destination = Path(destination)
    plan = [(source, destination / source.relative_to(root)) for source in course_notebooks()]
    if not plan:
        raise FileNotFoundError(f"no course notebooks in {root}")
    existing = [target for _, target in plan if target.exists()]
    if existing and not force:
        raise FileExistsError(f"{len(existing)} of the {len(plan)} course notebooks are already in {destination} "
                              f"(first: {existing[0].relative_to(destination)}); nothing copied, "
                              "use --force to overwrite them")
    for source, target in plan:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)  # contents only: the installed copies may be read-only
    return [target for _, target in plan]
