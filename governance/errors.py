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

# --- the borrowing register (借阅登记) ---
LOAN_STATE = ErrorCode("loan_state_invalid", "借阅登记 {number} 当前为“{state}”，不能{action}。",
                       "Loan {number} is “{state_en}”; it cannot be {action_en}.", 409)
LOAN_SELF_APPROVAL = ErrorCode("loan_self_approval_forbidden", "不能审批自己的借阅申请。",
                               "Nobody approves their own loan request.", 403)
LOAN_APPROVER_REQUIRED = ErrorCode("loan_approver_required",
                                   "借阅申请须由借阅人的部门领导或以下角色审批：{roles}。",
                                   "A loan request is decided by the borrower's department head or a holder of: {roles}.",
                                   403)
LOAN_CLASSIFIED_APPROVER = ErrorCode("loan_classified_approver_required",
                                     "密级档案的借阅须由以下角色审批：{roles}。",
                                     "A loan of a classified file is decided by a holder of: {roles}.", 403)
LOAN_NOT_CUSTODIAN = ErrorCode("loan_custodian_required", "只有档案管理员可以办理借出和归还。",
                               "Only a custodian lends and checks in.", 403)
LOAN_OWN_HANDLING = ErrorCode("loan_own_handling_forbidden", "不能为自己的借阅办理借出或归还，请由其他档案管理员经办。",
                              "Another custodian must lend or check in your own loan.", 403)
LOAN_NOT_BORROWER = ErrorCode("loan_not_borrower", "只有借阅人本人可以撤销借阅申请。",
                              "Only the borrower may cancel a loan request.", 403)
LOAN_FILE_UNAVAILABLE = ErrorCode("loan_file_unavailable", "您只能借阅自己可查看的档案；纸质原件还可借阅本部门的档案。",
                                  "You may borrow files you can see; paper originals also from your own department.",
                                  403)
LOAN_PURPOSE_REQUIRED = ErrorCode("loan_purpose_required", "请填写借阅用途。", "State the purpose of the loan.")
LOAN_DUE_INVALID = ErrorCode("loan_due_date_invalid", "应还日期须在 {first} 至 {last} 之间（最长借阅 {days} 天）。",
                             "The due date must fall between {first} and {last} (at most {days} days).")
LOAN_DUE_PASSED = ErrorCode("loan_due_date_passed", "应还日期 {due} 已过，不能再借出，请重新申请。",
                            "The due date {due} has passed; request the loan again.", 409)
DOCUMENT_NOT_OF_FILE = ErrorCode("document_not_of_file", "所选资料不属于该客户档案。",
                                 "The document does not belong to this customer file.")
LOAN_NO_APPROVER = ErrorCode(
    "loan_no_approver",
    "目前没有人能审批这份借阅申请：须由借阅人的部门领导或以下角色审批：{roles}，但公司里没有相应的人员。请联系管理员。",
    "Nobody can decide this loan request now: it needs the borrower's department head or a holder of: {roles}, "
    "and nobody in the company is. Ask your administrator.", 409)
LOAN_NO_PAPER = ErrorCode("loan_no_paper_location", "该档案（资料）没有登记纸质原件的存放位置，不能借出纸质原件。",
                          "No paper location is recorded for this file or document; its paper cannot be lent.", 409)
LOAN_PAPER_OUT = ErrorCode("loan_paper_already_out", "纸质原件已借出（{number}，借阅人 {borrower}，应还日期 {due}）。",
                           "The paper original is out on loan ({number} to {borrower}, due {due}).", 409)
LOAN_MAX_DAYS_INVALID = ErrorCode("loan_max_days_invalid", "最长借阅期限须为 1 至 365 天。",
                                  "The longest loan is 1 to 365 days.")
LOAN_APPROVER_ROLES_EMPTY = ErrorCode("loan_approver_roles_empty", "请至少选择一个审批角色。",
                                      "Choose at least one approver role.")

# --- the contract pick-up register (合同领取登记) ---
PICKUP_NOT_CUSTODIAN = ErrorCode("pickup_custodian_required", "只有档案管理员可以登记合同领取。",
                                 "Only a custodian records contract pick-ups.", 403)
PICKUP_READER_REQUIRED = ErrorCode("pickup_reader_required", "合同领取登记仅供档案管理员和审计人员查看。",
                                   "The pick-up register is for custodians and auditors.", 403)
PICKUP_SIGNATURE_REQUIRED = ErrorCode("pickup_signature_required",
                                      "请上传客户签字图像，或填写领取人姓名和身份证号（二选一）。",
                                      "Upload the customer's signature, or type their name and ID number (one of the two).")
PICKUP_SIGNATURE_INVALID = ErrorCode("pickup_signature_invalid",
                                     "签字图像须为 PNG、JPEG 或 WebP 图片，且不超过 {max_mb} MB。",
                                     "The signature must be a PNG, JPEG or WebP image of at most {max_mb} MB.")
PICKUP_NAME_REQUIRED = ErrorCode("pickup_signer_name_required", "请填写领取人姓名。", "Enter the signer's name.")
PICKUP_ID_INVALID = ErrorCode("pickup_id_number_invalid", "身份证号码无效（长度、出生日期或校验位不正确）。",
                              "Invalid Chinese ID number (length, birth date or check digit).")
PICKUP_ID_NOT_ON_FILE = ErrorCode("pickup_id_not_on_file", "该档案未登记身份证号，无法核验，请改为上传签字图像。",
                                  "The file records no ID number to check against; upload a signature image instead.",
                                  409)
PICKUP_ID_MISMATCH = ErrorCode("pickup_id_mismatch", "身份证号与档案登记的不一致。",
                               "The ID number does not match the one recorded in the file.")
PICKUP_TIME_INVALID = ErrorCode("pickup_time_invalid", "领取时间不能晚于现在。", "The pick-up time cannot be in the future.")
PICKUP_COPIES_INVALID = ErrorCode("pickup_copies_invalid", "份数须为 1 至 100。", "Copies must be 1 to 100.")
# sensitive-field masking and reveal (governance/masking.py), fields clients never set
REVEAL_NOT_ALLOWED = ErrorCode("reveal_not_allowed", "您的角色不能查看敏感信息的明文。",
                               "Your role may not reveal sensitive values.", 403)
REVEAL_FIELD_UNKNOWN = ErrorCode("reveal_field_unknown", "“{name}”不是该档案中的敏感信息字段。",
                                 "“{name}” is not a sensitive field of this file.")
FIELD_NOT_WRITABLE = ErrorCode("field_not_writable", "字段“{name}”由系统维护，不能直接设置。",
                               "The field “{name}” is maintained by the system and cannot be set.")
OWNER_NOT_ASSIGNABLE = ErrorCode("owner_not_assignable", "您不能把档案交给该用户负责（不在您管理的部门）。",
                                 "You may not make this user the owner (not in a department you manage).", 403)
MASKING_ROLE_UNKNOWN = ErrorCode("masking_role_unknown", "没有角色“{role}”。", "There is no role “{role}”.")
LOAN_MEDIUM_INVALID = ErrorCode("loan_medium_invalid", "借阅方式须为电子查阅或纸质原件。",
                                "The medium is electronic or paper.")
PICKUP_TAKEN_INVALID = ErrorCode("pickup_taken_invalid", "领取内容须为原件或复印件。", "What was taken is original or copy.")
