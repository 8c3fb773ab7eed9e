"""SQL that turns the text of a cell into a typed value, repairing what Excel and exports do to it.

All of it runs in DuckDB (set-based, no Python per row). `install(con)` creates the temp macros; the
expression builders return SQL for one column. Every repair is applied only where it is unambiguous:

- full-width digits, letters and punctuation (０-９, －, ：, ．, Ａ ...) are folded to ASCII (NFKC);
- codes and ids in scientific notation (3.30681E+5) are repaired when the mantissa holds every digit
  (a 6-digit code written with 6 significant digits); otherwise digits are lost and the row is quarantined;
- integers written as 123.0 lose the .0;
- dates and times: ISO and slashed forms, with or without seconds, 年月日, compact 20230105, time zones
  (Z, +08:00, +0800: converted to Asia/Shanghai), epoch seconds (10 digits) and milliseconds (13 digits),
  Excel serial dates and times (5 digits, 1900 date system: 45123.5 = 2023-07-16 12:00).
"""

from __future__ import annotations

import duckdb

from burden import settings

# NFKC for the full-width ASCII block and the ideographic space.
_FULL = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
_HALF = "".join(chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)) + " "

_ZONE = "(t[-1] = 'Z' or t[-1] = 'z' or (t[-3] = ':' and t[-6] in ('+', '-')) or t[-5] in ('+', '-'))"

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
create or replace temp macro _b_zoned(t) as
    timezone('{settings.TIMEZONE}',
             try_cast(regexp_replace(t, '\\s*([+-][0-9]{{2}}):?([0-9]{{2}})$', '\\1:\\2') as timestamptz));
create or replace temp macro _b_ts(t) as
    coalesce(
        case when not {_ZONE} then try_cast(t as timestamp) end,
        case when {_ZONE} then _b_zoned(t) end,
        case when regexp_full_match(t, '[0-9]{{5}}(\\.[0-9]+)?')
             then timestamp '1899-12-30' + to_seconds(cast(round(t::double * 86400) as bigint)) end,
        case when regexp_full_match(t, '[0-9]{{10}}')
             then timezone('{settings.TIMEZONE}', to_timestamp(t::bigint)) end,
        case when regexp_full_match(t, '[0-9]{{13}}')
             then timezone('{settings.TIMEZONE}', to_timestamp(t::bigint / 1000.0)) end,
        case when regexp_full_match(t, '[0-9]{{8}}') then try_strptime(t, '%Y%m%d') end,
        try_cast(regexp_replace(regexp_replace(t, '^([0-9]{{4}})[./年]([0-9]{{1,2}})[./月]([0-9]{{1,2}})日?',
                                               '\\1-\\2-\\3'), '时|点', ':', 'g') as timestamp)
    );
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
