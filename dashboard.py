"""减负看板 · Burden Dashboard — entry point.

Page config, the shared frame (URL state and filter bar), then navigation.
Pages live in app_pages/ (not pages/): with st.navigation, a folder named
pages/ would make a freshly started server run a deep-linked page alone,
without this frame. See README "Layout".
"""

import streamlit as st

from burden import frame
from burden.i18n import t

st.set_page_config(page_title="减负看板 · Burden Dashboard", page_icon="📱", layout="wide")

view = frame.setup()
pages = [
    st.Page(
        "app_pages/overview.py", title=t("nav.overview"), icon=":material/dashboard:", url_path="overview", default=True
    ),
]
current = st.navigation(pages, position="hidden")
frame.nav_links(pages, view)
current.run()
