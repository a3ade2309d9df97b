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
import threading
from dataclasses import dataclass, field

from django.db import DatabaseError, transaction
from django.utils import timezone

from dangan.platform.errors import ApplicationError

from ..custom_fields import clean_custom_values
from ..models import ArchiveCategory, ArchiveSettings, Contact, Customer, CustomerChange
from ..selectors import customers_visible_to
from ..services import customers as customer_services
from ..services._common import department_for, jsonable, term_for
from . import bulk, errors
from .rows import FieldTargets, Memo, Outcome, Problem, RowReader, problem, problems_from, run_in_savepoint
from .targets import CONTACT_GROUPS, CONTACT_PARTS, CUSTOM_PREFIX

CONTACT_TARGETS = [[f"contact{'' if group == 1 else group}_{part}" for part in CONTACT_PARTS]
                   for group in range(1, CONTACT_GROUPS + 1)]
EDITABLE = frozenset(customer_services.EDITABLE_FIELDS)


class PlainFields:
    """customer_services._clean_plain for the common row, without Django's field.clean per
    cell (to_python, validate, run_validators: the costliest part of checking a row).

    A value is taken here only when the model's rules are plainly met: a non-blank string
    for a CharField / TextField without extra validators, within max_length and among the
    choices if it has any. Any other value (dates, booleans, numbers, blanks, anything too
    long or not a choice) sends the whole row to _clean_plain itself, which also words the
    errors. The result is the same dict _clean_plain returns."""

    def __init__(self) -> None:
        from django.db import models

        self.rules: dict[str, tuple[int | None, frozenset | None]] = {}
        for name in customer_services.EDITABLE_FIELDS:
            field = Customer._meta.get_field(name)
            if type(field) not in (models.CharField, models.TextField) or field._validators:
                continue
            choices = frozenset(str(key) for key, _ in field.flatchoices) if field.choices else None
            if choices is not None and any(not isinstance(key, str) for key, _ in field.flatchoices):
                continue
            self.rules[name] = (field.max_length, choices)

    def clean(self, data: dict) -> dict:
        cleaned = {}
        rules = self.rules
        for name, value in data.items():
            rule = rules.get(name)
            if rule is None or type(value) is not str:
                return customer_services._clean_plain(data)
            text = value.strip()
            limit, choices = rule
            if not text or (limit is not None and len(value) > limit) or (choices is not None and value not in choices):
                return customer_services._clean_plain(data)
            cleaned[name] = text
        return cleaned


@dataclass
class Chunk:
    """A chunk as `prepare` leaves it for `write`."""
    outcomes: list[Outcome]
    new_rows: list[tuple[Outcome, dict]] = field(default_factory=list)  # rows without a number
    valid: list[tuple[Outcome, dict]] = field(default_factory=list)  # new rows validated for the bulk path
    numbered: list[tuple[Outcome, str, dict]] = field(default_factory=list)  # rows naming a file


