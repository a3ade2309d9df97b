"""What an audit event's action code (`customer.submit`, `loan.approve` …) reads as on a page:
the kind of thing acted on and the act, `客户档案 · 提交`. Codes stay the record (they are hashed
into the chain); these labels are only how people read them. A code with a part not named here
shows as itself, and tests/governance/test_audit_labels.py fails for any code a service records
without a label."""
from __future__ import annotations

from django.utils.translation import pgettext_lazy

SUBJECTS = {
    "api_key": pgettext_lazy("audit action", "API 密钥"),
    "archive_settings": pgettext_lazy("audit action", "档案设置"),
    "archives": pgettext_lazy("audit action", "客户档案"),
    "borrowing": pgettext_lazy("audit action", "借阅规则"),
    "cadence_rule": pgettext_lazy("audit action", "更新周期规则"),
    "category": pgettext_lazy("audit action", "档案类别"),
    "change_request": pgettext_lazy("audit action", "变更申请"),
    "checklist": pgettext_lazy("audit action", "必备资料清单"),
    "checklist_item": pgettext_lazy("audit action", "必备资料项"),
    "classification_scheme": pgettext_lazy("audit action", "分类方案"),
    "classification_term": pgettext_lazy("audit action", "分类项"),
    "communication": pgettext_lazy("audit action", "沟通记录"),
    "complaint": pgettext_lazy("audit action", "投诉"),
    "confidentiality": pgettext_lazy("audit action", "密级"),
    "custom_field": pgettext_lazy("audit action", "自定义字段"),
    "customer": pgettext_lazy("audit action", "客户档案"),
    "department": pgettext_lazy("audit action", "部门"),
    "disposition": pgettext_lazy("audit action", "销毁审批"),
    "document": pgettext_lazy("audit action", "资料"),
    "document_type": pgettext_lazy("audit action", "资料类型"),
    "document_upload": pgettext_lazy("audit action", "资料上传"),
    "import": pgettext_lazy("audit action", "批量导入"),
    "ledger": pgettext_lazy("audit action", "销售台账"),
    "legal_hold": pgettext_lazy("audit action", "冻结（暂停销毁）"),
    "loan": pgettext_lazy("audit action", "借阅"),
    "login_lockout": pgettext_lazy("audit action", "登录锁定"),
    "masking_policy": pgettext_lazy("audit action", "脱敏规则"),
    "pickup": pgettext_lazy("audit action", "领取登记"),
    "retention_rule": pgettext_lazy("audit action", "保管期限规则"),
    "security_settings": pgettext_lazy("audit action", "安全设置"),
    "service_record": pgettext_lazy("audit action", "服务记录"),
    "survey": pgettext_lazy("audit action", "满意度调查"),
    "two_factor": pgettext_lazy("audit action", "两步验证"),
    "user": pgettext_lazy("audit action", "用户"),
    "volume": pgettext_lazy("audit action", "档案夹/册"),
    "voucher": pgettext_lazy("audit action", "销售凭证"),
    "voucher_copy": pgettext_lazy("audit action", "凭证联"),
}

ACTS = {
    "abandon": pgettext_lazy("audit action", "放弃上传"),
    "apply": pgettext_lazy("audit action", "导入"),
    "approve": pgettext_lazy("audit action", "批准"),
    "archive": pgettext_lazy("audit action", "封存（不活跃）"),
    "assign": pgettext_lazy("audit action", "装入"),
    "cancel": pgettext_lazy("audit action", "撤回"),
    "chain_set": pgettext_lazy("audit action", "设置审批链"),
    "chunk": pgettext_lazy("audit action", "导入一批"),
    "clear": pgettext_lazy("audit action", "解除"),
    "clearance_set": pgettext_lazy("audit action", "设置人员密级许可"),
    "create": pgettext_lazy("audit action", "新建"),
    "customer_set": pgettext_lazy("audit action", "设置档案密级"),
    "deactivate": pgettext_lazy("audit action", "停用"),
    "define": pgettext_lazy("audit action", "新建"),
    "delete": pgettext_lazy("audit action", "删除"),
    "destroy": pgettext_lazy("audit action", "销毁"),
    "destroyed": pgettext_lazy("audit action", "已销毁"),
    "disable": pgettext_lazy("audit action", "关闭"),
    "document_set": pgettext_lazy("audit action", "设置资料密级"),
    "enable": pgettext_lazy("audit action", "开启"),
    "exclude": pgettext_lazy("audit action", "移出清单"),
    "file": pgettext_lazy("audit action", "归档"),
    "grant": pgettext_lazy("audit action", "授权查阅"),
    "invitation_resend": pgettext_lazy("audit action", "重发邀请"),
    "invite": pgettext_lazy("audit action", "邀请"),
    "lend": pgettext_lazy("audit action", "借出"),
    "level_create": pgettext_lazy("audit action", "新建密级"),
    "level_delete": pgettext_lazy("audit action", "删除密级"),
    "level_update": pgettext_lazy("audit action", "修改密级"),
    "mark": pgettext_lazy("audit action", "登记"),
    "overdue_sweep": pgettext_lazy("audit action", "逾期检查"),
    "policy_set": pgettext_lazy("audit action", "设置规则"),
    "reactivate": pgettext_lazy("audit action", "重新启用"),
    "record": pgettext_lazy("audit action", "登记"),
    "reject": pgettext_lazy("audit action", "驳回"),
    "release": pgettext_lazy("audit action", "解除"),
    "request": pgettext_lazy("audit action", "申请"),
    "request_approve": pgettext_lazy("audit action", "批准申请"),
    "request_reject": pgettext_lazy("audit action", "驳回申请"),
    "reset": pgettext_lazy("audit action", "重置"),
    "return": pgettext_lazy("audit action", "退回修改"),
    "review": pgettext_lazy("audit action", "更新核对"),
    "review_sweep": pgettext_lazy("audit action", "定期更新检查"),
    "revoke": pgettext_lazy("audit action", "撤销"),
    "save": pgettext_lazy("audit action", "保存"),
    "set": pgettext_lazy("audit action", "设置"),
    "set_members": pgettext_lazy("audit action", "设置成员"),
    "submit": pgettext_lazy("audit action", "提交"),
    "sweep": pgettext_lazy("audit action", "到期检查"),
    "transition": pgettext_lazy("audit action", "状态变更"),
    "update": pgettext_lazy("audit action", "修改"),
}


# Where one act word means two things: a file is returned for correction, a loan is given back.
WHOLE = {"loan.return": pgettext_lazy("audit action", "借阅 · 归还")}


def audit_action_label(code: str) -> str:
    """`客户档案 · 提交` for `customer.submit`; the code itself where a part has no label."""
    if code in WHOLE:
        return str(WHOLE[code])
    subject, _dot, act = (code or "").partition(".")
    if subject in SUBJECTS and act in ACTS:
        return f"{SUBJECTS[subject]} · {ACTS[act]}"
    return code
