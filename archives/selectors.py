"""Reads on customer archives, with visibility scoping applied (R6 baseline: salespeople see
their own customers, supervisors their departments', management, office, custodians and
auditors the whole company)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from dangan.accounts import roles

from .models import (
    ArchiveVolume, ChangeRequest, Contact, Customer, CustomerState, Department, SalesLedgerEntry, VoucherCopy,
)
from .search import tsquery_for

COMPANY_WIDE_ROLES = (roles.GENERAL_MANAGER, roles.DEPUTY_MANAGER, roles.OFFICE, roles.CUSTODIAN, roles.AUDITOR)
# What a list row and a file show. Three references are joined, the rest fetched afterwards
# with one query per table: each further join multiplies PostgreSQL's planning time
# (CustomerQuerySet.fetch_related has the figures).
LIST_JOINED = ("category", "owner", "department")
LIST_FETCHED = ("grade", "region", "industry")
LIST_RELATED = (*LIST_JOINED, *LIST_FETCHED)
DETAIL_JOINED = ("category", "owner", "created_by")
DETAIL_FETCHED = ("grade", "region", "industry", "department", "customer_type", "cooperation_project", "custodian",
                  "approved_by", "filed_by", "volume")
# A file's contacts as every output lists them: the primary one first, then as entered.
CONTACT_ORDER = ("-is_primary", "sort", "pk")


def visible_department_ids(user) -> list[int]:
    """Departments a supervisor answers for: those they manage or belong to, and their sub-departments."""
    ids = set(Department.objects.filter(Q(manager=user) | Q(members=user)).values_list("pk", flat=True))
    frontier = set(ids)
    while frontier:
        frontier = set(Department.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    return sorted(ids)


def sees_every_customer(user) -> bool:
    return roles.is_tenant_admin(user) or roles.has_role(user, *COMPANY_WIDE_ROLES)


def customers_in_scope(user) -> QuerySet[Customer]:
    """Ordinary scoping by role, before confidentiality: what access requests are checked against."""
    customers = Customer.objects.all()
    if sees_every_customer(user):
        return customers
    if roles.has_role(user, roles.SUPERVISOR, roles.DEPARTMENT_MANAGER):
        departments = visible_department_ids(user)
        team = Department.members.through.objects.filter(department_id__in=departments).values("user_id")
        return customers.filter(Q(owner=user) | Q(department_id__in=departments) | Q(owner_id__in=team))
    return customers.filter(owner=user)


def customers_visible_to(user) -> QuerySet[Customer]:
    """Scoping, then confidentiality: a classified file (秘密/机密) whose content the user may not
    see does not exist for them (governance/selectors.py states the rule)."""
    from dangan.governance.selectors import file_content_q

    return _kept(_VISIBLE, user, lambda: customers_in_scope(user).filter(file_content_q(user)))


def _kept(kept: dict, user, build: Callable[[], QuerySet]) -> QuerySet:
    """build()'s queryset for this viewer, kept by per_viewer; callers get a clone, so the kept
    one is never evaluated."""
    return per_viewer(kept, user, build).all()


def per_viewer(kept: dict, user, build: Callable):
    """build() for this viewer, built once and kept in `kept` under _scope_key(user) — what the
    SQL of the viewer's scope depends on — and built every time where that key is None (a
    supervisor's). For things made from that SQL alone (querysets, compiled SQL text), never rows."""
    key = _scope_key(user)
    built = kept.get(key) if key is not None else None
    if built is None:
        built = build()
        if key is not None:
            if len(kept) >= _VISIBLE_MAX:
                kept.clear()
            kept[key] = built
    return built


# Built querysets of customers_visible_to, by viewer. Building one (scope, then the
# confidentiality rule's subqueries) was ~2 ms of every list and file request's CPU, yet its SQL
# depends only on who asks: their id, superuser flag, roles and clearance — grants, levels and
# departments are subqueries PostgreSQL evaluates on each run. A supervisor's scope lists
# department ids read from the database, so it is never kept.
_VISIBLE: dict = {}
_VISIBLE_MAX = 1000


def visibility_key(user):
    """What the SQL of customers_visible_to(user) depends on, or None where it is never kept (a
    supervisor's). Callers may key compiled SQL on it (api/archives/rows.py PreparedValues)."""
    return _scope_key(user)


