"""Proxied uploads: a multipart/form-data file streamed to a quarantine key part by part.

Django hands an upload handler the file in 64 KB chunks; this one forwards them to storage
through a MultipartWriter (one 8 MB part buffered at a time), hashes them, keeps the first
64 KB for sniffing, and stops the moment the file passes the tenant's size limit. Memory stays
flat whatever the file size; nothing is written to the web server's disk.

Only the form field `file` is kept; other file fields are dropped unread.
"""
from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from dangan.platform.errors import ApplicationError

from . import errors
from .sniffing import ACCEPTED, SNIFF_BYTES, sniff_mime
from .storage import object_store

FIELD = "file"


class StreamedFile(UploadedFile):
    """What the view gets instead of the bytes: where they went and what they were."""

    def __init__(self, *, name: str, stored: dict, mime_hint: str) -> None:
        super().__init__(file=None, name=name, content_type=mime_hint, size=stored["size"])
        self.stored = stored
        self.mime_hint = mime_hint

    def chunks(self, chunk_size=None):  # the bytes are in storage, not here
        return iter(())

    def read(self, *args, **kwargs) -> bytes:
        return b""

    def close(self) -> None:
        pass


class StreamingUploadHandler(FileUploadHandler):
    chunk_size = 64 * 1024

    def __init__(self, request=None, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.writer = None
        self.key = None
        self.head = b""
        self.done: StreamedFile | None = None
        self.skipping = False
        self.authorize = None  # set by the view: raises unless the caller may upload here

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # The whole request is too large: refuse before a byte is sent to storage. (The form's
        # other fields and boundaries take a few KB; the file alone is checked as it streams.)
        if content_length and content_length > self.max_bytes + 256 * 1024:
            raise ApplicationError(errors.FILE_TOO_LARGE, field=FIELD, limit_mb=self.max_bytes // (1024 * 1024))
        return None

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        if field_name != FIELD or self.writer is not None or self.done is not None:
            self.skipping = True  # one file per request; other parts are dropped
            return
        from .services.uploads import UPLOAD_CONTENT_TYPE, new_quarantine_key

        if self.authorize is not None:
            self.authorize()
        self.skipping = False
        self.key = new_quarantine_key()
        self.writer = object_store().writer(self.key, content_type=UPLOAD_CONTENT_TYPE)

    def receive_data_chunk(self, raw_data, start):
        if self.skipping or self.writer is None:
            return None
        if len(self.head) < SNIFF_BYTES:
            self.head += raw_data[:SNIFF_BYTES - len(self.head)]
            if len(self.head) >= min(SNIFF_BYTES, 4096):
                self._check_type()
        if self.writer.size + len(raw_data) > self.max_bytes:
            self.abort()
            raise ApplicationError(errors.FILE_TOO_LARGE, field=FIELD, limit_mb=self.max_bytes // (1024 * 1024))
        self.writer.write(raw_data)
        return None

    def _check_type(self) -> None:
        mime = sniff_mime(self.head)
        # Zips may be OFD (decided after the upload, from the zip's directory); anything else
        # that is not accepted is refused before more bytes are sent anywhere.
        if mime not in ACCEPTED and self.head[:4] != b"PK\x03\x04":
            self.abort()
            raise ApplicationError(errors.FILE_TYPE_REJECTED, field=FIELD, mime=mime)
        self.mime_hint = mime

    def file_complete(self, file_size):
        if self.skipping or self.writer is None:
            return None
        if self.head and not getattr(self, "mime_hint", None):
            self._check_type()  # a file shorter than 4 KB
        stored = self.writer.close()
        stored["relative_key"] = self.key
        self.writer = None
        self.done = StreamedFile(name=self.file_name or "", stored=stored, mime_hint=getattr(self, "mime_hint", ""))
        return self.done

    def upload_interrupted(self):
        self.abort()

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.abort()
            self.writer = None

    def discard(self) -> None:
        """Delete what was stored (the request was refused after the upload)."""
        self.abort()
        if self.done is not None:
            object_store().delete(self.done.stored["relative_key"])
            self.done = None
