"""Passages -> themes (BERTopic on masked, language-centred multilingual embeddings)."""
from .model import ThemeConfig, ThemeResult, fit_themes
from .write import theme_records, write_themes

__all__ = ["ThemeConfig", "ThemeResult", "fit_themes", "theme_records", "write_themes"]
