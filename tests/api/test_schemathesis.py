"""Property-based tests of the company API against its own OpenAPI schema (schemathesis).

The schema is loaded from the running app (`/api/schema/` on a company's host) and every
operation in it is called with generated input, as the company's administrator (DRF token),
in the same database transaction as the test (so the company and its data exist and vanish
afterwards):

- positive input (what the schema allows): no 5xx, the status is one the operation declares,
  and the body matches the declared schema for that status (errors included: one shape);
- negative input (what the schema forbids): still no 5xx — bad input is the client's error.

Ids in paths are drawn partly from rows that exist (seeded below), so the generated requests
reach the views' real work instead of stopping at 404; the valid-input run must see most
operations succeed at least once, or it tested nothing.
"""
from __future__ import annotations

import collections

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

# Per operation and mode; ~65 operations × 2 modes keeps the file within a couple of minutes
# on two cores while still trying every operation with varied input.
MAX_EXAMPLES = 25
HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,  # real PostgreSQL round trips; speed is bench/'s business, not this test's
    database=None,  # no .hypothesis/ folder in the work tree; failures print their reproduction
    # Each example is a real request (too_slow), and schemathesis's strategies filter and build
    # large bodies (filter_too_much, data_too_large): none of these is a fault of the API.
    suppress_health_check=list(HealthCheck),
)
# For valid input: no 5xx, a declared status, a declared content type, a body matching the
# declared schema for that status.
CONFORMANCE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
                      response_schema_conformance]


@pytest.fixture
def tenant(company, new_customer):
    """The company, some rows for generated ids to hit, and the administrator's token."""
    from rest_framework.authtoken.models import Token

    from dangan.archives.models import (
        ArchiveCategory, ArchiveVolume, ClassificationTerm, Complaint, CustomFieldDefinition, Customer, Department,
        Notification, SalesLedgerEntry, VoucherCopy,
    )
    from dangan.archives.services import records
    from dangan.accounts.models import User
    from dangan.documents.models import Checklist, ChecklistItem, Document, DocumentType, PhysicalLocation
    from dangan.documents.services.documents import document_create
    from dangan.documents.services.locations import location_create
    from dangan.governance.models import ConfidentialityLevel
    from dangan.integrations.models import ApiKey
    from dangan.integrations.services import api_key_create
    from dangan.tenants.services import tenant_host

    for index in range(3):
        customer = new_customer(name=f"测试药店{index}")
        entry = records.ledger_entry_create(actor=company.owner, customer=customer, sale_date="2026-03-02",
                                            product_name="阿莫西林胶囊", item_number="AMX-24", product_batch="B2603",
                                            quantity="12")
        records.voucher_create(actor=company.owner, customer=customer, number=f"XS-{index}", issued_on="2026-03-02",
                               ledger_entry=entry)
        records.complaint_create(actor=company.owner, customer=customer, subject="包装破损", description="破损两箱")
        records.communication_create(actor=company.owner, customer=customer, summary="电话回访")
        records.survey_create(actor=company.owner, customer=customer, surveyed_on="2026-03-02", score=4)
        Notification.objects.create(recipient=company.admin, kind="review_overdue", customer=customer, message="请更新")
    ArchiveVolume.objects.create(code="V-2026-01", name="2026 第一册")
    document_create(actor=company.owner, customer=customer, document_type="contract", title="购销合同")
    location_create(actor=company.admin, kind="room", code="R1", name="档案室一")
    api_key_create(actor=company.admin, name="对账系统", scopes=["read"])
    token = Token.objects.create(user=company.admin)
    # The ids that exist, by the path segment that names their kind. Not 1, 2, 3: sequences
    # are not transactional, so a rolled-back earlier test may have used those numbers.
    ids = {"customers": Customer.objects, "ledger": SalesLedgerEntry.objects, "voucher-copies": VoucherCopy.objects,
           "complaints": Complaint.objects, "categories": ArchiveCategory.objects,
           "fields": CustomFieldDefinition.objects, "terms": ClassificationTerm.objects,
           "departments": Department.objects, "volumes": ArchiveVolume.objects,
           "notifications": Notification.objects.filter(recipient=company.admin),
           "documents": Document.objects, "document-types": DocumentType.objects, "checklists": Checklist.objects,
           "checklist-items": ChecklistItem.objects, "locations": PhysicalLocation.objects, "api-keys": ApiKey.objects,
           "confidentiality": ConfidentialityLevel.objects, "users": User.objects}
    ids = {kind: sorted(rows.values_list("pk", flat=True))[:5] for kind, rows in ids.items()}
    # As Django's test client does: a request's end must not close the test's connection
    # (and with it the transaction that holds the company).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"base_url": f"http://{tenant_host(company.tenant.slug)}",
           "headers": {"Authorization": f"Token {token.key}"}, "ids": ids}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _load(tenant: dict):
    config = schemathesis.Config.from_dict({
        # Our own token authenticates every call; generated credentials for the declared
        # schemes (API key headers, cookies) would turn most calls into 401s that test nothing.
        "generation": {"with-security-parameters": False},
    })
    return schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler(), base_url=tenant["base_url"], config=config)


