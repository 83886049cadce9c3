"""DOCX and ODT files written on the fly from their XML (real packages Word and LibreOffice open).

Writing the parts by hand lets a test hold exactly the feature it is about:
footnotes, tracked changes, hidden runs, text boxes, rendered page breaks.
"""
from __future__ import annotations

import zipfile
from html import escape
from pathlib import Path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCX_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""
DOCX_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
 Target="word/document.xml"/></Relationships>"""
STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<w:styles xmlns:w="{W_NS}"><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>
<w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style></w:styles>"""


def run(text: str, props: str = "") -> str:
    return f'<w:r>{f"<w:rPr>{props}</w:rPr>" if props else ""}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def para(*runs: str, style: str | None = None, props: str = "") -> str:
    style_xml = f'<w:pStyle w:val="{style}"/>' if style else ""
    ppr = f"<w:pPr>{style_xml}{props}</w:pPr>" if style_xml or props else ""
    return f"<w:p>{ppr}{''.join(r if r.startswith('<') else run(r) for r in runs)}</w:p>"


def write_docx(path: Path, body: str, footnotes: dict[str, str] | None = None,
               header: str | None = None, comments: str | None = None, doctype: str = "") -> Path:
    """A DOCX whose body is `body` (WordprocessingML paragraphs and tables)."""
    ns = f'xmlns:w="{W_NS}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" ' \
         'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" ' \
         'xmlns:v="urn:schemas-microsoft-com:vml"'
    parts = {"[Content_Types].xml": DOCX_TYPES, "_rels/.rels": DOCX_RELS, "word/styles.xml": STYLES,
             "word/document.xml": f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<w:document {ns}>'
                                  f"<w:body>{body}<w:sectPr/></w:body></w:document>"}
    if footnotes:
        notes = "".join(f'<w:footnote w:id="{i}">{para(text)}</w:footnote>' for i, text in footnotes.items())
        parts["word/footnotes.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><w:footnotes xmlns:w="{W_NS}">'
                                       f'<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r>'
                                       f"</w:p></w:footnote>{notes}</w:footnotes>")
    if header:
        parts["word/header1.xml"] = f'<w:hdr xmlns:w="{W_NS}">{para(header)}</w:hdr>'
    if comments:
        parts["word/comments.xml"] = (f'<w:comments xmlns:w="{W_NS}"><w:comment w:id="0">{para(comments)}'
                                      "</w:comment></w:comments>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


ODT_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
          'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
          'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/"')
ODT_STYLES = ('<style:style style:name="Break" style:family="paragraph"><style:paragraph-properties '
              'fo:break-before="page"/></style:style><style:style style:name="Hidden" style:family="text">'
              '<style:text-properties text:display="none"/></style:style>')


def write_odt(path: Path, body: str, header: str | None = None) -> Path:
    """An ODT whose office:text holds `body`; styles `Break` (page break before) and `Hidden` exist."""
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODT_NS} office:version="1.3">'
               f"<office:automatic-styles>{ODT_STYLES}</office:automatic-styles>"
               f"<office:body><office:text>{body}</office:text></office:body></office:document-content>")
    master = (f"<office:master-styles><style:master-page style:name=\"Standard\"><style:header>"
              f"<text:p>{escape(header)}</text:p></style:header></style:master-page></office:master-styles>"
              if header else "")
    styles = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {ODT_NS} office:version="1.3">'
              f"{master}</office:document-styles>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("styles.xml", styles, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path
