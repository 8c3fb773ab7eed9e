"""Pure functions DataFrame -> Plotly figure: the theme, then one module per view. No Streamlit, no database."""
