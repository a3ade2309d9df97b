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
