"""Placeholder until this view is built (issue 3)."""

import streamlit as st

from burden.i18n import t

st.title(t("nav.photos"))
st.info(t("view.pending"))
