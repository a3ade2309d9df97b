"""Stable error codes of signing in: lockout and two-factor (Chinese and English messages).

Kept apart from errors.py (user management) so the two concerns can change independently."""
from dangan.platform.errors import ErrorCode

LOGIN_FAILED = ErrorCode("login_failed", "邮箱或密码不正确。", "Wrong email or password.", 400)
ACCOUNT_LOCKED = ErrorCode(
    "account_locked", "登录失败次数过多，账号已暂时锁定。请 {minutes} 分钟后再试，或请公司管理员解锁。",
    "Too many failed sign-ins: the account is locked. Try again in {minutes} minutes, or ask "
    "your company administrator to unlock it.", 429)
TWO_FACTOR_CODE_REQUIRED = ErrorCode(
    "two_factor_code_required", "请输入身份验证器应用显示的 6 位验证码。",
    "Enter the 6-digit code shown by your authenticator app.", 400)
TWO_FACTOR_CODE_INVALID = ErrorCode(
    "two_factor_code_invalid", "验证码不正确或已过期，请输入应用当前显示的验证码。",
    "The code is wrong or has expired; enter the one your app shows now.", 400)
TWO_FACTOR_ENROLMENT_REQUIRED = ErrorCode(
    "two_factor_enrolment_required", "贵公司要求管理员和审批人启用两步验证，请先登录网页完成设置。",
    "Your company requires two-factor sign-in for administrators and approvers: set it up on the "
    "web first.", 403)
TWO_FACTOR_REQUIRED = ErrorCode(
    "two_factor_required", "此操作须在已通过两步验证的网页登录中进行。",
    "This action needs a web sign-in verified with a two-factor code.", 403)
TWO_FACTOR_ALREADY_ENABLED = ErrorCode("two_factor_already_enabled", "您已启用两步验证。",
                                       "Two-factor sign-in is already on for you.", 409)
TWO_FACTOR_NOT_ENABLED = ErrorCode("two_factor_not_enabled", "您尚未启用两步验证。",
                                   "Two-factor sign-in is not on for you.", 409)
TWO_FACTOR_MANDATORY = ErrorCode(
    "two_factor_mandatory", "贵公司要求您使用两步验证，不能关闭。",
    "Your company requires two-factor sign-in for you; it cannot be turned off.", 409)
USER_UNKNOWN = ErrorCode("user_unknown", "本公司没有该用户。", "No such user in this company.", 404)
TWO_FACTOR_THROTTLED = ErrorCode(
    "two_factor_throttled", "验证码错误次数过多，请 {seconds} 秒后再试。",
    "Too many wrong codes: try again in {seconds} seconds.", 429)
TWO_FACTOR_NOT_STARTED = ErrorCode("two_factor_not_started", "请先打开两步验证设置页面扫描二维码。",
                                   "Open the two-factor set-up page and scan the QR code first.", 409)
