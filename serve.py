"""The web entry: `streamlit run serve.py` serves dashboard.py (the app) through Streamlit's ASGI server.

It adds one middleware (burden/web/backend_base.py): the HTML page tells the browser where the server is,
so a deep link such as /apps does not first probe /apps/_stcore/health and log two 404s.
"""

import streamlit as st
from starlette.middleware import Middleware

from burden.web.backend_base import BackendBase

app = st.App("dashboard.py", middleware=[Middleware(BackendBase)])
