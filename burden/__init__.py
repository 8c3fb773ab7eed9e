"""减负看板 · Burden Dashboard: app logs -> DuckDB rollups -> Streamlit views."""
