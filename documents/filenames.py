"""User file names are metadata only (keys are made by the server): what is kept is safe to
show and to put in a Content-Disposition header."""
from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 200
# Bidirectional controls reorder what a person sees ("invoice\u202Efdp.exe" shows as
# "invoiceexe.pdf"); zero-width characters hide differences between names.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\ufeff]")
EXTENSIONS = {
    "application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif",
    "application/ofd": ".ofd",
}
_SYNONYMS = {".jpeg": ".jpg", ".tiff": ".tif"}


def sanitize_filename(name: str | None, *, default: str = "document") -> str:
    """The last path component, NFC, without NUL, control, bidi or zero-width characters,
    without leading dots or trailing dots/spaces, at most MAX_LENGTH characters (keeping the
    extension)."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = text.replace("\\", "/").split("/")[-1]  # "../../etc/passwd", "C:\\x\\y.pdf"
    text = _INVISIBLE.sub("", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))
    text = text.strip().lstrip(".").rstrip(". ").strip()
    if not text:
        return default
    if len(text) > MAX_LENGTH:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            text = stem[:MAX_LENGTH - len(ext) - 1] + "." + ext
        else:
            text = text[:MAX_LENGTH]
    return text


def download_name(original: str, mime_type: str, *, fallback_stem: str) -> str:
    """The name a download carries: the sanitized original whose extension matches the
    sniffed type (a PDF uploaded as "scan.txt" downloads as "scan.txt.pdf")."""
    name = sanitize_filename(original, default=fallback_stem)
    wanted = EXTENSIONS.get(mime_type)
    if wanted is None:
        return name
    suffix = "." + name.rpartition(".")[2].lower() if "." in name else ""
    if _SYNONYMS.get(suffix, suffix) == wanted:
        return name
    return name + wanted