def existing_ids(ids: dict):
    """A `flatmap_path_parameters` hook: half the time or more, an id (or scheme code) that
    exists, so generated requests reach the views' real work instead of stopping at 404."""

    def flatmap_path_parameters(context, path_parameters):
        if not path_parameters:
            return st.just(path_parameters)
        if "id" in path_parameters:  # drf-spectacular names `<int:pk>` "id" in the schema
            segments = context.operation.path.split("/")  # /api/v1[/governance]/<kind>/{id}/…
            kind = segments[4] if segments[3] == "governance" else segments[3]
            choices = [path_parameters["id"], *ids.get(kind, [])]
            return st.sampled_from(choices).map(lambda pk: {**path_parameters, "id": pk})
        if "code" in path_parameters:
            return st.sampled_from([path_parameters["code"], "grade", "region"]).map(
                lambda code: {**path_parameters, "code": code})
        return st.just(path_parameters)

    return flatmap_path_parameters


def declares_errors(operation) -> bool:
    """Whether the operation documents the shared error answers (the archives API does, through
    `error_responses`): only then can "every status is a declared one" be asked of it."""
    return "403" in operation.definition.raw.get("responses", {})


def takes_input(operation) -> bool:
    """Whether a client sends it anything that could be invalid: a body, a path or query
    parameter. Headers alone do not count: an Idempotency-Key is any string, so an operation
    whose only input it is (POST /notifications/read-all/) has no invalid case to generate."""
    raw = operation.definition.raw
    return bool(raw.get("requestBody") or any(parameter.get("in") != "header" for parameter in raw.get("parameters", [])))


def run_operation(operation, mode: GenerationMode, tenant: dict, checks: list,
                  statuses: collections.Counter) -> None:
    @given(case=operation.as_strategy(generation_mode=mode, hooks=operation.schema.hooks))
    @HYPOTHESIS
    def examples(case):
        response = case.call(base_url=tenant["base_url"], headers=tenant["headers"])
        statuses[response.status_code] += 1
        case.validate_response(response, checks=checks)

    examples()


# The schemathesis pytest plugin (`schema.parametrize()`, lazy `from_fixture`) cannot load a
# schema that needs the database at collection time, and its lazy form breaks on pytest 9's node
# ids; so each test walks the operations itself, one Hypothesis run per operation, and reports
# every failing operation at once instead of stopping at the first.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_every_operation_against_the_schema(tenant, mode):
    schema = _load(tenant)
    if mode is GenerationMode.POSITIVE:
        schema.hooks.register_hook_with_name(existing_ids(tenant["ids"]), "flatmap_path_parameters")
    failures, undeclared, statuses = [], [], {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if mode is GenerationMode.NEGATIVE:
            if not takes_input(operation):
                continue  # nothing a client sends can be made invalid (GET /me/): no negative case exists
            # Only "no 5xx" for invalid input: a letter where an id goes never reaches a view —
            # Django's resolver answers with its own HTML 404, outside the schema by design.
            checks = [not_a_server_error]
        elif declares_errors(operation):
            checks = CONFORMANCE_CHECKS
        else:
            # Operations of other apps that do not document their 4xx answers yet: every other
            # check still applies, and the gap is printed below rather than hidden.
            checks = [check for check in CONFORMANCE_CHECKS if check is not status_code_conformance]
            undeclared.append(operation.label)
        statuses[operation.label] = collections.Counter()
        try:
            run_operation(operation, mode, tenant, checks, statuses[operation.label])
        except (Exception, BaseExceptionGroup) as exc:  # collected and reported together below
            failures.append(f"{operation.label}:\n{exc}")
    print(f"operations without documented 4xx answers (status codes not checked): {undeclared}")
    assert len(statuses) > 50  # the archives API alone has more; a shrunken schema is a failure too
    assert not failures, f"{len(failures)} of {len(statuses)} operations failed:\n\n" + "\n\n".join(failures)
    if mode is GenerationMode.POSITIVE:
        # Not a vacuous run: most operations must have done their real work at least once
        # (the rest are refused by their rules, e.g. approving needs a submitted file).
        succeeded = [label for label, counts in statuses.items() if any(200 <= code < 300 for code in counts)]
        print(f"{len(succeeded)} of {len(statuses)} operations succeeded at least once")
        assert len(succeeded) >= len(statuses) // 2, "\n".join(
            f"{label}: {dict(counts)}" for label, counts in statuses.items())
