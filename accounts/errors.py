"""Stable error codes of the company's user management (Chinese and English messages)."""
from dangan.platform.errors import ErrorCode

ROLE_UNKNOWN = ErrorCode("role_unknown", "没有角色“{role}”。", "There is no role “{role}”.")
DEPARTMENT_UNKNOWN = ErrorCode("department_unknown", "所选部门不存在。", "A chosen department does not exist.")
LAST_ADMIN = ErrorCode("last_admin", "公司至少需要一位有效的管理员。",
                       "The company needs at least one active administrator.", 409)
NAME_REQUIRED = ErrorCode("name_required", "请填写姓名。", "A name is required.")
EMAIL_INVALID = ErrorCode("email_invalid", "邮箱地址格式不正确。", "The e-mail address is not valid.")
EMAIL_TAKEN = ErrorCode("email_taken", "邮箱“{email}”已被本公司的用户使用。",
                        "The e-mail “{email}” is already used by a user of this company.", 409)
INACTIVE_USER = ErrorCode("user_inactive", "该用户已停用。", "This user is deactivated.", 409)
SELF_DEACTIVATION = ErrorCode("self_deactivation", "不能停用自己的账号。", "You cannot deactivate your own account.", 409)
ALREADY_INACTIVE = ErrorCode("user_already_inactive", "该用户已停用。", "This user is already deactivated.", 409)
ALREADY_ACTIVE = ErrorCode("user_already_active", "该用户已是启用状态。", "This user is already active.", 409)
