"""Tables -> one self-contained HTML report (no scripts, no network)."""
from .html import build_report, render_report

__all__ = ["build_report", "render_report"]
