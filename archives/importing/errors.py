"""Stable error codes of import and export (Chinese and English messages)."""
from dangan.platform.errors import ErrorCode

FILE_TYPE = ErrorCode("import_file_type", "只支持 .xlsx 和 .csv 文件。", "Only .xlsx and .csv files can be imported.")
FILE_TOO_LARGE = ErrorCode("import_file_too_large", "文件过大（上限 {limit_mb} MB）。",
                           "The file is too large (limit {limit_mb} MB).", 413)
FILE_UNREADABLE = ErrorCode("import_file_unreadable", "无法读取该文件：{zh}", "The file cannot be read: {en}")
FILE_EMPTY = ErrorCode("import_file_empty", "文件中没有表头或数据。", "The file has no header row or no data.")
TOO_MANY_ROWS = ErrorCode("import_too_many_rows", "文件超过 {limit} 行，请拆分后分批导入。",
                          "The file has more than {limit} rows; split it and import the parts.")
MAPPING_INVALID = ErrorCode("import_mapping_invalid", "列对应关系有误：{zh}", "Invalid column mapping: {en}")
MAPPING_INCOMPLETE = ErrorCode("import_mapping_incomplete", "请为以下字段指定文件中的列：{zh}",
                               "Map a column of the file to: {en}")
JOB_STATE = ErrorCode("import_job_state", "导入任务当前状态为“{state}”，不能执行此操作。",
                      "The import job is “{state}”; this action is not allowed now.", 409)
REPORT_MISSING = ErrorCode("import_report_missing", "该导入任务还没有错误报告。",
                           "This import job has no error report yet.", 409)
ARCHIVE_NUMBER_UNKNOWN = ErrorCode(
    "archive_number_unknown", "档案编号“{value}”不存在或您无权访问。新客户请留空档案编号，系统将按编号规则生成。",
    "No file numbered “{value}” that you may access. Leave the number empty for new customers: "
    "it is assigned by the numbering scheme.")
ARCHIVE_NUMBER_REQUIRED = ErrorCode("archive_number_required", "请填写档案编号（台帐按档案编号归入客户档案）。",
                                    "Enter the archive number (ledger rows attach to files by it).")
OWNER_UNKNOWN = ErrorCode("owner_unknown", "“{value}”不是本公司在职用户的电子邮箱。",
                          "“{value}” is not the e-mail of an active user of the company.")
OWNER_CHANGE_UNSUPPORTED = ErrorCode(
    "owner_change_unsupported", "导入不能变更已有档案的负责人，请使用档案移交。",
    "An import cannot change the owner of an existing file; hand the file over instead.")
ROW_DATABASE_ERROR = ErrorCode("row_rejected_by_database", "数据库拒绝了此行：{detail}",
                               "The database rejected this row: {detail}")
JOB_CRASHED = ErrorCode("import_failed", "导入过程中发生内部错误，请稍后重试或联系管理员。",
                        "The import failed with an internal error; retry later or contact your administrator.", 500)
EXPORT_STATE = ErrorCode("export_not_ready", "导出文件尚未生成（当前状态：{state}）。",
                         "The export file is not ready (state: {state}).", 409)
EXPORT_CRASHED = ErrorCode("export_failed", "导出过程中发生内部错误，请稍后重试。",
                           "The export failed with an internal error; retry later.", 500)
