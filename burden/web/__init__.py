"""The code that imports Streamlit: the page frame, widgets and charts on the page, sign-in, downloads."""
