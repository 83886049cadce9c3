"""Predictions + themes -> per-city tables, written as CSV, Parquet and JSON."""
from .tables import TABLES, Comparison, compare
from .write import write_tables

__all__ = ["TABLES", "Comparison", "compare", "write_tables"]
