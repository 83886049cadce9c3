"""pdfplumber as the text layer: slower, kept for comparison and as a fallback."""
from __future__ import annotations

from .lines import Line, RawPage, merge_fragments


def read_pages(path, first_page: int, last_page: int):
    """Yield RawPages of a PDF between two 1-based page numbers."""
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages[first_page - 1:last_page]:
            words = page.extract_words(keep_blank_chars=False, use_text_flow=True)
            lines = [Line(w["text"], w["x0"], w["top"], w["x1"], w["bottom"]) for w in words]
            yield RawPage(page.page_number, float(page.width), float(page.height),
                          tuple(merge_fragments(lines)), bool(page.images) if len(lines) < 3 else False)
            page.flush_cache()
