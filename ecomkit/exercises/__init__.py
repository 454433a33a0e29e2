"""Checks for the exercise notebooks, one module per chapter (``ch00`` ...).

Each module registers its checks with :func:`ecomkit.course.exercise`; the expected answers are
computed from the bundled demo shop when a check runs, never typed in.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def demo_shop():
    """The bundled demo shop, loaded once per kernel for all checks."""
    from ecomkit.data import load_demo

    return load_demo()


from ecomkit.exercises import ch00  # noqa: E402,F401  (registers the checks)
