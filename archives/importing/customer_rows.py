"""Customer rows, a chunk at a time.

- A row with an archive number (档案编号) updates that file through `customer_update`, in its
  own savepoint: updates carry the life-cycle rules (change requests on filed files, history of
  each changed field), so they always take the service path.
- A row without one is a new file. The bulk path validates it with the very functions
  `customer_create` runs (`_clean_plain`, `_clean_contacts`, `clean_custom_values`, and the
  category / term / department resolvers, memoised by value), then writes the chunk's valid
  rows with COPY, numbering them with one statement per chunk. If the database still refuses the
  chunk, it is redone row by row through `customer_create` itself, so a bad row costs only itself.
"""
from __future__ import annotations

import datetime as dt

from django.db import DatabaseError, transaction
from django.utils import timezone

from dangan.platform.errors import ApplicationError

from ..custom_fields import clean_custom_values
from ..models import ArchiveCategory, ArchiveSettings, Contact, Customer, CustomerChange
from ..selectors import customers_visible_to
from ..services import customers as customer_services
from ..services._common import department_for, jsonable, term_for
from . import bulk, errors, search_tokens
from .rows import FieldTargets, Memo, Outcome, Problem, RowReader, problem, problems_from, run_in_savepoint
from .targets import CONTACT_GROUPS, CONTACT_PARTS, CUSTOM_PREFIX

CONTACT_TARGETS = [[f"contact{'' if group == 1 else group}_{part}" for part in CONTACT_PARTS]
                   for group in range(1, CONTACT_GROUPS + 1)]


