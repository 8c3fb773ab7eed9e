"""Quarantine reasons in the page's language.

The loader stores each reason as a stable English text (burden/ingest_*: `cadre_id unknown`, `line has too many
fields` ...), which the CLI prints and quarantine exports carry. The Data page shows it in its language: the
text is matched here against the loader's forms and rendered from burden/locales/data.toml (keys data.reason.*).
In English the rendering gives back the stored text; a reason no form matches is shown as stored.
"""

from __future__ import annotations

import re

from burden.i18n import t

# Reasons without a column, stored exactly so.
_EXACT = {
    "empty row": "empty_row",
    "line has too few fields (truncated?)": "too_few_fields",
    "line has too many fields": "too_many_fields",
    "line has a stray quote": "stray_quote",
    "line too long": "line_too_long",
    "line not valid UTF-8": "not_utf8",
    "line cannot be read as CSV": "not_csv",
    "region_code not a known village or town": "not_village_or_town",
    "subject_key empty on a visit/patrol/inspection submit": "subject_key_empty",
    "done_on missing on a done or verified case": "done_without_done_on",
    "verified_on missing on a verified case": "verified_without_verified_on",
    "target_app_id missing on a merge": "merge_without_target",
    "target_app_id equal to app_id": "merge_into_itself",
    "done_on before identified_on": "done_before_identified",
    "verified_on before done_on or identified_on": "verified_before_done",
}
# Reasons about one column: (pattern, key); the groups are the placeholders of the text.
_FORMS = [
    (r"(?P<column>\w+) missing", "missing"),
    (r"(?P<column>\w+) not an? (?P<type>date|timestamp|integer|bigint|boolean)", "not_type"),
    (r"(?P<column>\w+) in scientific notation, digits lost", "sci_digits_lost"),
    (r"(?P<column>\w+) not one of (?P<values>.+)", "not_one_of"),
    (r"(?P<column>\w+) unknown", "unknown"),
    (r"(?P<column>\w+) lost its leading zeros and matches several ids", "zeros_several"),
    (r"(?P<column>\w+) negative", "negative"),
    (r"(?P<column>\w+) in the future", "future"),
    (r"(?P<column>\w+) before (?P<year>\d{4})", "before_year"),
    (r"(?P<column>\w+) has an unknown time zone", "unknown_zone"),
]
_COMPILED = [(re.compile(pattern), key) for pattern, key in _FORMS]


def reason_text(reason: str) -> str:
    """A stored quarantine reason in the current language."""
    if reason in _EXACT:
        return t(f"data.reason.{_EXACT[reason]}")
    for pattern, key in _COMPILED:
        match = pattern.fullmatch(reason)
        if match:
            values = match.groupdict()
            if "type" in values:
                values["type"] = t(f"data.reason.type.{values['type']}")
            return t(f"data.reason.{key}", **values)
    return reason
