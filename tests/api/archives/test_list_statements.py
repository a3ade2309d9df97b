"""The customer list's SQL compiled once per shape (api/archives/rows.py PreparedValues) and the
roles read with the token: every page is what the ORM reads, for each viewer, filter and cursor
direction; nothing but SQL is kept (new files, role changes and revoked tokens show at once)."""
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from dangan.accounts import roles
from dangan.api.archives import rows
from dangan.archives import selectors
from dangan.archives.models import ClassificationTerm

URL = "/api/v1/customers/"


def walk(client, query: str = "") -> list:
    """Every page forward (page_size=3), then back again by `previous`: the pages' ids and links."""
    pages, url = [], f"{URL}?page_size=3{query}"
    while url:
        body = client.get(url).json()
        pages.append(body)
        url = body["next"]
    url = pages[-1]["previous"]
    while url:
        body = client.get(url).json()
        pages.append(body)
        url = body["previous"]
    return pages


@pytest.fixture
def files(company, new_customer):
    for index in range(5):
        new_customer(name=f"客户{index}")
    for index in range(3):
        new_customer(name=f"同事客户{index}", actor=company.colleague, grade="B")
    new_customer(name="外部客户", actor=company.outsider, department=company.sales2.pk)


def test_pages_from_kept_sql_are_the_orm_pages(company, api, files, monkeypatch):
    queries = ["", "&state=draft", "&q=客户", f"&owner={company.colleague.pk}", "&grade=999"]
    viewers = (company.custodian, company.owner, company.supervisor, company.admin)

    def walks():
        return {(viewer.pk, query): walk(api(viewer), query) for viewer in viewers for query in queries}

    original = rows.PreparedValues._rows
    monkeypatch.setattr(rows.PreparedValues, "_rows", lambda self: list(self.queryset()))
    expected = walks()
    monkeypatch.setattr(rows.PreparedValues, "_rows", original)
    rows._STATEMENTS.clear()
    assert walks() == expected  # SQL kept while reading
    kept = [statement for statement in rows._STATEMENTS.values() if statement is not rows._UNPREPARED]
    assert kept and len(kept) == len(rows._STATEMENTS)
    built = []
    monkeypatch.setattr(selectors, "customer_list", lambda **kwargs: built.append(kwargs) or original_list(**kwargs))
    assert walks() == expected  # read from the kept SQL
    # Only a supervisor's scope (department ids read from the database) is built each time.
    assert built and {call["user"].pk for call in built} == {company.supervisor.pk}
    assert len({row["id"] for page in expected[company.custodian.pk, ""] for row in page["results"]}) == 9


original_list = selectors.customer_list


def test_nothing_but_sql_is_kept(company, api, files, new_customer):
    client = api(company.custodian)
    first = client.get(f"{URL}?page_size=3").json()
    assert len(client.get(first["next"]).json()["results"]) == 3
    added = new_customer(name="新客户", actor=company.colleague)
    assert client.get(f"{URL}?page_size=3").json()["results"][0]["id"] == added.pk
    # The custodian loses the role: the next request sees their scope shrink to their own files.
    company.custodian.groups.clear()
    assert api(company.custodian).get(URL).json()["results"] == []


def test_a_malformed_cursor_position_fails_as_before(company, api, files, monkeypatch):
    import base64

    cursor = base64.b64encode(b"p=not-a-date").decode()
    client = api(company.custodian)
    client.raise_request_exception = False
    status = client.get(f"{URL}?cursor={cursor}").status_code
    monkeypatch.setattr(rows.PreparedValues, "_rows", lambda self: list(self.queryset()))
    assert client.get(f"{URL}?cursor={cursor}").status_code == status != 200


def test_fetched_references_from_kept_sql_are_the_orm_rows(company, files):
    ids = set(ClassificationTerm.objects.values_list("pk", flat=True)[:5])
    columns = ("id", "code", "name")
    assert rows._by_keys_statement(ClassificationTerm, columns) is not None
    expected = sorted(ClassificationTerm._base_manager.filter(pk__in=ids).values(*columns), key=lambda row: row["id"])
    assert sorted(rows._by_keys(ClassificationTerm, columns, ids), key=lambda row: row["id"]) == expected


