"""Keep a customer's search vector current (called by every service that changes what is searched)."""
from __future__ import annotations

from django.db import connection

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
