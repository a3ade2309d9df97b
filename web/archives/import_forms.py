"""Forms of the import wizard: the file, then one choice per column of it (which field the column
feeds). The import services check the mapping (archives/importing/targets.py clean_mapping);
their errors come back onto the column they concern."""
from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dangan.archives.importing import targets
from dangan.archives.models import ImportJob

from ..common import localized


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入内容"), choices=ImportJob.Kind.choices, initial=ImportJob.Kind.CUSTOMERS)
    file = forms.FileField(label=_("文件"), help_text=_(".xlsx，或 UTF-8 / GB18030（GBK）编码的 .csv；第一行为表头。"),
                           widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}))


class MappingForm(forms.Form):
    """One select per header of the file, named by position (headers are free text)."""

    def __init__(self, *args, job: ImportJob, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        english = (get_language() or "").lower().startswith("en")
        choices = [("", _("— 不导入 —"))] + [
            (target.key, f"{target.label_en if english else target.label}（{target.key}）")
            for target in targets.targets_for(job.kind)]
        known = {key for key, _label in choices}
        for index, header in enumerate(job.headers):
            proposed = (job.mapping or {}).get(header) or ""
            self.fields[self.name_of(index)] = forms.ChoiceField(
                label=header or _("（空表头）"), choices=choices, required=False,
                initial=proposed if proposed in known else "")

    @staticmethod
    def name_of(index: int) -> str:
        return f"column_{index}"

    def columns(self):
        """(header, bound field, proposed target) per column, in the file's order."""
        return [(header, self[self.name_of(index)], (self.job.mapping or {}).get(header))
                for index, header in enumerate(self.job.headers)]

    def mapping(self) -> dict:
        return {header: self.cleaned_data.get(self.name_of(index)) or None
                for index, header in enumerate(self.job.headers)}

    def add_service_errors(self, exc) -> str:
        """Errors on `mapping.<header>` go beside that column; the rest is returned for the top."""
        index_of = {header: index for index, header in enumerate(self.job.headers)}
        general = []
        for key, items in (exc.fields or {}).items():
            texts = [localized(item.get("message", "")) for item in items] or [exc.localized()]
            header = key.split(".", 1)[1] if key.startswith("mapping.") else None
            if header in index_of:
                for text in texts:
                    self.add_error(self.name_of(index_of[header]), text)
            else:
                general.extend(texts)
        return " ".join(general) or ("" if exc.fields else exc.localized())
