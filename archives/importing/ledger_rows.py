"""Sales-ledger rows (销售台帐), a chunk at a time. Each row attaches to the file whose archive
number it names — a file the importing user may see and write to, as `ledger_entry_create`
requires. Valid rows are checked with that service's own helpers (`_may_write`,
`_clean_ledger_data`, the model's `full_clean`) and written with COPY; the customers' last
activity is then refreshed with one statement, as `_touch_activity` would per row. A chunk the
database refuses is redone row by row through `ledger_entry_create`."""
from __future__ import annotations

from django.db import DatabaseError, connection, transaction

from dangan.platform.errors import ApplicationError

from ..models import SalesLedgerEntry
from ..selectors import customers_visible_to
from ..services import records as record_services
from . import bulk, errors
from .rows import Memo, Outcome, RowReader, problem, problems_from, run_in_savepoint


class LedgerRows:
    def __init__(self, *, actor, headers, mapping, targets, reason: str = "", bulk_create: bool = True) -> None:
        self.actor = actor
        self.reader = RowReader(headers, mapping, targets)
        self.bulk_create = bulk_create
        self.memo = Memo()
        self.writer = bulk.CopyWriter(SalesLedgerEntry, with_pk=False)
        self.fields = [f.attname for f in SalesLedgerEntry._meta.concrete_fields if not f.primary_key]

    def process(self, rows, *, keep: bool) -> list[Outcome]:
        read = [(row, self.reader.read(row)) for row in rows]
        numbers = {values["archive_number"] for _, values in read if values.get("archive_number")}
        customers = {}
        if numbers:
            customers = {c.archive_number: c for c in customers_visible_to(self.actor).select_related("owner")
                         .filter(archive_number__in=numbers)}
        outcomes, valid = [], []
        for row, values in read:
            outcome = Outcome(row)
            outcomes.append(outcome)
            number = values.pop("archive_number", None)
            customer = customers.get(number)
            if number is None:
                outcome.problems.append(problem(errors.ARCHIVE_NUMBER_REQUIRED, "archive_number"))
                continue
            if customer is None:
                outcome.problems.append(problem(errors.ARCHIVE_NUMBER_UNKNOWN, "archive_number", value=number))
                continue
            data = {key: value for key, value in values.items() if key in record_services.LEDGER_FIELDS}
            if not self.bulk_create:
                self._create_one(outcome, customer, data, keep=keep)
                continue
            entry = self._validate(outcome, customer, data)
            if entry is not None:
                valid.append((outcome, customer, data, entry))
        if valid:
            self._write(valid, keep=keep)
        return outcomes

    def _validate(self, outcome: Outcome, customer, data: dict):
        _, error = self.memo.get(("may_write", customer.pk),
                                 lambda: record_services._may_write(self.actor, customer))
        if error is not None:
            outcome.problems.extend(problems_from(error))
            return None
        try:
            entry = SalesLedgerEntry(customer=customer, created_by=self.actor,
                                     **record_services._clean_ledger_data(data))
            record_services._full_clean(entry, exclude=["customer", "created_by"])
        except ApplicationError as exc:
            outcome.problems.extend(problems_from(exc))
            return None
        return entry

    def _create_one(self, outcome: Outcome, customer, data: dict, *, keep: bool) -> None:
        _, error = run_in_savepoint(lambda: record_services.ledger_entry_create(
            actor=self.actor, customer=customer, **data), keep=keep)
        if error is not None:
            outcome.problems.extend(problems_from(error))
        else:
            outcome.action = "added"

    def _write(self, valid, *, keep: bool) -> None:
        try:
            with transaction.atomic():
                self.writer.write([{name: getattr(entry, name) for name in self.fields}
                                   for _, _, _, entry in valid])
                touch_activity({customer.pk for _, customer, _, _ in valid})
                if not keep:
                    transaction.set_rollback(True)
        except DatabaseError:
            for outcome, customer, data, _ in valid:
                self._create_one(outcome, customer, data, keep=keep)
            return
        for outcome, *_ in valid:
            outcome.action = "added"


def touch_activity(customer_ids: set[int]) -> None:
    """records._touch_activity for many customers: last activity = their latest sale."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE archives_customer AS c SET last_activity_on = latest.sale_date "
            "FROM (SELECT customer_id, max(sale_date) AS sale_date FROM archives_salesledgerentry "
            "      WHERE customer_id = ANY(%s) GROUP BY customer_id) AS latest "
            "WHERE c.id = latest.customer_id",
            [sorted(customer_ids)],
        )
