"""Report families. Each module has FAMILY, detect(doc) -> bool and extract(doc) -> ExtractResult.

Detectors look at content only (titles, headings, platform names), in the order listed:
the first that says yes extracts the report.
"""

from __future__ import annotations

from . import generic, gtrm_sitrep, r4v_sitrep, unhcr_arr, unhcr_global_focus

FAMILIES = (unhcr_arr, gtrm_sitrep, r4v_sitrep, unhcr_global_focus)

__all__ = ["FAMILIES", "generic"]
