"""SQL that turns the text of a cell into a typed value, repairing what Excel and exports do to it.

All of it runs in DuckDB (set-based, no Python per row). `install(con)` creates the temp macros; the
expression builders return SQL for one column. Every repair is applied only where it is unambiguous:

- full-width digits, letters and punctuation (０-９, －, ：, ．, Ａ ...) are folded to ASCII (NFKC);
- codes and ids in scientific notation (3.30681E+5) are repaired when the mantissa holds every digit
  (a 6-digit code written with 6 significant digits); otherwise digits are lost and the row is quarantined;
- integers written as 123.0 lose the .0;
- dates and times: ISO and slashed forms, with or without seconds, 年月日, compact 20230105, time zones
  (Z, UTC, GMT, +08, +0800, +08:00, GMT+8: converted to Asia/Shanghai; a zone name not known, such as CST,
  makes the cell bad: DuckDB's own cast would drop it), epoch seconds (10 digits) and milliseconds (13 digits),
  Excel serial dates and times (5 digits, 1900 date system: 45123.5 = 2023-07-16 12:00).
"""

from __future__ import annotations

import duckdb

from burden import settings

# NFKC for the full-width ASCII block and the ideographic space.
_FULL = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
_HALF = "".join(chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)) + " "

# Cheap test for "may end in a zone" (a letter, or a sign near the end), so only those rows pay for the regexp.
_MAY_ZONE = (
    "(t[-1] not between '0' and '9' or t[-2] in ('+', '-') or t[-3] in ('+', '-') or t[-5] in ('+', '-') "
    "or t[-6] in ('+', '-'))"
)
# A time (H:MM, seconds and fraction optional), then a zone: Z, UTC, GMT or UT (any case), and/or an offset +8,
# +08, +0800, +08:00 (PostgreSQL prints +00 and -05; ISO 8601 Z or +08:00; RFC 2822 +0800; Java GMT+08:00).
_ZONE_RE = (
    "^(.*?[0-9]:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?)"  # the wall-clock time
    "\\s*((?i:z|utc|gmt|ut))?\\s*(?:([+-])([0-9]{1,2})(?::?([0-9]{2}))?)?$"  # the zone
)
# A word after the time that is not one of those (CST is China's or US Central time; EST, Asia/Shanghai ...).
_WORD_AFTER_TIME = "[0-9]:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\\s*[A-Za-z]"

MACROS = f"""
create or replace temp macro _b_fold(t) as
    case when strlen(t) = length(t) or not regexp_matches(t, '[\u3000\uff01-\uff5e]') then t
         else nullif(trim(translate(t, '{_FULL.replace("'", "''")}', '{_HALF.replace("'", "''")}')), '') end;
create or replace temp macro _b_sci_parts(t) as
    regexp_extract(t, '^([0-9])\\.?([0-9]*)[Ee]\\+?([0-9]+)$', ['d', 'f', 'e']);
create or replace temp macro _b_is_sci(t) as (contains(t, 'E') or contains(t, 'e')) and _b_sci_parts(t).d <> '';
create or replace temp macro _b_sci(t) as
    case when length(_b_sci_parts(t).f) = try_cast(_b_sci_parts(t).e as integer)
         then _b_sci_parts(t).d || _b_sci_parts(t).f end;
create or replace temp macro _b_code(t) as
    case when t is null then null
         when _b_is_sci(t) then _b_sci(t)
         when t[-2:] = '.0' and regexp_full_match(t, '[0-9]+\\.0+') then split_part(t, '.', 1)
         else t end;
create or replace temp macro _b_wall(t) as
    coalesce(
        try_cast(t as timestamp),
        try_cast(regexp_replace(regexp_replace(t, '^([0-9]{{4}})[./年]([0-9]{{1,2}})[./月]([0-9]{{1,2}})日?',
                                               '\\1-\\2-\\3'), '时|点', ':', 'g') as timestamp)
    );
create or replace temp macro _b_zone(t) as regexp_extract(t, '{_ZONE_RE}', ['wall', 'name', 'sign', 'h', 'm']);
create or replace temp macro _b_may_zone(t) as {_MAY_ZONE};
create or replace temp macro _b_has_zone(t) as _b_zone(t).name <> '' or _b_zone(t).sign <> '';
create or replace temp macro _b_unknown_zone(t) as
    _b_may_zone(t) and regexp_matches(t, '{_WORD_AFTER_TIME}') and not _b_has_zone(t);
create or replace temp macro _b_offset_min(z) as
    case when z.sign = '' then 0
         when z.h::integer <= 14 and coalesce(nullif(z.m, '')::integer, 0) < 60
         then (case z.sign when '-' then -1 else 1 end) * (z.h::integer * 60 + coalesce(nullif(z.m, '')::integer, 0))
    end;
create or replace temp macro _b_zoned(z) as
    timezone('{settings.TIMEZONE}', timezone('UTC', _b_wall(z.wall) - to_minutes(_b_offset_min(z))));
create or replace temp macro _b_plain(t) as
    coalesce(
        _b_wall(t),
        case when regexp_full_match(t, '[0-9]{{5}}(\\.[0-9]+)?')
             then timestamp '1899-12-30' + to_seconds(cast(round(t::double * 86400) as bigint)) end,
        case when regexp_full_match(t, '[0-9]{{10}}')
             then timezone('{settings.TIMEZONE}', to_timestamp(t::bigint)) end,
        case when regexp_full_match(t, '[0-9]{{13}}')
             then timezone('{settings.TIMEZONE}', to_timestamp(t::bigint / 1000.0)) end,
        case when regexp_full_match(t, '[0-9]{{8}}') then try_strptime(t, '%Y%m%d') end
    );
create or replace temp macro _b_ts(t) as
    case
        when not _b_may_zone(t) then _b_plain(t)  -- most cells: the cheap test alone
        when _b_has_zone(t) then _b_zoned(_b_zone(t))
        when regexp_matches(t, '{_WORD_AFTER_TIME}') then null  -- a zone name not known: never dropped
        else _b_plain(t)
    end;
create or replace temp macro _b_date(t) as
    coalesce(
        try_cast(t as date),
        case when regexp_full_match(t, '[0-9]{{5}}(\\.0+)?') then date '1899-12-30' + cast(t::double as integer) end,
        cast(_b_ts(t) as date)
    );
create or replace temp macro _b_bool(t) as
    case lower(t)
        when 'true' then true when 't' then true when '1' then true when '1.0' then true
        when 'yes' then true when 'y' then true when '是' then true when '√' then true
        when 'false' then false when 'f' then false when '0' then false when '0.0' then false
        when 'no' then false when 'n' then false when '否' then false when '×' then false
    end;
create or replace temp macro _b_int(t) as
    case when _b_is_sci(t) then try_cast(try_cast(t as double) as bigint) else try_cast(t as bigint) end;
create or replace temp macro _b_id(t) as
    case when _b_is_sci(t) then try_cast(_b_sci(t) as bigint)
         when contains(t, '.') then
            case when regexp_full_match(t, '[0-9]+\\.0*') then try_cast(split_part(t, '.', 1) as bigint) end
         else try_cast(t as bigint) end;
"""


def install(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"set TimeZone = '{settings.TIMEZONE}'")
    con.execute(MACROS)


def article(type_name: str) -> str:
    t = type_name.lower()
    return ("an " if t[0] in "aeiou" else "a ") + t
