"""Checks for the exercise notebooks, one module per chapter (``ch00`` ...).

Each module registers its checks with :func:`ecomkit.exercises.grading.exercise`; the expected answers are
computed from the bundled demo shop when a check runs, never typed in.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def demo_shop():
    """The bundled demo shop, loaded once per kernel for all checks."""
    from ecomkit.io import load_demo

    return load_demo()


def register_all() -> None:
    """Import every ``chNN`` module beside this file; importing one registers its checks."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("ch"):
            importlib.import_module(f"{__name__}.{module.name}")

