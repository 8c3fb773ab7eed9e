"""The web entry: `streamlit run serve.py` serves dashboard.py (the app) through Streamlit's ASGI server.

- One middleware (burden/web/backend_base.py): the HTML page tells the browser where the server is, so a deep
  link such as /apps does not first probe /apps/_stcore/health and log two 404s.
- Every module a page needs is imported here, once, before the first session (burden/web/preload.py): the
  first sessions of a fresh server must not import them from several threads at once.
"""

import streamlit as st
from starlette.middleware import Middleware

from burden.web.backend_base import BackendBase
from burden.web.preload import preload

preload()
app = st.App("dashboard.py", middleware=[Middleware(BackendBase)])