def _scope_key(user):
    from django.db import connection

    if getattr(user, "pk", None) is None or roles.has_role(user, roles.SUPERVISOR, roles.DEPARTMENT_MANAGER):
        return None
    return (connection.schema_name, user.pk, bool(getattr(user, "is_superuser", False)),
            getattr(user, "clearance", "") or "", frozenset(roles.role_names(user)))


def apply_search(customers: QuerySet[Customer], q: str | None) -> QuerySet[Customer]:
    query = tsquery_for(q or "")
    if not query:
        return customers
    # The tokens were stored literally (array_to_tsvector), so the query is cast, not parsed.
    return customers.filter(ExpressionWrapper(RawSQL("archives_customer.search_vector @@ %s::tsquery", [query]),
                                              output_field=BooleanField()))


def plan_independent_of_values(filters: dict) -> bool:
    """Whether one plan suits customer_list's SQL for any values of these filters, so PostgreSQL
    may keep it (platform/postgresql_backend prepared_cursor): ids, flags, states and the cursor
    position do not change which plan is good; a search text does (a rare word wants its index,
    a common one the list's order), and custom fields are matched in JSON."""
    return not filters.get("q") and not any(name.startswith("custom.") for name in filters)


def customer_list(*, user, filters: dict | None = None) -> QuerySet[Customer]:
    """Filters: category, state, owner, department, grade, region, industry, customer_type,
    cooperation_project (ids), is_key_customer, overdue, q (search), custom.<key>=value."""
    filters = filters or {}
    # search_vector (~1 KB a file) is never shown: not read, a page moves a tenth of the bytes.
    customers = customers_visible_to(user).select_related(*LIST_JOINED).fetch_related(*LIST_FETCHED) \
        .defer("search_vector")
    for field in ("category", "owner", "department", "grade", "region", "industry", "customer_type",
                  "cooperation_project", "volume"):
        value = filters.get(field)
        if value not in (None, ""):
            customers = customers.filter(**{f"{field}_id": value})
    if filters.get("state"):
        customers = customers.filter(state=filters["state"])
    if filters.get("kind"):
        customers = customers.filter(kind=filters["kind"])
    if filters.get("is_key_customer") not in (None, ""):
        customers = customers.filter(is_key_customer=filters["is_key_customer"])
    if filters.get("overdue") not in (None, ""):
        customers = customers.filter(review_overdue=filters["overdue"])
    custom_filters = {key[7:]: value for key, value in filters.items()
                      if key.startswith("custom.") and value not in (None, "")}
    from dangan.governance import masking

    sensitive = masking.sensitive_custom_keys() if custom_filters else set()
    for name, value in custom_filters.items():
        customers = customers.filter(**{f"custom_fields__{name}": value})
        if name in sensitive:
            # An ID or account number filter answers only over the files whose numbers the
            # viewer sees in clear: anywhere else it would confirm a masked value.
            customers = customers.filter(masking.clear_files_q(user))
    return apply_search(customers, filters.get("q"))


def customer_detail(*, user, pk: int) -> Customer | None:
    return (
        customers_visible_to(user)
        .select_related(*DETAIL_JOINED)
        .fetch_related(*DETAIL_FETCHED)
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by(*CONTACT_ORDER)),
            Prefetch("change_requests", queryset=ChangeRequest.objects.filter(state=ChangeRequest.State.PENDING)),
            "category__fields",
        )
        .filter(pk=pk)
        .first()
    )


def pending_change_requests_of(customer_ids) -> QuerySet[ChangeRequest]:
    """The pending change requests of these files (already scoped by the caller), newest first."""
    return ChangeRequest.objects.filter(customer_id__in=customer_ids, state=ChangeRequest.State.PENDING)


def customer_history(*, customer: Customer):
    return customer.history.select_related("actor").order_by("-at", "-id")


def traceability(*, user, product: str | None = None, item_number: str | None = None,
                 batch: str | None = None) -> QuerySet[SalesLedgerEntry]:
    """Every delivery of a product, item number or batch, with the customer and its contacts:
    the reason the sales ledger exists (可追溯性)."""
    return traceability_unfiltered(user=user).filter(
        **traceability_lookups(product=product, item_number=item_number, batch=batch))


