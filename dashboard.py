"""减负看板 · Burden Dashboard — entry point.

Page config, sign-in (burden/web/auth.py decides the caller's scope, or draws only the sign-in / denial page
and stops), the shared frame (URL state and filter bar), then navigation.
Pages live in app_pages/ (not pages/): with st.navigation, a folder named
pages/ would make a freshly started server run a deep-linked page alone,
without this frame. See README "Layout".
"""

import streamlit as st

from burden import access, db
from burden.i18n import t
from burden.settings import ASSETS
from burden.views import audit
from burden.web import auth, frame, trail

DATA_PAGE = "app_pages/data.py"  # loads and quarantine: only for scopes that may import (staff, admin, local)
AUDIT_PAGE = ("app_pages/audit.py", "audit", "nav.audit", ":material/policy:")  # the audit log: admins only

st.set_page_config(page_title="减负看板 · Burden Dashboard", page_icon=str(ASSETS / "favicon.png"), layout="wide")

# One page run reads one database version from its first query to its last: a load swapping the file
# mid-render must not put old and new figures on one screen (burden/db.py one_version).
with db.one_version():
    scope = auth.gate()
    access.set_current(scope)
    auth.banner(scope)
    view = frame.setup()
    pages = [
        st.Page(path, title=t(title), icon=icon, url_path=url, default=index == 0)
        for index, (path, url, title, icon) in enumerate(frame.PAGES)
        if path != DATA_PAGE or scope.can_import
    ]
    if audit.may_read(scope):
        path, url, title, icon = AUDIT_PAGE
        pages.append(st.Page(path, title=t(title), icon=icon, url_path=url))
    current = st.navigation(pages, position="hidden")
    frame.navigation(pages, current, view)
    trail.page_view(scope, current.url_path, view.url_params())
    current.run()
    frame.share_box(view)
