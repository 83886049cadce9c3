"""HTML -> one page of blocks: the main content in reading order, without the site around it.

Navigation, menus, cookie banners, breadcrumbs, sidebars, share widgets,
footers, forms, scripts and styles are removed first, by tag (`nav`, `aside`,
`footer`, ...), by ARIA role, and by the class and id names sites give them
(which pages built only from `div`s still carry). The content root is `main`
or the single `article` where the page has one. What remains is cut into
blocks; a block that is mostly link text (a menu without a name) is dropped.
"""
from __future__ import annotations

import re
from pathlib import Path

from ... import errors
from .blocks import TextBlock, paragraph, table
from .encoding import decode

DROP_TAGS = {"script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "form",
             "button", "select", "input", "textarea", "nav", "aside", "dialog", "menu", "head", "title", "meta",
             "link", "img", "video", "audio", "picture", "map"}
DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog", "menu",
              "menubar", "toolbar", "alert"}
# Words in class or id names that sites give to boilerplate (compared word by word: "site-nav", "cookieBanner").
BOILERPLATE = {"nav", "navbar", "navigation", "menu", "menubar", "breadcrumb", "breadcrumbs", "crumbs", "cookie",
               "cookies", "consent", "gdpr", "banner", "sidebar", "side", "share", "sharing", "social", "footer",
               "foot", "masthead", "header", "related", "newsletter", "subscribe", "skip", "pagination", "pager",
               "toolbar", "widget", "advert", "ads", "promo", "popup", "modal", "topbar", "tags", "comments"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BLOCKS = HEADINGS | {"p", "li", "dt", "dd", "blockquote", "pre", "figcaption", "caption", "address", "summary"}
CONTAINERS = {"div", "section", "article", "main", "body", "ul", "ol", "dl", "header", "footer", "figure",
              "details", "center", "span", "font", "td", "th"}
LINE_BREAKS = {"br"}
MAX_LINK_SHARE = 0.5   # a block with more of its text in links than this is a menu, not content
_WORDS = re.compile(r"[a-z]+|[A-Z][a-z]*")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_COOKIE_NOTICE = re.compile(r"\bcookies?\b.*\b(accept|consent|agree|settings|privacy)|"
                            r"\b(accept|consent|agree)\b.*\bcookies?\b", re.IGNORECASE)
LINK_LISTS = {"div", "ul", "ol", "p", "li", "section", "td", "span", "table"}


def read(path: Path) -> list[list[TextBlock]]:
    data = path.read_bytes()
    declared = _META_CHARSET.search(data[:4096])
    text = decode(data, declared.group(1).decode("ascii") if declared else None)
    root = _parse(_XML_DECLARATION.sub("", text))
    _remove_boilerplate(root)
    blocks = [b for b in _blocks(_content_root(root)) if b is not None]
    return [blocks]


def _parse(text: str):
    import lxml.html
    from lxml import etree

    parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise errors.EmptyDocument(f"the HTML holds no document to read ({exc})") from None


def _class_words(element) -> set[str]:
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    return {w.lower() for w in _WORDS.findall(names)}


def _is_boilerplate(element) -> bool:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in DROP_TAGS or (element.get("role") or "").lower() in DROP_ROLES:
        return True
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    if re.search(r"display\s*:\s*none", element.get("style") or ""):
        return True
    if tag in ("header", "footer") and element.getparent() is not None and \
            element.getparent().tag not in ("article", "main"):
        return True
    words = _class_words(element)
    if words & BOILERPLATE and tag not in ("body", "html", "main", "article"):
        return not (words & {"header", "masthead"} and element.find(".//h1") is not None)
    return False


def _remove_boilerplate(root) -> None:
    _remove([el for el in root.iter() if isinstance(el.tag, str) and _is_boilerplate(el)])
    _remove([el for el in root.iter(*LINK_LISTS) if _link_share(el) > MAX_LINK_SHARE or _is_notice(el)])


def _remove(doomed) -> None:
    for element in doomed:
        parent = element.getparent()
        if parent is None or not _attached(element):
            continue
        if element.tail and element.tail.strip():   # text after the removed element stays
            previous = element.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + element.tail
            else:
                parent.text = (parent.text or "") + element.tail
        parent.remove(element)


def _attached(element) -> bool:
    """False when an ancestor was removed already (its subtree went with it)."""
    return element.getroottree().getroot().tag == "html"


def _content_root(root):
    for query in ("//main", "//*[@role='main']", "//article"):
        found = root.xpath(query)
        if len(found) == 1:
            return found[0]
    body = root.find("body")
    return body if body is not None else root


def _blocks(root):
    """Blocks in document order; text directly inside a container is a paragraph of its own."""
    pending: list[str] = []

    def flush():
        block = paragraph(" ".join(pending))
        pending.clear()
        return block

    stack = [iter([root])]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            continue
        if isinstance(node, tuple):   # ("tail", text) after a container's children
            pending.append(node[1])
            continue
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in BLOCKS:
            yield flush()
            yield paragraph(_inline_text(node), "heading" if tag in HEADINGS else "paragraph")
        elif tag == "table":
            yield flush()
            yield table(_rows(node))
        elif tag in LINE_BREAKS:
            yield flush()
        else:
            if tag in CONTAINERS - {"span", "font"}:
                yield flush()
            if node.text:
                pending.append(node.text)
            stack.append(iter([("tail", node.tail)] if node.tail else []))
            stack.append(iter(node))
            continue
        if node.tail:
            pending.append(node.tail)
    yield flush()


def _inline_text(element) -> str:
    """The text of a block element, `<br>` kept as a line break, whitespace collapsed per line."""
    parts: list[str] = [element.text or ""]
    stack = [iter(element)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
        elif isinstance(node, str):
            parts.append(node)
        else:
            parts.append("\n" if node.tag == "br" else (node.text or "") if isinstance(node.tag, str) else "")
            stack.append(iter([node.tail] if node.tail else []))
            stack.append(iter(node))
    return "\n".join(" ".join(line.split()) for line in "".join(parts).split("\n"))


def _rows(table_element) -> list[list[str]]:
    rows = []
    for row in table_element.iter("tr"):
        rows.append([" ".join(cell.text_content().split()) for cell in row if cell.tag in ("td", "th")])
    return rows


def _link_share(element) -> float:
    text = len("".join(element.text_content().split()))
    links = sum(len("".join(a.text_content().split())) for a in element.iter("a"))
    return links / text if text else 0.0


def _is_notice(element) -> bool:
    """A cookie or consent notice that carries no telling class name."""
    if element.find(".//div") is not None or element.find(".//section") is not None:
        return False   # only the innermost boxes: never the wrapper around a short page
    text = " ".join(element.text_content().split())
    return len(text) < 400 and bool(_COOKIE_NOTICE.search(text))