def test_a_token_request_reads_the_roles_with_the_token(company, tenant_client, files):
    token = Token.objects.create(user=company.owner)
    client = tenant_client(company.tenant, HTTP_AUTHORIZATION=f"Token {token.key}")
    names = lambda: {row["name"] for row in client.get(URL).json()["results"]}  # noqa: E731
    assert names() == {f"客户{index}" for index in range(5)}
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    assert not [query for query in captured if "auth_group" in query["sql"] and "authtoken_token" not in query["sql"]]
    # read on every request: a new role counts at once, a deleted token is refused at once
    company.owner.groups.add(Group.objects.get(name=roles.CUSTODIAN))
    assert len(names()) == 9
    token.delete()
    assert client.get(URL).status_code in (401, 403)


def test_kept_sql_reads_timestamps_with_the_c_loader_on_its_own_cursor_only(company, files):
    import psycopg

    from dangan.archives.models import Customer

    text = psycopg.pq.Format.TEXT
    with connection.cursor() as cursor:
        rows.load_timestamps_in_c(cursor)
        assert cursor.cursor.adapters.get_loader(rows.TIMESTAMPTZ_OID, text).__module__.startswith("psycopg_binary")
        cursor.execute("SELECT id, created_at FROM archives_customer ORDER BY id")
        fast = cursor.fetchall()
    # the same instants as the ORM reads them; other cursors keep Django's loader
    assert fast == list(Customer.objects.order_by("id").values_list("id", "created_at"))
    with connection.cursor() as cursor:
        assert not cursor.cursor.adapters.get_loader(rows.TIMESTAMPTZ_OID, text).__module__.startswith("psycopg_binary")


def _prepared(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{table}%"])
        return [row[0] for row in cursor.fetchall()]


def test_list_pages_run_as_prepared_statements_but_searches_do_not(company, tenant_client, files):
    token = Token.objects.create(user=company.custodian)
    client = tenant_client(company.tenant, HTTP_AUTHORIZATION=f"Token {token.key}")
    rows._STATEMENTS.clear()
    for _ in range(2):  # the first read of a shape goes through the ORM and keeps its SQL
        walk(client, "&state=draft")
    pages = [sql for sql in _prepared('FROM "archives_customer"') if "ORDER BY" in sql and "LIMIT" in sql]
    # The first page, the pages after a position and the pages before one: a statement each.
    assert len(pages) == 3 and all("$1" in sql for sql in pages)
    assert _prepared('INSERT INTO "governance_accessrecord"')  # the query log's row
    assert _prepared('FROM "authtoken_token"')  # the token, with the user and roles
    for _ in range(2):
        walk(client, "&q=客户")
    assert not [sql for sql in _prepared('FROM "archives_customer"') if "tsquery" in sql]


def test_plans_are_kept_only_for_filters_that_do_not_change_them():
    assert selectors.plan_independent_of_values({})
    assert selectors.plan_independent_of_values({"state": "draft", "grade": "3", "overdue": True})
    assert not selectors.plan_independent_of_values({"q": "客户"})
    assert not selectors.plan_independent_of_values({"custom.licence": "A1"})
    assert selectors.plan_independent_of_values({"q": ""})


def test_a_value_the_sql_holds_twice_is_read_through_the_orm_that_time_only(company, new_customer):
    """A filter value equal to another parameter of the page's SQL has no single place in it: that
    read goes through the ORM, and the shape is still kept for the next read that has one."""
    from dangan.archives.models import Customer

    new_customer(name="甲")
    new_customer(name="乙")
    rows._STATEMENTS.clear()

    def read(name: str) -> list:
        # The build's own parameter is "乙": a read for the name "乙" cannot be told apart from it.
        page = rows.PreparedValues(Customer, lambda: Customer.objects.exclude(name="乙").values("id", "name"),
                                   key=("probe",)).filter(name=name)
        return [row["name"] for row in page.order_by("-id")[0:5]]

    assert read("乙") == []  # excluded, whatever the filter says
    assert rows._STATEMENTS == {}  # not kept: this read's value was ambiguous
    assert read("甲") == ["甲"]
    assert len(rows._STATEMENTS) == 1 and next(iter(rows._STATEMENTS.values())) is not rows._UNPREPARED
    assert read("乙") == [] and read("甲") == ["甲"]  # the kept SQL, each with its own value
