"""Opening a page through the whole app (frame, navigation, the page) in AppTest, and checking its filters."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def open_view(page: str, params: dict, user: dict | None = None, secrets: dict | None = None) -> AppTest:
    """Run dashboard.py on `page` (e.g. "app_pages/photos.py") with `params` in the URL, as `user` (st.user, with
    `secrets`) if given, else in local mode; fail on any exception."""
    at = AppTest.from_file("../dashboard.py", default_timeout=120)
    if user is not None:
        at.secrets, at.user = secrets or {}, user
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def assert_filters(at: AppTest, params: dict) -> None:
    """The filter bar shows the link's lang, region and period, and the URL is exactly the link."""
    assert at.radio(key="f_lang").value == params["lang"]
    assert at.selectbox(key="f_region").value == params["region"]
    assert (at.selectbox(key="f_from").value, at.selectbox(key="f_to").value) == (params["from"], params["to"])
    assert dict(at.query_params) == params


def page_figures(at: AppTest) -> tuple:
    """Everything a reader can compare on the page: cards, captions, text and tables."""
    return (
        tuple((m.label, m.value, m.delta) for m in at.metric),
        tuple(c.value for c in at.caption),
        tuple(m.value for m in at.markdown),
        tuple(str(d.value) for d in at.dataframe),
    )