class CustomerRows:
    """`prepare` (reading, validating new rows, their search tokens: no writes) then `write`
    (numbers, COPY, updates through the services) — imports._Pipeline runs the first for the
    next chunk while the second runs for this one. Database reads in `prepare` hold `db_lock`,
    which the writer holds for a whole chunk."""

    def __init__(self, *, actor, headers, mapping, targets, reason: str, bulk_create: bool = True) -> None:
        self.actor = actor
        self.reader = RowReader(headers, mapping, targets)
        self.reason = reason
        self.bulk_create = bulk_create
        self.db_lock = threading.RLock()
        self.memo = Memo(self.db_lock)
        self.settings = ArchiveSettings.load()
        self.today = timezone.localdate()  # customer_create's default first contact
        self.plain = PlainFields()
        # Categories with their field definitions loaded once: clean_custom_values reads
        # category.fields.all(), which is then answered from memory.
        self.categories = {c.pk: c for c in ArchiveCategory.objects.prefetch_related("fields")}
        self.searchable = {pk: {d.key for d in c.fields.all() if d.searchable} for pk, c in self.categories.items()}
        self._requires_custom = {pk for pk, c in self.categories.items()
                                 if any(d.is_active and d.required for d in c.fields.all())}
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

            with self.db_lock:
                self._users = {u.email.lower(): u for u in User.objects.filter(is_active=True)}
        user = self._users.get(str(value).strip().lower())
        if user is None:
            return None, problem(errors.OWNER_UNKNOWN, "owner", value=value)
        assignable = self.__dict__.setdefault("_assignable", {})  # one check per person, not per row
        if user.pk not in assignable:
            with self.db_lock:  # reads roles and departments (see CustomerRows: the writer thread)
                assignable[user.pk] = customer_services.owner_assignable(self.actor, user)
        if not assignable[user.pk]:  # the bulk path skips customer_create, so the rule is checked here
            from dangan.governance import errors as governance_errors

            return None, problem(governance_errors.OWNER_NOT_ASSIGNABLE, "owner")
        return user, None

    # --- the chunk -------------------------------------------------------------------------
    def process(self, rows, *, keep: bool) -> list[Outcome]:
        return self.write(self.prepare(rows, keep=keep), keep=keep)

    def prepare(self, rows, *, keep: bool) -> Chunk:
        """Everything about the chunk that writes nothing: new rows validated (the bulk path)
        with their search tokens; rows naming a file are looked up and updated in `write`."""
        chunk = Chunk(outcomes=[])
        for row in rows:
            values = self.reader.read(row)
            outcome = Outcome(row)
            chunk.outcomes.append(outcome)
            number = values.pop("archive_number", None)
            if number is not None:
                chunk.numbered.append((outcome, number, values))
                continue
            chunk.new_rows.append((outcome, values))
            if self.bulk_create:
                prepared = self._validate_new(outcome, values)
                if prepared is not None:
                    chunk.valid.append((outcome, prepared))
        return chunk

    def write(self, chunk: Chunk, *, keep: bool) -> list[Outcome]:
        numbers = {number for _, number, _ in chunk.numbered}
        existing = {}
        if numbers:
            existing = {c.archive_number: c for c in customers_visible_to(self.actor).select_related("owner")
                        .filter(archive_number__in=numbers)}
        updates: list[tuple[Outcome, Customer, dict]] = []
        for outcome, number, values in chunk.numbered:
            customer = existing.get(number)
            if customer is None:
                outcome.problems.append(problem(errors.ARCHIVE_NUMBER_UNKNOWN, "archive_number", value=number))
            elif values.get("owner") and str(values["owner"]).strip().lower() != customer.owner.email.lower():
                outcome.problems.append(problem(errors.OWNER_CHANGE_UNSUPPORTED, "owner"))
            else:
                updates.append((outcome, customer, values))
        if self.bulk_create:
            self._create_in_bulk(chunk.valid, keep=keep)
        else:
            for outcome, values in chunk.new_rows:
                self._create_one(outcome, values, keep=keep)
        for outcome, customer, values in updates:
            self._update_one(outcome, customer, values, keep=keep)
        return chunk.outcomes

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
        data = {key: value for key, value in values.items() if key in EDITABLE}
        name = values.get("name", "")
        category, error = self.memo.get(("category", str(values.get("category", ""))),
                                        lambda: customer_services._category(values.get("category")))
        if error is not None:
            problems.extend(problems_from(error, targets))
        else:
            category = self._with_fields(category)
        try:
            plain = self.plain.clean({"name": name, **data})
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
            incoming = self.custom_of(values)
            if incoming is None and category.pk not in self._requires_custom:
                custom = {}  # what clean_custom_values gives for no values when no field is required
            else:
                try:
                    custom = clean_custom_values(category, incoming or {})
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
            "kind": category.default_kind,  # no 类型 column or cell: customer_create's default
            **plain,
            "first_contact_on": first_contact,
            "creation_due_on": first_contact + dt.timedelta(days=self.settings.creation_deadline_days),
            "category_id": category.pk, "owner_id": owner.pk, "created_by_id": self.actor.pk, "custom_fields": custom,
            **{f"{field}_id": (term.pk if term is not None else None) for field, term in refs.items()},
        }
        # Imported here: pypinyin's dictionaries (~55 MB) load only in processes that import rows.
        from . import search_tokens

        texts = search_tokens.customer_texts(address=record.get("address", ""), contacts=contacts,
                                             custom_fields=custom, searchable=self._searchable(category))
        syllables, initials = search_tokens.text_pinyin(record["name"])
        record["name_pinyin"] = "".join(syllables).lower()  # search_tokens.pinyin_full
        record["name_initials"] = initials.lower()  # search_tokens.pinyin_initials
        tokens = search_tokens.text_tokens(name=record["name"], texts=texts)
        return {"record": record, "contacts": contacts, "category": category, "region": refs.get("region"),
                "department": refs.get("department"), "values": values,
                "text_literal": search_tokens.text_literal(tokens)}

    def _create_in_bulk(self, valid, *, keep: bool) -> None:
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
        from . import search_tokens

        now = timezone.now()
        ids = bulk.allocate_ids(Customer, len(valid))
        numbers = bulk.take_archive_numbers([(p["category"], p["region"], p["department"]) for _, p in valid])
        contacts, history = [], []

        def customers():
            # A generator, consumed by COPY as it streams: the database indexes the rows already
            # sent while the next ones are put together here.
            for (_, prepared), pk, number in zip(valid, ids, numbers):
                record = dict(prepared["record"])  # prepared stays as it was, should the chunk be redone
                record["id"], record["archive_number"] = pk, number
                record["search_vector"] = search_tokens.vector_literal(prepared["text_literal"], number)
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
            with self.db_lock:
                keys = self.searchable[category.pk] = set(
                    category.fields.filter(searchable=True).values_list("key", flat=True))
        return keys

    def _with_fields(self, category):
        """The category with its field definitions loaded (clean_custom_values reads them), from
        the job's start or, for one made since, loaded now."""
        found = self.categories.get(category.pk)
        if found is None:
            with self.db_lock:
                found = ArchiveCategory.objects.prefetch_related("fields").get(pk=category.pk)
            if any(d.is_active and d.required for d in found.fields.all()):
                self._requires_custom.add(found.pk)
            self.categories[found.pk] = found
        return found
