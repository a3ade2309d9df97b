"""Bulk import and export of customer archives and sales ledgers (R10, R11).

- `parsing`: .xlsx (openpyxl, read-only streaming) and .csv (UTF-8, UTF-8 with BOM, GB18030)
- `targets`: the fields a column can feed, the automatic mapping from Chinese or English headers,
  and the conversion of spreadsheet cells into what the services accept
- `customer_rows`, `ledger_rows`: per-chunk row engines (bulk path for new rows, the services
  per row for everything else), both validating through the services' own clean functions
- `search_tokens`, `bulk`: set-based helpers of the bulk path (search vectors, COPY, numbering)
- `report`: the per-row error report (.xlsx)
"""
