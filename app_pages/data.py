"""Placeholder until this view is built (issue 4)."""

import streamlit as st

from burden.i18n import t

st.title(t("nav.data"))
st.info(t("view.pending"))
