"""Indicators computed from other indicators after loading (e.g. rates per 1,000 residents).

Each derivation takes all observations and the build context and returns new observation rows
(columns ``etl.recipes.OBS_COLUMNS``). They run in list order, so one may use another's output.
"""

from __future__ import annotations

DERIVATIONS: list = []
