"""Public reference facts that analysis code needs: no simulator, no random parts.

- :mod:`ecomkit.reference.provinces`: the 31 mainland province-level divisions (names, capitals,
  coordinates, remote flag) and :func:`resolve_provinces` for names, aliases and addresses;
- :mod:`ecomkit.reference.sites`: the course's candidate warehouse sites;
- :mod:`ecomkit.reference.calendar`: shopping festivals and Chinese New Year dates.

This package never imports :mod:`ecomkit.simulate`; the simulator builds on it instead.

>>> from ecomkit.reference import resolve_provinces
>>> resolve_provinces(["广西壮族自治区南宁市", "Shaanxi Sheng", "台湾省"]).tolist()
['Guangxi', 'Shaanxi', nan]
"""
from ecomkit.reference.calendar import CHINESE_NEW_YEAR, FESTIVALS, Festival, festival_dates
from ecomkit.reference.provinces import PROVINCES, REMOTE_PROVINCES, resolve_provinces
from ecomkit.reference.sites import candidate_sites

__all__ = [
    "PROVINCES",
    "REMOTE_PROVINCES",
    "resolve_provinces",
    "candidate_sites",
    "FESTIVALS",
    "Festival",
    "CHINESE_NEW_YEAR",
    "festival_dates",
]
