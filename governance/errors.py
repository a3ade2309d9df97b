"""Stable error codes of the governance app (Chinese and English messages)."""
from dangan.platform.errors import ErrorCode

AUDIT_CHAIN_BROKEN = ErrorCode("audit_chain_broken", "审计链校验未通过：{zh}", "The audit chain failed verification: {en}", 409)
AUDITOR_ONLY = ErrorCode("auditor_only", "只有审计人员可以执行此操作。", "Only auditors may do this.", 403)
REASON_REQUIRED = ErrorCode("reason_required", "请填写原因。", "A reason is required.")
ACCESS_ACTION_INVALID = ErrorCode("access_action_invalid", "未知的查询记录类型“{action}”。",
                                  "Unknown access-log action “{action}”.")
EXPORT_TOO_LARGE = ErrorCode("export_too_large", "共 {count} 条，超过单次导出上限 {limit} 条，请缩小时间范围。",
                             "{count} rows exceed the export limit of {limit}; narrow the period.")
FORBIDDEN = ErrorCode("permission_denied", "您没有执行此操作的权限。", "You do not have permission to do this.", 403)
RULE_EMPTY = ErrorCode("retention_rule_empty", "保管期限规则至少需要一项期限。",
                       "A retention rule needs at least one component.")
RULE_FIELD_INVALID = ErrorCode("retention_rule_field_invalid", "档案类别中没有日期字段“{key}”。",
                               "The category has no date field “{key}”.")
HOLD_NOT_ALLOWED = ErrorCode("legal_hold_not_allowed", "您无权设置或解除法律保全。",
                             "You may not set or release legal holds.", 403)
HOLD_RELEASED = ErrorCode("legal_hold_released", "该法律保全已解除。", "This legal hold was already released.", 409)
NOT_CUSTODIAN = ErrorCode("not_custodian", "只有档案管理员可以编制和提交销毁清册。",
                          "Only a custodian may prepare and submit destruction lists.", 403)
BATCH_STAGE = ErrorCode("disposition_stage_invalid", "销毁清册当前为“{stage}”，不能执行此操作。",
                        "The destruction list is “{stage}”; this action is not allowed now.", 409)
BATCH_EMPTY = ErrorCode("disposition_batch_empty", "销毁清册中没有待销毁的档案。",
                        "The destruction list holds no files to destroy.", 409)
STEP_DECIDED = ErrorCode("disposition_step_decided", "第 {step} 级审批已处理或尚未轮到。",
                         "Step {step} is already decided or not yet due.", 409)
ROLE_REQUIRED = ErrorCode("disposition_role_required", "此级审批须由“{role}”进行。",
                          "This step must be decided by a holder of the role “{role}”.", 403)
SELF_APPROVAL = ErrorCode("self_approval_forbidden", "不能审批自己提交的销毁清册。",
                          "Nobody approves a destruction list they submitted.", 403)
SAME_APPROVER = ErrorCode("disposition_same_approver", "每一级审批须由不同的人进行。",
                          "Each step must be decided by a different person.", 403)
CHAIN_INVALID = ErrorCode("disposition_chain_invalid", "审批链须有 1 至 10 级。", "An approval chain has 1 to 10 steps.")
ROLE_UNKNOWN = ErrorCode("role_unknown", "没有角色“{role}”。", "There is no role “{role}”.")
RULE_NAME_TAKEN = ErrorCode("retention_rule_name_taken", "规则名称“{name}”已被使用。",
                            "The rule name “{name}” is taken.", 409)
