"""Instances read and added by prepared SQL (platform/db.py) are the instances and rows the ORM reads
and writes."""
import psycopg
import pytest
from django.db import connection, transaction
from django.db.models import Value
from django.db.models.signals import post_save, pre_save

from dangan.accounts.models import User
from dangan.archives.models import Customer
from dangan.documents.models import DocumentType
from dangan.governance.models import AccessRecord, MaskingPolicy
from dangan.platform.db import insert_instance, instance_where, instance_with_related, tsvector_literal

from .connections import other_connection


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


RELATED = ("category", "owner", "department", "custodian")


@pytest.mark.django_db
def test_an_instance_with_related_rows_equals_the_orms_and_reads_no_more(new_customer, django_assert_num_queries):
    customer = new_customer(custodian=None)
    expected = Customer.objects.select_related(*RELATED).get(pk=customer.pk)
    with django_assert_num_queries(1):
        found = instance_with_related(Customer, customer.pk, related=RELATED)
    with django_assert_num_queries(0):  # cached as select_related caches them
        related = [getattr(found, name) for name in RELATED]
    assert type(found) is Customer and _values(found) == _values(expected)
    assert not found._state.adding and found._state.db == connection.alias
    assert [type(item) for item in related[:3]] == [type(getattr(expected, name)) for name in RELATED[:3]]
    for name in RELATED[:3]:
        assert _values(getattr(found, name)) == _values(getattr(expected, name))
    assert related[3] is None and expected.custodian is None  # a LEFT JOIN that found nothing
    assert found.custom_fields == expected.custom_fields  # a JSON column, converted as the ORM does
    assert instance_with_related(Customer, customer.pk + 10_000, related=RELATED) is None


@pytest.mark.django_db
def test_only_foreign_keys_and_no_nullable_side_can_be_locked(new_customer):
    with pytest.raises(TypeError, match="not a foreign key"):
        instance_with_related(Customer, 1, related=("contacts",))
    with pytest.raises(TypeError, match="nullable side"):
        instance_with_related(Customer, 1, related=("department",), lock_of=("department",))


def _lock_free(tenant, table: str, pk: int) -> bool:
    """Whether another connection can share-lock that row now: any writer's lock (FOR UPDATE) refuses it."""
    with other_connection() as other:
        other.execute(f'SET search_path TO "{tenant.schema_name}"')
        try:
            other.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR SHARE NOWAIT", [pk])
        except psycopg.errors.LockNotAvailable:
            return False
        return True


def test_the_rows_named_are_locked_until_the_transaction_ends_and_no_others(committed, signup_data):
    from dangan.accounts.models import User
    from dangan.archives.services.customers import customer_create
    from dangan.tenants.services import tenant_signup

    tenant = tenant_signup(**signup_data())
    try:
        connection.set_tenant(tenant)
        customer = customer_create(actor=User.objects.get(email=tenant.admin_email), category="jxs",
                                   name="锁定测试药店", region="east", grade="A")
        with transaction.atomic():
            found = instance_with_related(Customer, customer.pk, related=("category", "owner"),
                                          lock_of=("category",))
            assert found.category.pk == customer.category_id
            assert not _lock_free(tenant, "archives_customer", customer.pk)
            assert not _lock_free(tenant, "archives_archivecategory", customer.category_id)
            assert _lock_free(tenant, "accounts_user", customer.owner_id)  # read, not locked
        assert _lock_free(tenant, "archives_customer", customer.pk)
        # Without lock_of nothing is locked.
        with transaction.atomic():
            instance_with_related(Customer, customer.pk, related=("category",))
            assert _lock_free(tenant, "archives_customer", customer.pk)
    finally:
        connection.set_schema_to_public()


def _record(**changes) -> AccessRecord:
    values = {"user": None, "user_name": "张三", "user_email": "zhang@example.com", "roles": ["档案管理员"],
              "action": AccessRecord.Action.LIST, "object_type": "", "object_id": "", "customer_ids": [3, 1],
              "query": {"q": "张", "nested": {"page": 2}}, "result_count": 7, "reason": "", "ip": "192.0.2.1"}
    return AccessRecord(**{**values, **changes})


@pytest.mark.django_db
def test_an_inserted_row_equals_the_orms(make_tenant, django_assert_num_queries):
    connection.set_tenant(make_tenant())
    by_orm, prepared = _record(), _record()
    by_orm.save()
    with django_assert_num_queries(1):
        insert_instance(prepared)
    assert prepared.pk and prepared.pk != by_orm.pk and prepared.at is not None  # auto_now_add ran
    assert not prepared._state.adding and prepared._state.db == connection.alias
    columns = [f.attname for f in AccessRecord._meta.concrete_fields if f.attname not in ("id", "at")]
    assert list(AccessRecord.objects.filter(pk=prepared.pk).values(*columns)) == \
        list(AccessRecord.objects.filter(pk=by_orm.pk).values(*columns))
    assert AccessRecord.objects.get(pk=prepared.pk).query == {"q": "张", "nested": {"page": 2}}


@pytest.mark.django_db
def test_an_inserted_instance_saves_again_as_an_update(make_tenant):
    connection.set_tenant(make_tenant())
    doc_type = DocumentType(code="bench-type", name="基准", sort=3)
    insert_instance(doc_type)
    doc_type.name = "改名"
    doc_type.save()
    assert DocumentType.objects.filter(code="bench-type").count() == 1
    assert DocumentType.objects.get(pk=doc_type.pk).name == "改名"


@pytest.mark.django_db
def test_what_save_would_do_more_is_refused(make_tenant):
    connection.set_tenant(make_tenant())
    with pytest.raises(TypeError, match="expression"):
        insert_instance(DocumentType(code="x", name=Value("计算")))
    with pytest.raises(TypeError, match="primary key"):
        insert_instance(DocumentType(pk=10_000, code="z", name="定了主键"))
    with pytest.raises(TypeError, match="save"):
        insert_instance(User(email="x@example.com"))  # AbstractBaseUser has a save() of its own
    for signal in (pre_save, post_save):
        def receiver(**kwargs):
            pass

        signal.connect(receiver, sender=DocumentType)
        try:
            with pytest.raises(TypeError, match="receivers"):
                insert_instance(DocumentType(code=f"y-{signal is pre_save}", name="有接收者"))
        finally:
            signal.disconnect(receiver, sender=DocumentType)
    assert not DocumentType.objects.filter(code__in=["x", "z", "y-True", "y-False"]).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("tokens", [[], ["合同", "副本"], ["o'neil", "a\\b", "o'neil", "x"]])
def test_a_tsvector_literal_is_what_array_to_tsvector_makes(tokens):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::tsvector = array_to_tsvector(%s::text[])", [tsvector_literal(tokens), tokens])
        assert cursor.fetchone()[0] is True
