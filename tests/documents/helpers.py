"""Files made by the tests and plain-HTTP access to presigned URLs."""
from __future__ import annotations

import hashlib
import io
import json
import urllib.request
import zipfile


# --- files -----------------------------------------------------------------------------------------

def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pdf_bytes(text: str = "Contract 2026-001", pages: int = 1) -> bytes:
    """A PDF with a real text layer (Helvetica: ASCII text extracts exactly)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1)  # same bytes every time
    for page in range(pages):
        canvas.setFont("Helvetica", 14)
        canvas.drawString(72, 760, f"{text} page {page + 1}")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def png_bytes(size=(60, 40), color=(200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (50, 50), (0, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def tiff_bytes(frames: int = 3) -> bytes:
    from PIL import Image

    images = [Image.new("L", (40, 40), 40 * index) for index in range(frames)]
    out = io.BytesIO()
    images[0].save(out, format="TIFF", save_all=True, append_images=images[1:])
    return out.getvalue()


def ofd_bytes(text: str = "电子发票 OFD 12345") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("OFD.xml", '<?xml version="1.0"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" '
                                    'Version="1.0"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>'
                                    '</ofd:DocBody></ofd:OFD>')
        archive.writestr("Doc_0/Document.xml", "<ofd:Document/>")
        archive.writestr("Doc_0/Pages/Page_0/Content.xml",
                         f'<ofd:Page><ofd:TextObject><ofd:TextCode X="1" Y="2">{text}</ofd:TextCode>'
                         '</ofd:TextObject></ofd:Page>')
    return out.getvalue()


def plain_zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not an OFD")
    return out.getvalue()


def http_put(url: str, data: bytes, headers: dict | None = None):
    """(status, headers); headers look up names case-insensitively."""
    request = urllib.request.Request(url, data=data, method="PUT", headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers


def http_get(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read(), response.headers


def body(response) -> dict:
    return json.loads(response.content)


# --- documents ---------------------------------------------------------------------------------

def text_document(people, customer, text: str, title: str = "扫描件"):
    """An available document whose current version holds `text`, made without the pipeline."""
    from dangan.documents.models import Document, DocumentVersion
    from dangan.documents.services.documents import document_create

    document = document_create(actor=people.owner, customer=customer, document_type="other", title=title)
    version = DocumentVersion.objects.create(document=document, number=1, object_key=f"docs/{document.pk}/v1/x",
                                             uploaded_by=people.owner, upload_state="available", text=text)
    Document.objects.filter(pk=document.pk).update(current_version=version, state="available")
    return document
