"""Stable error codes of the archives app (Chinese and English messages)."""
from dangan.platform.errors import ErrorCode

CATEGORY_REQUIRED = ErrorCode("category_required", "请选择档案类别。", "Choose an archive category.")
CATEGORY_INACTIVE = ErrorCode("category_inactive", "该档案类别已停用。", "This archive category is disabled.")
TERM_INVALID = ErrorCode("classification_invalid", "“{value}”不是{scheme}中的有效选项。",
                         "“{value}” is not a valid choice of {scheme}.")
FIELD_REQUIRED = ErrorCode("required", "此项为必填项。", "This field is required.")
FIELD_INVALID = ErrorCode("invalid", "{zh}", "{en}")
CUSTOM_FIELD_UNKNOWN = ErrorCode("custom_field_unknown", "档案类别中没有字段“{key}”。",
                                 "The category has no field “{key}”.")
CUSTOM_FIELD_KEY_TAKEN = ErrorCode("custom_field_key_taken", "字段键“{key}”已存在。", "Field key “{key}” exists.", 409)
CUSTOM_FIELD_CHANGE_CONFLICT = ErrorCode(
    "custom_field_change_conflict", "有 {count} 份档案的现有数据与新定义不符，不能这样修改。",
    "{count} stored files hold values the new definition would reject; change refused.", 409)
NUMBERING_PATTERN_INVALID = ErrorCode(
    "numbering_pattern_invalid", "编号规则无效：{zh}", "Invalid numbering pattern: {en}")
NOT_OWNER = ErrorCode("not_owner", "只有负责该客户的业务员可以提交档案。",
                      "Only the customer's owner may submit the file.", 403)
SELF_REVIEW = ErrorCode("self_review_forbidden", "不能审核自己负责的档案。", "Nobody reviews their own file.", 403)
NOT_SUPERVISOR = ErrorCode("not_supervisor", "只有负责人的直接上级可以审核该档案。",
                           "Only the owner's supervisor may review this file.", 403)
NOT_CUSTODIAN = ErrorCode("not_custodian", "只有档案管理员可以归档保管。", "Only a custodian may file records.", 403)
INVALID_STATE = ErrorCode("invalid_state", "档案当前状态为“{state}”，不能执行此操作。",
                          "The file is “{state}”; this action is not allowed now.", 409)
REASON_REQUIRED = ErrorCode("reason_required", "请填写原因。", "A reason is required.")
VERSION_CONFLICT = ErrorCode("version_conflict", "档案已被他人修改，请刷新后重试。",
                             "The file was changed by someone else; reload and try again.", 409)
CHANGE_REQUEST_PENDING = ErrorCode("change_request_pending", "该档案已有待审批的变更申请。",
                                   "This file already has a pending change request.", 409)
CHANGE_REQUEST_DECIDED = ErrorCode("change_request_decided", "该变更申请已处理。",
                                   "This change request was already decided.", 409)
COMPLAINT_TRANSITION = ErrorCode("complaint_transition_invalid", "投诉不能从“{src}”变为“{dst}”。",
                                 "A complaint cannot go from “{src}” to “{dst}”.", 409)
RESOLUTION_REQUIRED = ErrorCode("resolution_required", "请填写处理结果。", "Enter the resolution.")
NOT_VISIBLE = ErrorCode("not_found", "未找到该档案。", "Not found.", 404)
FORBIDDEN = ErrorCode("permission_denied", "您没有执行此操作的权限。", "You do not have permission to do this.", 403)
