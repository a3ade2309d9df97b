"""The archives API fixtures (`api(user)`, `other_company`) and the documents fixtures."""
from tests.api.archives.conftest import api, other_company  # noqa: F401
from tests.documents.conftest import clean_bucket, docs, run_tasks, store  # noqa: F401
