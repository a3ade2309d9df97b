"""Instances read by prepared SQL (platform/db.py) are the instances the ORM reads."""
import pytest
from django.db import connection

from dangan.documents.models import DocumentType
from dangan.governance.models import MaskingPolicy
from dangan.platform.db import instance_where


def _values(instance) -> list:
    return [getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields]


@pytest.mark.django_db
def test_an_instance_read_by_a_column_equals_the_orms(make_tenant):
    connection.set_tenant(make_tenant())
    expected = DocumentType.objects.order_by("pk").first()
    found = instance_where(DocumentType, "code", expected.code)
    assert type(found) is DocumentType and _values(found) == _values(expected)
    assert not found._state.adding and found._state.db == connection.alias  # saved as an update
    assert instance_where(DocumentType, "code", "no-such-code") is None


@pytest.mark.django_db
def test_the_flag_must_be_true(make_tenant):
    connection.set_tenant(make_tenant())
    doc_type = DocumentType.objects.order_by("pk").first()
    assert instance_where(DocumentType, "id", doc_type.pk, flag="is_active") is not None
    DocumentType.objects.filter(pk=doc_type.pk).update(is_active=False)
    assert instance_where(DocumentType, "id", doc_type.pk, flag="is_active") is None
    assert instance_where(DocumentType, "id", doc_type.pk) is not None


@pytest.mark.django_db
def test_json_columns_are_converted_as_the_orm_converts_them(make_tenant):
    connection.set_tenant(make_tenant())
    MaskingPolicy.objects.update_or_create(pk=1, defaults={"clear_roles": ["档案管理员", "办公室"]})
    found = instance_where(MaskingPolicy, "id", 1)
    assert found.clear_roles == ["档案管理员", "办公室"] and _values(found) == _values(MaskingPolicy.objects.get(pk=1))