def traceability_lookups(*, product: str | None = None, item_number: str | None = None,
                         batch: str | None = None) -> dict:
    """The ledger lookups of a trace's filters: a batch or an item number exactly, part of a
    product name (the empty ones left out)."""
    given = (("product_batch", batch), ("item_number", item_number), ("product_name__icontains", product))
    return {lookup: value.strip() for lookup, value in given if value and value.strip()}


def traceability_unfiltered(*, user) -> QuerySet[SalesLedgerEntry]:
    """traceability() before its filters: every delivery `user` may see, newest first, with
    what a trace shows of each. For callers that apply traceability_lookups themselves (the
    trace API, which keeps the page's SQL with the filter values as parameters)."""
    return (_deliveries_visible_to(user).select_related("customer", "customer__owner")
            .defer("customer__search_vector")
            .prefetch_related(Prefetch("customer__contacts", queryset=Contact.objects.order_by(*CONTACT_ORDER)))
            .order_by("-sale_date", "-id"))


def _deliveries_visible_to(user) -> QuerySet[SalesLedgerEntry]:
    """Ledger rows of the files `user` may see: scoping, then confidentiality. Built once per
    viewer and kept, as customers_visible_to keeps its querysets and for the same reason (the
    confidentiality rule's subqueries were ~1.3 ms of every trace request's CPU), under the
    same key (_scope_key: what the SQL depends on)."""
    from dangan.governance.selectors import file_content_q

    def build() -> QuerySet[SalesLedgerEntry]:
        entries = SalesLedgerEntry.objects.filter(file_content_q(user, "customer__"))
        if not sees_every_customer(user):  # `IN (every customer)` would only cost the planner a semi-join
            entries = entries.filter(customer__in=customers_in_scope(user))
        return entries

    return _kept(_DELIVERIES, user, build)


_DELIVERIES: dict = {}


def trace_contacts_json(fields: tuple[str, ...], phone_rule: tuple[str, int | None] = ("clear", None)) -> RawSQL:
    """On a trace queryset (SalesLedgerEntry, not inside a subquery, with its customer joined):
    the contacts of each delivery's customer as JSON text — an array in CONTACT_ORDER of
    objects whose keys are `fields` (Contact fields) in that order, NULL for a file without
    contacts. The page's own query brings them: no second query, and no Python building ~300
    contact rows a page. Phones as `phone_rule` (governance.masking.Masker.phone_rule) says:
    in clear, masked, or in clear only on the files the given owner holds."""
    fields = tuple(fields)
    rule, owner = phone_rule
    sql = _CONTACTS_JSON.get((fields, rule))
    if sql is None:
        sql = _CONTACTS_JSON[(fields, rule)] = _contacts_json_sql(fields, rule)
    return RawSQL(sql, (owner,) if rule == "owner" else ())


_CONTACTS_JSON: dict = {}


def _contacts_json_sql(fields: tuple[str, ...], phone_rule: str = "clear") -> str:
    # Raw SQL, not Subquery(...JSON aggregate...): the ORM took ~1.5 ms more a request to build
    # and compile that. json_build_object (not the jsonb Django's JSONObject builds) keeps the
    # keys in the order given. PostgreSQL runs it for the rows the LIMIT keeps, after the sort
    # (EXPLAIN: SubPlan loops = page size): ~20 µs a row, about what the separate query cost.
    from django.db import connection

    quote = connection.ops.quote_name

    def column(model, name: str) -> str:
        return quote((model._meta.pk if name == "pk" else model._meta.get_field(name)).column)

    if not all(name.isidentifier() for name in fields):  # they become SQL string literals
        raise ValueError(fields)
    from dangan.governance.masking import masked_phone_sql

    phone = f"c.{column(Contact, 'phone')}"
    shown = {"clear": phone, "masked": masked_phone_sql(phone),
             # the delivery's customer, joined by the page's own query (select_related)
             "owner": f"CASE WHEN {quote(Customer._meta.db_table)}.{column(Customer, 'owner')} = %s THEN {phone} "
                      f"ELSE {masked_phone_sql(phone)} END"}[phone_rule]
    pairs = ", ".join(f"'{name}', {shown if name == 'phone' else f'c.{column(Contact, name)}'}" for name in fields)
    order = ", ".join(f"c.{column(Contact, name.lstrip('-'))}{' DESC' if name.startswith('-') else ''}"
                      for name in CONTACT_ORDER)
    return (f"SELECT JSON_AGG(JSON_BUILD_OBJECT({pairs}) ORDER BY {order})::text "
            f"FROM {quote(Contact._meta.db_table)} c WHERE c.{column(Contact, 'customer')} = "
            f"{quote(SalesLedgerEntry._meta.db_table)}.{column(SalesLedgerEntry, 'customer')}")


