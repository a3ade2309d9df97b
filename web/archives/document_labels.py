"""Labels of the documents models that the customer page shows (upload and processing states,
original or copy). The web catalog (web/messages.py) covers web/ and archives/models only, and
gettext finds a translation by its Chinese text wherever that text was defined: listing them
here puts their English into the web catalog, so `get_upload_state_display` and the like read
in English too. Keep them equal to the models' labels (a test compares them)."""
from django.utils.translation import gettext_noop

LABELS = [
    # UploadState
    gettext_noop("待上传"), gettext_noop("已上传待校验"), gettext_noop("已校验处理中"), gettext_noop("可用"),
    gettext_noop("已拒收"),
    # ScanStatus
    gettext_noop("待扫描"), gettext_noop("未发现威胁"), gettext_noop("发现威胁"), gettext_noop("扫描失败"),
    gettext_noop("未配置扫描"),
    # OcrStatus (and StepStatus)
    gettext_noop("待处理"), gettext_noop("完成"), gettext_noop("不需要（有文本层）"), gettext_noop("OCR 未安装"),
    gettext_noop("失败"),
    # OriginalOrCopy, ChecklistItem.Form, Document.State
    gettext_noop("原件"), gettext_noop("复印件"), gettext_noop("原件或复印件"), gettext_noop("暂无可用文件"),
    gettext_noop("已删除"),
]
