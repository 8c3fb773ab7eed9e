"""The URL grammar: valid links parse exactly; bad input falls back with a notice."""

from burden import filters

MONTHS = [f"2022-{m:02d}" for m in (10, 11, 12)] + [f"2023-{m:02d}" for m in range(1, 13)]
KNOWN = {"33", "3306", "330681", "330681120219"}


def parse(raw):
    return filters.parse(raw, MONTHS, KNOWN.__contains__)


def test_empty_url_gives_the_default_view():
    state, notices = parse({})
    assert (state.lang, state.region, state.start, state.end) == ("zh", "33", "2022-10", "2023-12")
    assert notices == []
    assert state.url_params(filters.default_state(MONTHS)) == {}


def test_full_link_round_trips():
    raw = {"lang": "en", "region": "330681", "from": "2023-01", "to": "2023-06"}
    state, notices = parse(raw)
    assert notices == []
    assert state.url_params(filters.default_state(MONTHS)) == raw
    assert str(state.query_params()["from"]) == "2023-01-01"


def test_village_codes_are_accepted():
    state, _ = parse({"region": "330681120219"})
    assert state.region == "330681120219"


def test_bad_values_fall_back_with_one_notice_each():
    raw = {"lang": "fr", "region": "99; drop table apps", "from": "2023-13", "to": "1999-01", "x": "1"}
    state, notices = parse(raw)
    assert (state.lang, state.region, state.start, state.end) == ("zh", "33", "2022-10", "2023-12")
    assert sorted(n.key for n in notices) == [
        "notice.bad_lang",
        "notice.bad_month",
        "notice.bad_month",
        "notice.bad_region",
        "notice.unknown_params",
    ]


def test_unknown_but_well_formed_region_is_refused():
    state, notices = parse({"region": "330682"})
    assert state.region == "33"
    assert [n.key for n in notices] == ["notice.bad_region"]


def test_reversed_period_falls_back_to_default():
    state, notices = parse({"from": "2023-06", "to": "2023-01"})
    assert (state.start, state.end) == ("2022-10", "2023-12")
    assert [n.key for n in notices] == ["notice.bad_period"]


def test_echoed_input_is_clipped_and_printable():
    _, notices = parse({"region": "3" * 500 + "\x00\u202e"})
    value = notices[0].values["value"]
    assert len(value) <= 41 and "\x00" not in value
