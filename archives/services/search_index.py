"""Keep a customer's search vector current (called by every service that changes what is searched),
and rebuild every customer's at once (reindex_customers, for `manage.py reindex_search`)."""
from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction

from ..models import Customer
from ..search import document_tokens, pinyin_full, pinyin_initials


def refresh_search(customer: Customer) -> None:
    contacts = list(customer.contacts.values_list("name", "phone", "email"))
    searchable = set(customer.category.fields.filter(searchable=True).values_list("key", flat=True))
    texts = [customer.address]
    for name, phone, email in contacts:
        texts += [name, phone, email]
    for key, value in (customer.custom_fields or {}).items():
        if key in searchable:
            texts.extend(value if isinstance(value, list) else [str(value)])
    tokens = document_tokens(archive_number=customer.archive_number, name=customer.name, texts=texts)
    # Column widths bound the pinyin of very long names; search tokens keep the full text.
    customer.name_pinyin = pinyin_full(customer.name)[:600]
    customer.name_initials = pinyin_initials(customer.name)[:200]
    with connection.cursor() as cursor:
        # array_to_tsvector: tokens are taken literally (no parser splitting "a-b" or e-mails).
        cursor.execute(
            "UPDATE archives_customer SET search_vector = array_to_tsvector(%s::text[]), "
            "name_pinyin = %s, name_initials = %s WHERE id = %s",
            [tokens, customer.name_pinyin, customer.name_initials, customer.pk],
        )


# --- in bulk --------------------------------------------------------------------------------------

REINDEX_BATCH = 1000  # customers per UPDATE: one short transaction each

# A vector, pinyin or initials that come out the same are not written: a second run, or one after
# a change that touched few files, is mostly reading.
_WRITE = """
    UPDATE archives_customer AS c
       SET search_vector = u.vector::tsvector, name_pinyin = u.pinyin, name_initials = u.initials
      FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) AS u(id, vector, pinyin, initials)
     WHERE c.id = u.id
       AND (c.search_vector IS DISTINCT FROM u.vector::tsvector
            OR c.name_pinyin IS DISTINCT FROM u.pinyin OR c.name_initials IS DISTINCT FROM u.initials)
"""


def reindex_customers(*, batch: int = REINDEX_BATCH, progress: Callable[[int], None] | None = None) -> int:
    """Recompute every customer's search vector, pinyin and initials in this company (after a
    tokenizer or dictionary change, or a restore): what refresh_search stores, with the bulk
    import's memoised tokens, a batch per statement. Returns how many customers were read;
    `progress(done)` is called after each batch."""
    from ..importing import search_tokens
    from ..models import Contact, CustomFieldDefinition

    searchable: dict[int, set[str]] = {}
    for category_id, key in CustomFieldDefinition.objects.filter(searchable=True).values_list("category_id", "key"):
        searchable.setdefault(category_id, set()).add(key)
    done, after = 0, 0
    while True:
        customers = list(Customer.objects.filter(pk__gt=after).order_by("pk").values_list(
            "pk", "archive_number", "name", "address", "custom_fields", "category_id")[:batch])
        if not customers:
            return done
        contacts: dict[int, list[dict]] = {}
        for contact in Contact._default_manager.filter(customer_id__in=[row[0] for row in customers]).values(
                "customer_id", "name", "phone", "email"):
            contacts.setdefault(contact["customer_id"], []).append(contact)
        ids, vectors, pinyins, initials = [], [], [], []
        for pk, number, name, address, custom_fields, category_id in customers:
            texts = search_tokens.customer_texts(address=address, contacts=contacts.get(pk, []),
                                                 custom_fields=custom_fields,
                                                 searchable=searchable.get(category_id, set()))
            tokens = search_tokens.text_tokens(name=name, texts=texts)
            ids.append(pk)
            vectors.append(search_tokens.vector_literal(search_tokens.text_literal(tokens), number))
            pinyins.append(search_tokens.pinyin_full(name)[:600])
            initials.append(search_tokens.pinyin_initials(name)[:200])
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_WRITE, [ids, vectors, pinyins, initials])
        done += len(customers)
        after = customers[-1][0]
        if progress is not None:
            progress(done)
