"""View models: what each page shows, shaped from db.query results (no Streamlit here)."""
