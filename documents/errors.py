"""Stable error codes of the documents app (Chinese and English messages)."""
from dangan.platform.errors import ErrorCode

NOT_FOUND = ErrorCode("not_found", "未找到该资源。", "Not found.", 404)
FORBIDDEN = ErrorCode("permission_denied", "您没有执行此操作的权限。", "You do not have permission to do this.", 403)
CONFIG_FORBIDDEN = ErrorCode("permission_denied", "只有档案管理员或公司管理员可以修改此配置。",
                             "Only custodians and company administrators may change this configuration.", 403)

# --- uploads -----------------------------------------------------------------------------------
FILE_TOO_LARGE = ErrorCode("file_too_large", "文件过大：单个文件不能超过 {limit_mb} MB。",
                           "File too large: the limit is {limit_mb} MB per file.", 413)
STORAGE_QUOTA_EXCEEDED = ErrorCode(
    "storage_quota_exceeded", "存储空间不足：套餐容量 {quota_mb} MB，已用 {used_mb} MB，本文件 {size_mb} MB。",
    "Storage quota exceeded: the plan allows {quota_mb} MB, {used_mb} MB are used, this file needs {size_mb} MB.", 413)
SHA256_INVALID = ErrorCode("sha256_invalid", "SHA-256 须为 64 位十六进制数字。", "sha256 must be 64 hexadecimal digits.")
FILE_EMPTY = ErrorCode("file_empty", "文件为空。", "The file is empty.")
FILE_MISSING = ErrorCode("file_required", "请选择要上传的文件（表单字段 file）。",
                         "Attach the file in the form field “file”.")
FILE_TYPE_REJECTED = ErrorCode(
    "file_type_rejected", "不支持的文件类型（{mime}）：只接受 PDF、JPEG、PNG、TIFF 和 OFD。",
    "File type not accepted ({mime}): only PDF, JPEG, PNG, TIFF and OFD are.", 415)
CHECKSUM_MISMATCH = ErrorCode("checksum_mismatch", "文件校验失败：SHA-256 与声明的不一致，文件已删除。",
                              "Checksum mismatch: the SHA-256 differs from the declared one; the file was deleted.")
SIZE_MISMATCH = ErrorCode("size_mismatch", "文件大小（{actual} 字节）与声明的（{declared} 字节）不一致，文件已删除。",
                          "The file has {actual} bytes, {declared} were declared; the file was deleted.")
UPLOAD_OBJECT_MISSING = ErrorCode("upload_object_missing", "存储中没有找到上传的文件，请先上传再确认。",
                                  "The uploaded object is not in storage: upload it before completing.", 409)
UPLOAD_NOT_PENDING = ErrorCode("upload_not_pending", "该上传已确认或已结束（状态：{state}）。",
                               "This upload is already completed or closed (state: {state}).", 409)
UPLOAD_EXPIRED = ErrorCode("upload_expired", "上传链接已过期，请重新开始上传。",
                           "The upload URLs expired; start the upload again.", 409)
UPLOAD_NOT_ABANDONABLE = ErrorCode("upload_not_abandonable", "该上传已确认或已结束（状态：{state}），不能再撤销。",
                                   "This upload is already completed or closed (state: {state}): it can no longer "
                                   "be abandoned.", 409)
ABANDON_FORBIDDEN = ErrorCode("permission_denied", "只有发起这次上传的人可以撤销它。",
                              "Only the person who started this upload may abandon it.", 403)
MULTIPART_PARTS_INVALID = ErrorCode("multipart_parts_invalid", "分片信息无效：{detail}",
                                    "Invalid multipart parts: {detail}")
VIRUS_FOUND = ErrorCode("virus_found", "病毒扫描发现威胁（{signature}），文件已删除。",
                        "The virus scanner found {signature}; the file was deleted.")
SCAN_LIMIT = ErrorCode("scan_limit_exceeded", "文件超出病毒扫描的大小或嵌套限制，不能使用。",
                       "The file exceeds the virus scanner's size or recursion limits and cannot be used.")
PROMOTE_FAILED = ErrorCode("promote_failed", "文件未能从隔离区移入正式存储。",
                           "The file could not be moved out of quarantine.")

# --- documents ---------------------------------------------------------------------------------
DOCUMENT_TYPE_UNKNOWN = ErrorCode("document_type_unknown", "没有资料类型“{value}”。", "No document type “{value}”.")
DOCUMENT_TYPE_TAKEN = ErrorCode("document_type_taken", "资料类型代码“{code}”已存在。",
                                "Document type code “{code}” exists.", 409)
LINK_INVALID = ErrorCode("link_invalid", "{what}不属于该客户档案。", "The {what_en} does not belong to this customer file.")
NOT_AVAILABLE = ErrorCode("document_not_available", "该文件尚不可用（状态：{state}）。",
                          "This file is not available (state: {state}).", 409)
NO_THUMBNAIL = ErrorCode("thumbnail_not_available", "该版本还没有缩略图。", "This version has no thumbnail yet.", 409)

# --- deletion ----------------------------------------------------------------------------------
DELETE_FORBIDDEN = ErrorCode("permission_denied", "只有档案管理员或公司管理员可以删除资料。",
                             "Only custodians and company administrators may delete documents.", 403)
DELETE_REASON_REQUIRED = ErrorCode("reason_required", "请填写删除原因。", "Give the reason for the deletion.")
DOCUMENT_DELETED = ErrorCode("document_deleted", "该资料已删除。", "This document has been deleted.", 409)
DELETE_LEGAL_HOLD = ErrorCode("legal_hold_active", "该客户档案处于法律保全中，其资料不能删除。",
                              "The customer file is under a legal hold: its documents cannot be deleted.", 409)
DELETE_FILE_FILED = ErrorCode("customer_file_filed", "该客户档案已归档，其资料不能删除。",
                              "The customer file is filed: its documents cannot be deleted.", 409)

# --- checklists --------------------------------------------------------------------------------
REQUIRED_DOCUMENTS_MISSING = ErrorCode(
    "required_documents_missing", "必备资料不齐，不能归档：缺少 {missing_zh}。",
    "Required documents are missing, the file cannot be filed: {missing_en}.", 409)
REQUIRED_DOCUMENT_MISSING = ErrorCode("required_document_missing", "{zh}", "{en}", 409)
CONDITION_INVALID = ErrorCode("checklist_condition_invalid", "条件无效：{zh}", "Invalid condition: {en}")

# --- physical locations ------------------------------------------------------------------------
LOCATION_KIND_INVALID = ErrorCode("location_kind_invalid", "“{kind}”不能放在“{parent}”之下。",
                                  "A “{kind}” cannot be placed under a “{parent}”.")
LOCATION_CODE_TAKEN = ErrorCode("location_code_taken", "位置编号“{code}”已存在。", "Location code “{code}” exists.", 409)
LOCATION_NOT_EMPTY = ErrorCode("location_not_empty", "该位置下还有子位置或档案，不能删除。",
                               "This location still holds sub-locations or files.", 409)
