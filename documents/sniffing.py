"""What a file is, decided by its content (libmagic), never by its name or the client's header.

Accepted: PDF, JPEG, PNG, TIFF, and OFD (GB/T 33190, China's e-invoice format: a zip container
whose root holds OFD.xml).
"""
from __future__ import annotations

import zipfile
from typing import BinaryIO

import magic

ACCEPTED = frozenset({"application/pdf", "image/jpeg", "image/png", "image/tiff", "application/ofd"})
ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed", "application/octet-stream"})
SNIFF_BYTES = 64 * 1024  # libmagic decides these types from the first few KB
# An OFD's root entries are a handful; a zip with thousands of entries is not one (and reading
# a huge central directory is the start of a zip bomb).
MAX_ZIP_ENTRIES = 20_000


def sniff_mime(head: bytes) -> str:
    return magic.from_buffer(head[:SNIFF_BYTES], mime=True) or "application/octet-stream"


def is_ofd(fileobj: BinaryIO) -> bool:
    """A zip whose root has OFD.xml. Reads only the central directory (seekable file)."""
    try:
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                return False
            return any(info.filename.lower() == "ofd.xml" for info in infos)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False


def classify(head: bytes, open_seekable) -> str:
    """The accepted MIME type of a file, or the sniffed type if it is not accepted.

    `open_seekable()` gives a seekable file of the whole object, used only for zips.
    """
    mime = sniff_mime(head)
    if mime in ACCEPTED:
        return mime
    if head[:4] == b"PK\x03\x04" and (mime in ZIP_TYPES or mime.startswith("application/")):
        with open_seekable() as handle:
            if is_ofd(handle):
                return "application/ofd"
    return mime