def contacts_of(customer_ids) -> QuerySet[Contact]:
    """The contacts of these files (already scoped by the caller), file by file in CONTACT_ORDER:
    one query for a whole page of files or deliveries."""
    return Contact.objects.filter(customer_id__in=customer_ids).order_by("customer_id", *CONTACT_ORDER)


def overdue_drafts(*, user, today: dt.date | None = None) -> QuerySet[Customer]:
    today = today or timezone.localdate()
    return customers_visible_to(user).filter(
        state__in=[CustomerState.DRAFT, CustomerState.RETURNED], creation_due_on__lt=today)


def review_overdue(*, user) -> QuerySet[Customer]:
    return customers_visible_to(user).filter(state=CustomerState.FILED, review_overdue=True)


def vouchers_missing_copies(*, user) -> QuerySet[VoucherCopy]:
    return VoucherCopy.objects.filter(received=False, voucher__customer__in=customers_visible_to(user)) \
        .select_related("voucher", "voucher__customer")


def archive_register() -> QuerySet[ArchiveVolume]:
    return ArchiveVolume.objects.select_related("category", "custodian").annotate(file_count=Count("customers"))


def pending_change_requests(*, user) -> QuerySet[ChangeRequest]:
    return ChangeRequest.objects.filter(state=ChangeRequest.State.PENDING,
                                        customer__in=customers_visible_to(user)).select_related("customer", "requested_by")


# --- the web UI: dashboard, inbox, actions (appended for web/) ------------------------------------

def _supervised_owner_ids(user):
    """People `user` reviews for, as the services' `supervises` rule defines them: members of the
    departments they manage, and — for supervisors and department managers — of the departments
    they belong to (never themselves)."""
    departments = Department.objects.filter(manager=user)
    if roles.has_role(user, roles.SUPERVISOR, roles.DEPARTMENT_MANAGER):
        departments = Department.objects.filter(Q(manager=user) | Q(members=user))
    return (Department.members.through.objects.filter(department_id__in=departments.values("pk"))
            .exclude(user_id=user.pk).values("user_id"))


def customers_awaiting_review(*, user) -> QuerySet[Customer]:
    """Submitted files `user` may approve or return: their team's, never their own."""
    customers = customers_visible_to(user).filter(state=CustomerState.SUBMITTED) \
        .exclude(owner=user).exclude(created_by=user)
    if not roles.is_tenant_admin(user):
        customers = customers.filter(owner_id__in=_supervised_owner_ids(user))
    return customers.select_related(*LIST_JOINED).defer("search_vector").order_by("submitted_at", "id")


def customers_awaiting_filing(*, user) -> QuerySet[Customer]:
    """Approved files waiting for a custodian (档案管理员) to file them."""
    if not roles.has_role(user, roles.CUSTODIAN):
        return Customer.objects.none()
    return customers_visible_to(user).filter(state=CustomerState.APPROVED) \
        .select_related(*LIST_JOINED).defer("search_vector").order_by("approved_at", "id")


def change_requests_decidable_by(*, user) -> QuerySet[ChangeRequest]:
    """Pending change requests `user` may approve or reject: never their own request or file."""
    requests = pending_change_requests(user=user).exclude(requested_by=user).exclude(customer__owner=user)
    if not roles.is_tenant_admin(user):
        requests = requests.filter(customer__owner_id__in=_supervised_owner_ids(user))
    return requests.order_by("requested_at", "id")


def my_drafts(*, user) -> QuerySet[Customer]:
    """Files `user` owns that still wait for their submission (drafts and returned files)."""
    return Customer.objects.filter(owner=user, state__in=[CustomerState.DRAFT, CustomerState.RETURNED]) \
        .select_related("category").defer("search_vector").order_by("creation_due_on", "id")


