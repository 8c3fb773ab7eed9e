"""Reading a chart click: the one place that knows the shape of Streamlit's selection event."""

from types import SimpleNamespace

from burden.web import ui


def test_clicked_reads_customdata_from_dict_and_attribute_events():
    event = {"selection": {"points": [{"customdata": ["3306", 4.1]}]}}
    assert ui.clicked(event) == "3306"
    assert ui.clicked(SimpleNamespace(selection={"points": [{"customdata": "330681"}]})) == "330681"


def test_clicked_reads_another_field_and_ignores_empty_selections():
    assert ui.clicked({"selection": {"points": [{"y": "P33-05", "x": 12}]}}, field="y") == "P33-05"
    assert ui.clicked({"selection": {"points": []}}) is None
    assert ui.clicked(None) is None
    assert ui.clicked({"selection": {"points": [{"customdata": []}]}}) is None
