"""Error codes of the API infrastructure: API keys, idempotent writes, preconditions, quotas.

Authentication failures answer 401 (the client must change its credentials); scope and
admin refusals 403 (the credentials are fine, the action is not allowed with them).
"""
from dangan.platform.errors import ErrorCode

API_KEY_INVALID = ErrorCode(
    "api_key_invalid", "API 密钥无效。", "The API key is not valid.", 401)
API_KEY_REVOKED = ErrorCode(
    "api_key_revoked", "该 API 密钥已被吊销。", "This API key has been revoked.", 401)
API_KEY_EXPIRED = ErrorCode(
    "api_key_expired", "该 API 密钥已过期。", "This API key has expired.", 401)
API_KEY_SCOPE = ErrorCode(
    "api_key_scope", "该 API 密钥只有读取权限，不能执行写操作。",
    "This API key is read-only; it cannot be used for writes.", 403)
API_KEY_NOT_ALLOWED = ErrorCode(
    "api_key_not_allowed", "不能使用 API 密钥创建新的 API 密钥，请登录后操作。",
    "API keys cannot create API keys; sign in as an administrator to do this.", 403)
API_KEY_ALREADY_REVOKED = ErrorCode(
    "api_key_already_revoked", "该 API 密钥已被吊销。", "This API key is already revoked.", 409)
API_KEY_NAME_REQUIRED = ErrorCode(
    "api_key_name_required", "请填写 API 密钥的名称。", "Give the API key a name.")
API_KEY_SCOPES_INVALID = ErrorCode(
    "api_key_scopes_invalid", "权限范围无效：只能选择 read（读取）或 write（写入）。",
    "Invalid scopes: choose read and/or write.")
API_KEY_EXPIRY_PAST = ErrorCode(
    "api_key_expiry_past", "过期时间必须晚于当前时间。", "The expiry time must be in the future.")

IDEMPOTENCY_KEY_INVALID = ErrorCode(
    "idempotency_key_invalid", "Idempotency-Key 请求头必须是 1 到 255 个可打印 ASCII 字符。",
    "The Idempotency-Key header must be 1 to 255 printable ASCII characters.")
IDEMPOTENCY_KEY_REUSED = ErrorCode(
    "idempotency_key_reused", "该 Idempotency-Key 已用于另一个不同的请求，请为新请求使用新的键。",
    "This Idempotency-Key was already used for a different request; use a new key for a new request.",
    422)
IDEMPOTENCY_IN_PROGRESS = ErrorCode(
    "idempotency_in_progress", "使用相同 Idempotency-Key 的请求正在处理中，请稍后重试。",
    "A request with this Idempotency-Key is still being processed; retry shortly.", 409)

PRECONDITION_FAILED = ErrorCode(
    "precondition_failed", "该资源已被其他人修改，请重新获取最新版本后再试。",
    "The resource has changed since you read it; fetch the current version and retry.", 412)

API_QUOTA_EXCEEDED = ErrorCode(
    "api_quota_exceeded", "今日 API 调用次数已达到套餐上限（{limit} 次），请明天再试或升级套餐。",
    "The plan's daily API call limit ({limit}) has been reached; retry tomorrow or upgrade the plan.",
    429)