def unread_notifications(*, user):
    from .models import Notification

    return Notification.objects.filter(recipient=user, read_at__isnull=True).select_related("customer")


def customer_actions(*, user, customer: Customer) -> set[str]:
    """The life-cycle actions the services would let `user` take on `customer` now, so that a
    page offers only those buttons. The services still decide: this only mirrors their rules."""
    from .services._common import supervises

    admin = roles.is_tenant_admin(user)
    custodian = roles.has_role(user, roles.CUSTODIAN)
    reviewer = user.pk not in (customer.owner_id, customer.created_by_id) and (admin or supervises(user, customer.owner))
    actions = set()
    if customer.can_submit() and user.pk == customer.owner_id:
        actions.add("submit")
    if customer.can_review() and reviewer:
        actions |= {"approve", "return"}
    if customer.can_file() and custodian:
        actions |= {"file", "return"}
    if customer.state == CustomerState.FILED:
        if user.pk == customer.owner_id or custodian or admin:
            actions.add("review")
        if custodian or admin:
            actions.add("archive")
    if customer.state == CustomerState.ARCHIVED and (custodian or admin):
        actions.add("reactivate")
    if user.pk == customer.owner_id or admin or custodian or supervises(user, customer.owner):
        actions.add("edit")
    return actions


def customer_counts(*, user, by: str) -> list[tuple[str | None, int]]:
    """How many files `user` can see, per grade, region, industry, category or department
    (label None: not classified), largest first."""
    if by not in ("grade", "region", "industry", "category", "department", "customer_type"):
        raise ValueError(by)
    rows = (customers_visible_to(user).order_by().values(f"{by}__name").annotate(n=Count("id"))
            .order_by("-n", f"{by}__name"))
    return [(row[f"{by}__name"], row["n"]) for row in rows]


def new_files_per_month(*, user, months: int = 12, today: dt.date | None = None) -> list[tuple[dt.date, int]]:
    """Files created per calendar month (company time zone), the last `months` months, zeros kept."""
    from django.db.models.functions import TruncMonth

    today = today or timezone.localdate()
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    rows = (customers_visible_to(user).filter(created_at__gte=start).order_by()
            .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
            .values("month").annotate(n=Count("id")))
    counts = {row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]: row["n"] for row in rows}
    result, month = [], first
    for _ in range(months):
        result.append((month, counts.get(month, 0)))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return result


def complaint_counts(*, user) -> dict[str, int]:
    """Complaints on the files `user` can see: still open (received, handling, resolved but not
    closed) and closed."""
    from .models import Complaint

    complaints = Complaint.objects.all()
    if not sees_every_customer(user):
        complaints = complaints.filter(customer__in=customers_visible_to(user))
    closed = Q(state=Complaint.State.CLOSED)
    return complaints.aggregate(open=Count("id", filter=~closed), closed=Count("id", filter=closed))


def customer_records(*, customer: Customer, kind: str) -> QuerySet:
    """What hangs off a file, newest first, for its page: ledger, vouchers (with their three
    copies), communications, complaints, service records, surveys, history, change requests."""
    from .models import CommunicationRecord, Complaint, SalesVoucher, SatisfactionSurvey, ServiceRecord

    if kind == "ledger":
        return customer.ledger_entries.order_by("-sale_date", "-id")
    if kind == "vouchers":
        return SalesVoucher.objects.filter(customer=customer).prefetch_related("copies").order_by("-issued_on", "-id")
    if kind == "communications":
        return CommunicationRecord.objects.filter(customer=customer).select_related("recorded_by")
    if kind == "complaints":
        return Complaint.objects.filter(customer=customer).select_related("handler", "recorded_by")
    if kind == "services":
        return ServiceRecord.objects.filter(customer=customer).select_related("recorded_by")
    if kind == "surveys":
        return SatisfactionSurvey.objects.filter(customer=customer).select_related("recorded_by")
    if kind == "history":
        return customer_history(customer=customer)
    if kind == "change_requests":
        return customer.change_requests.select_related("requested_by", "decided_by").order_by("-requested_at", "-id")
    raise ValueError(kind)


def saved_filters_of(*, user):
    from .models import SavedFilter

    return SavedFilter.objects.filter(owner=user)
