"""The fields of a document uploaded on the customer page (the file itself streams past them).
The documents services check them again; this form only parses what a person chose."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangan.documents import selectors
from dangan.documents.models import OriginalOrCopy


class DocumentUploadForm(forms.Form):
    document_type = forms.ChoiceField(label=_("资料类型"))
    original_or_copy = forms.ChoiceField(label=_("原件/复印件"), required=False)
    copies = forms.IntegerField(label=_("份数"), min_value=1, max_value=1000, initial=1)
    title = forms.CharField(label=_("标题"), max_length=200, required=False,
                            help_text=_("留空则使用资料类型名称。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_type"].choices = [("", _("请选择"))] + [
            (doc_type.code, doc_type.name) for doc_type in selectors.document_types()]
        self.fields["original_or_copy"].choices = [("", _("按资料类型默认"))] + list(OriginalOrCopy.choices)
        # One upload form per page, beside other forms: its ids must not collide with theirs.
        self.auto_id = "id_upload_%s"

    def document_fields(self) -> dict:
        data = self.cleaned_data
        return {"document_type": data["document_type"], "original_or_copy": data["original_or_copy"] or None,
                "copies": data["copies"], "title": data["title"]}

    def error_text(self) -> str:
        """Every problem in one line: the answer lands beside a file name, not beside a field."""
        return " ".join(f"{self.fields[name].label}：{' '.join(errors)}" if name in self.fields else " ".join(errors)
                        for name, errors in self.errors.items())


class DirectFileForm(forms.Form):
    """What the browser declares before it sends a file straight to storage: the server checks
    the stored bytes against it (size at complete, SHA-256 in the verify task)."""
    filename = forms.CharField(label=_("文件名"), max_length=255)
    size = forms.IntegerField(label=_("文件大小"), min_value=1)
    sha256 = forms.RegexField(label=_("SHA-256"), regex=r"^[0-9a-fA-F]{64}$")

    def file_fields(self) -> dict:
        data = self.cleaned_data
        return {"filename": data["filename"], "size": data["size"], "sha256": data["sha256"].lower()}

    error_text = DocumentUploadForm.error_text


class DirectUploadForm(DocumentUploadForm, DirectFileForm):
    """A new document: its fields and its file's declaration, in one request."""


class CompletePartsForm(forms.Form):
    """The ETags of a multipart direct upload's parts, as storage answered them (1, 2, 3 …)."""
    part_number = forms.IntegerField(min_value=1, max_value=10_000)
    etag = forms.CharField(max_length=200)


def completed_parts(data) -> list[dict] | None:
    """`parts` of a complete request ([{part_number, etag}] or absent); ValueError when malformed."""
    parts = data.get("parts") if isinstance(data, dict) else None
    if parts is None:
        return None
    if not isinstance(parts, list) or len(parts) > 10_000:
        raise ValueError("parts")
    cleaned = []
    for part in parts:
        form = CompletePartsForm(part if isinstance(part, dict) else {})
        if not form.is_valid():
            raise ValueError("parts")
        cleaned.append(form.cleaned_data)
    return cleaned
