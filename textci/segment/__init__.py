"""Pages -> passages: sentences, paragraphs and language."""
from .language import identify
from .passages import split_page, split_pages

__all__ = ["identify", "split_page", "split_pages"]