class CustomerRows:
    def __init__(self, *, actor, headers, mapping, targets, reason: str, bulk_create: bool = True) -> None:
        self.actor = actor
        self.reader = RowReader(headers, mapping, targets)
        self.reason = reason
        self.bulk_create = bulk_create
        self.memo = Memo()
        self.settings = ArchiveSettings.load()
        self.today = timezone.localdate()  # customer_create's default first contact
        # Categories with their field definitions loaded once: clean_custom_values reads
        # category.fields.all(), which is then answered from memory.
        self.categories = {c.pk: c for c in ArchiveCategory.objects.prefetch_related("fields")}
        self.searchable = {pk: {d.key for d in c.fields.all() if d.searchable} for pk, c in self.categories.items()}
        self._users = None
        self._versions: dict[int, int] = {}  # version after this job's last update of a file
        self.customer_writer = bulk.CopyWriter(Customer, with_pk=True)
        self.contact_writer = bulk.CopyWriter(Contact, with_pk=False)
        self.change_writer = bulk.CopyWriter(CustomerChange, with_pk=False)

    # --- reading ---------------------------------------------------------------------------
    @staticmethod
    def contacts_of(values: dict) -> tuple[list[dict] | None, list[int]]:
        """Contact groups with any cell filled, and which group each one came from."""
        contacts, groups = [], []
        for group, keys in enumerate(CONTACT_TARGETS, start=1):
            if any(key in values for key in keys):
                contacts.append({part: values.get(key, "") for part, key in zip(CONTACT_PARTS, keys)})
                groups.append(group)
        return (contacts or None), groups

    @staticmethod
    def custom_of(values: dict) -> dict | None:
        custom = {key[len(CUSTOM_PREFIX):]: value for key, value in values.items() if key.startswith(CUSTOM_PREFIX)}
        return custom or None

    def service_data(self, values: dict) -> dict:
        """What the API would send customer_create / customer_update for this row."""
        data = {key: value for key, value in values.items()
                if key in customer_services.EDITABLE_FIELDS or key in customer_services.CLASSIFICATION_FIELDS
                or key in ("category", "department")}
        contacts, _ = self.contacts_of(values)
        if contacts is not None:
            data["contacts"] = contacts
        custom = self.custom_of(values)
        if custom is not None:
            data["custom_fields"] = custom
        return data

    def owner(self, value):
        if value in (None, ""):
            return self.actor, None
        if self._users is None:
            from dangan.accounts.models import User

            self._users = {u.email.lower(): u for u in User.objects.filter(is_active=True)}
        user = self._users.get(str(value).strip().lower())
        return (user, None) if user else (None, problem(errors.OWNER_UNKNOWN, "owner", value=value))

    # --- the chunk -------------------------------------------------------------------------
    def process(self, rows, *, keep: bool) -> list[Outcome]:
        read = [(row, self.reader.read(row)) for row in rows]
        numbers = {values["archive_number"] for _, values in read if values.get("archive_number")}
        existing = {}
        if numbers:
            existing = {c.archive_number: c for c in customers_visible_to(self.actor).select_related("owner")
                        .filter(archive_number__in=numbers)}
        outcomes: list[Outcome] = []
        new_rows: list[tuple[Outcome, dict]] = []
        updates: list[tuple[Outcome, Customer, dict]] = []
        for row, values in read:
            outcome = Outcome(row)
            outcomes.append(outcome)
            number = values.pop("archive_number", None)
            if number is None:
                new_rows.append((outcome, values))
                continue
            customer = existing.get(number)
            if customer is None:
                outcome.problems.append(problem(errors.ARCHIVE_NUMBER_UNKNOWN, "archive_number", value=number))
            elif values.get("owner") and str(values["owner"]).strip().lower() != customer.owner.email.lower():
                outcome.problems.append(problem(errors.OWNER_CHANGE_UNSUPPORTED, "owner"))
            else:
                updates.append((outcome, customer, values))
        if self.bulk_create:
            self._create_in_bulk(new_rows, keep=keep)
        else:
            for outcome, values in new_rows:
                self._create_one(outcome, values, keep=keep)
        for outcome, customer, values in updates:
            self._update_one(outcome, customer, values, keep=keep)
        return outcomes

    # --- new files: one service call each --------------------------------------------------
    def _create_one(self, outcome: Outcome, values: dict, *, keep: bool) -> None:
        owner, owner_problem = self.owner(values.get("owner"))
        if owner_problem:
            outcome.problems.append(owner_problem)
            return
        data = self.service_data(values)
        _, groups = self.contacts_of(values)
        category = data.pop("category", None)
        name = data.pop("name", "")
        _, error = run_in_savepoint(lambda: customer_services.customer_create(
            actor=self.actor, category=category, name=name, owner=owner, **data), keep=keep)
        if error is not None:
            outcome.problems.extend(problems_from(error, FieldTargets(groups)))
        else:
            outcome.action = "created"

    # --- existing files: customer_update -----------------------------------------------------
    def _update_one(self, outcome: Outcome, customer: Customer, values: dict, *, keep: bool) -> None:
        data = self.service_data(values)
        _, groups = self.contacts_of(values)
        version = self._versions.get(customer.pk, customer.version)

        def call():
            return customer_services.customer_update(actor=self.actor, customer=customer, data=data,
                                                     reason=self.reason)

        result, error = run_in_savepoint(call, keep=keep)
        if error is not None:
            outcome.problems.extend(problems_from(error, FieldTargets(groups)))
            return
        updated, change_request = result
        if keep:
            self._versions[customer.pk] = updated.version
        outcome.action = "change_request" if change_request else (
            "updated" if updated.version != version else "unchanged")

    # --- new files: the bulk path ------------------------------------------------------------
    def _validate_new(self, outcome: Outcome, values: dict) -> dict | None:
        """customer_create's checks, all of them (the report lists every problem of a row)."""
        problems: list[Problem] = []
        contacts_in, groups = self.contacts_of(values)
        targets = FieldTargets(groups)
        data = {key: value for key, value in values.items() if key in customer_services.EDITABLE_FIELDS}
        name = values.get("name", "")
        category, error = self.memo.get(("category", str(values.get("category", ""))),
                                        lambda: customer_services._category(values.get("category")))
        if error is not None:
            problems.extend(problems_from(error, targets))
        else:
            category = self.categories.get(category.pk, category)
        try:
            plain = customer_services._clean_plain({"name": name, **data})
        except ApplicationError as exc:
            problems.extend(problems_from(exc, targets))
        refs = {}
        for field, scheme in customer_services.CLASSIFICATION_FIELDS.items():
            if field in values:
                term, error = self.memo.get(("term", scheme, str(values[field])),
                                            lambda: term_for(scheme, values[field], field=field))
                if error is not None:
                    problems.extend(problems_from(error, targets))
                refs[field] = term
        if "department" in values:
            department, error = self.memo.get(("department", str(values["department"])),
                                              lambda: department_for(values["department"]))
            if error is not None:
                problems.extend(problems_from(error, targets))
            refs["department"] = department
        try:
            contacts = customer_services._clean_contacts(contacts_in)
        except ApplicationError as exc:
            problems.extend(problems_from(exc, targets))
        if category is not None:
            try:
                custom = clean_custom_values(category, self.custom_of(values) or {})
            except ApplicationError as exc:
                problems.extend(problems_from(exc, targets))
        owner, owner_problem = self.owner(values.get("owner"))
        if owner_problem:
            problems.append(owner_problem)
        if problems:
            outcome.problems.extend(problems)
            return None
        first_contact = plain.get("first_contact_on") or self.today
        record = {
            **plain,
            "first_contact_on": first_contact,
            "creation_due_on": first_contact + dt.timedelta(days=self.settings.creation_deadline_days),
            "category_id": category.pk, "owner_id": owner.pk, "created_by_id": self.actor.pk, "custom_fields": custom,
            **{f"{field}_id": (term.pk if term is not None else None) for field, term in refs.items()},
        }
        return {"record": record, "contacts": contacts, "category": category, "region": refs.get("region"),
                "department": refs.get("department"), "values": values}

    def _create_in_bulk(self, new_rows, *, keep: bool) -> None:
        valid = []
        for outcome, values in new_rows:
            prepared = self._validate_new(outcome, values)
            if prepared is not None:
                valid.append((outcome, prepared))
        if not valid:
            return
        try:
            with transaction.atomic():
                self._write(valid)
                if not keep:
                    transaction.set_rollback(True)
        except DatabaseError:
            # Something only the database knows about (a number taken by a concurrent writer, a
            # value longer than a column): redo these rows one by one through customer_create.
            for outcome, prepared in valid:
                self._create_one(outcome, prepared["values"], keep=keep)
            return
        for outcome, _ in valid:
            outcome.action = "created"

    def _write(self, valid) -> None:
        now = timezone.now()
        ids = bulk.allocate_ids(Customer, len(valid))
        numbers = bulk.take_archive_numbers([(p["category"], p["region"], p["department"]) for _, p in valid])
        contacts, history = [], []

        def customers():
            # A generator, consumed by COPY as it streams: the database indexes the rows already
            # sent while the search tokens of the next ones are computed here.
            for (_, prepared), pk, number in zip(valid, ids, numbers):
                record = prepared["record"]
                record["id"], record["archive_number"] = pk, number
                texts = search_tokens.customer_texts(
                    address=record.get("address", ""), contacts=prepared["contacts"],
                    custom_fields=record["custom_fields"], searchable=self._searchable(prepared["category"]))
                tokens = search_tokens.document_tokens(archive_number=number, name=record["name"], texts=texts)
                record["search_vector"] = search_tokens.tsvector_literal(tokens)
                record["name_pinyin"] = search_tokens.pinyin_full(record["name"])
                record["name_initials"] = search_tokens.pinyin_initials(record["name"])
                contacts.extend({"customer_id": pk, "sort": index, **contact}
                                for index, contact in enumerate(prepared["contacts"]))
                # record_history(action="create") writes exactly these two rows.
                for field, value in (("archive_number", number), ("name", record["name"])):
                    history.append({"customer_id": pk, "field": field, "old_value": None,
                                    "new_value": jsonable(value), "reason": "", "action": "create",
                                    "change_request_id": None, "actor_id": self.actor.pk})
                yield record

        self.customer_writer.write(customers(), now)
        self.contact_writer.write(contacts, now)
        self.change_writer.write(history, now)

    def _searchable(self, category) -> set[str]:
        """refresh_search's searchable keys: every searchable definition, active or not."""
        keys = self.searchable.get(category.pk)
        if keys is None:
            keys = self.searchable[category.pk] = set(
                category.fields.filter(searchable=True).values_list("key", flat=True))
        return keys
