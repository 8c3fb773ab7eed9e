"""Quarantine reasons and a load's notes in the page's language.

The loader stores each reason as a stable English text (burden/ingest_*: `cadre_id unknown`, `line has too many
fields` ...), which the CLI prints and quarantine exports carry; its notes on a file (encoding, title rows ...)
are English too. The Data page shows them in its language: the text is matched here against the loader's forms
and rendered from burden/locales/data.toml (keys data.reason.* and data.note.*). In English the rendering gives
back the loader's text; a text no form matches is shown as it is.
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
    return _render(reason, _EXACT, _COMPILED, "data.reason")


_NOTE_EXACT = {
    "UTF-8 with BOM": "utf8_bom",
    "GBK/GB18030, read as UTF-8": "gbk",
    "UTF-16, read as UTF-8": "utf16",
    "semicolon-separated": "semicolon",
    "tab-separated": "tab",
    "vertical bar-separated": "vertical_bar",
    "no data rows": "no_rows",
}
_NOTE_FORMS = [
    (r"skipped 1 line above the header \(title: (?P<title>.*)\)", "title_line"),
    (r"skipped (?P<n>\d+) lines above the header \(title: (?P<title>.*)\)", "title_lines"),
    (r"skipped the header repeated at line (?P<line>\d+)", "repeated_header"),
    (r"skipped the header repeated at lines (?P<lines>.+)", "repeated_headers"),
    (r"skipped the title above it at line (?P<line>\d+)", "repeated_title"),
    (r"skipped the title above it at lines (?P<lines>.+)", "repeated_titles"),
    (r"ignored extra column (?P<columns>.+)", "extra_column"),
    (r"ignored extra columns (?P<columns>.+)", "extra_columns"),
]
_NOTES = [(re.compile(pattern), key) for pattern, key in _NOTE_FORMS]


def note_text(note: str) -> str:
    """A load's note on a file in the current language."""
    return _render(note, _NOTE_EXACT, _NOTES, "data.note")


def _render(text: str, exact: dict[str, str], forms: list[tuple[re.Pattern, str]], prefix: str) -> str:
    if text in exact:
        return t(f"{prefix}.{exact[text]}")
    for pattern, key in forms:
        match = pattern.fullmatch(text)
        if match:
            values = match.groupdict()
            if "type" in values:  # a column's type, named in words
                values["type"] = t(f"data.reason.type.{values['type']}")
            return t(f"{prefix}.{key}", **values)
    return text
