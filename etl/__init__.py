"""ETL: loads Nomis extracts and the other public sources into the DuckDB warehouse.

This package never imports streamlit; only it writes the warehouse.
"""
