"""Salted one-way pseudonyms for customer ids (个人信息保护法: no raw id leaves a report)."""

from __future__ import annotations

import hashlib

import pandas as pd

from ecomkit.io.parse import as_text

__all__ = ["pseudonymise_ids"]


def pseudonymise_ids(series: pd.Series, salt: str, length: int = 16) -> pd.Series:
    """Replace ids by stable salted SHA-256 hex digests (first ``length`` hex characters).

    The same id and salt always give the same pseudonym (``123`` and ``"123"`` included); keep the
    salt secret and out of exported files. Missing ids stay missing.
    """
    if not isinstance(salt, str) or not salt:
        raise ValueError("pseudonymise_ids needs a non-empty secret salt string")
    if not 8 <= int(length) <= 64:
        raise ValueError("length must be between 8 and 64 hex characters")
    s = pd.Series(series)
    text = as_text(s)
    uniq = pd.unique(text.dropna())
    prefix = salt.encode("utf-8") + b"\x1f"
    table = {u: hashlib.sha256(prefix + str(u).encode("utf-8")).hexdigest()[: int(length)] for u in uniq}
    if len(set(table.values())) < len(table):
        raise ValueError(f"pseudonym collision at length {length}; use a longer length")
    out = text.map(table)
    out.name = s.name
    return out.astype(object)
