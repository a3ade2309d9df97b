"""No index of our own tables repeats another: an index whose columns lead another index of the
same table (same method, operator classes and order, neither partial nor on expressions) serves
no query the longer one does not, and every insert and non-HOT update pays for it. Django's
ForeignKey adds such an index unless told `db_index=False` where Meta.indexes or a unique
constraint already leads with the column."""
from django.db import connection

OUR_APPS = ("accounts", "archives", "documents", "governance", "integrations", "tenants", "web", "platform")
# Tables Django makes for our many-to-many fields, whose indexes we do not declare.
DJANGO_MADE = ("accounts_user_groups", "accounts_user_user_permissions", "archives_department_members",
               "governance_contractpickup_documents")

_REPEATED = """
    WITH idx AS (
        SELECT c.relname AS tbl, i.relname AS idx, x.indisunique AS uniq, am.amname AS method,
               string_to_array(x.indkey::text, ' ')::int[] AS cols,
               string_to_array(x.indclass::text, ' ')::oid[] AS classes,
               string_to_array(x.indoption::text, ' ')::int[] AS options
          FROM pg_index x
          JOIN pg_class c ON c.oid = x.indrelid
          JOIN pg_class i ON i.oid = x.indexrelid
          JOIN pg_am am ON am.oid = i.relam
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %s AND x.indpred IS NULL AND x.indexprs IS NULL)
    SELECT a.tbl, a.idx, b.idx
      FROM idx a JOIN idx b ON a.tbl = b.tbl AND a.idx <> b.idx AND a.method = b.method
     WHERE NOT a.uniq AND a.method = 'btree'
       AND cardinality(a.cols) <= cardinality(b.cols)
       AND a.cols = b.cols[1:cardinality(a.cols)]
       AND a.classes = b.classes[1:cardinality(a.classes)]
       AND a.options = b.options[1:cardinality(a.options)]
       -- two identical non-unique indexes: report one of them
       AND (cardinality(a.cols) < cardinality(b.cols) OR b.uniq OR a.idx > b.idx)
     ORDER BY 1, 2
"""


def test_no_index_of_our_tables_repeats_another(company):
    with connection.cursor() as cursor:
        cursor.execute(_REPEATED, [connection.schema_name])
        repeated = [row for row in cursor.fetchall()
                    if row[0].split("_")[0] in OUR_APPS and row[0] not in DJANGO_MADE]
    assert repeated == [], "\n".join(f"{table}: {index} is led by {covering}" for table, index, covering in repeated)


def test_the_check_finds_a_repeated_index(company):
    # The check itself can fail: an index that a composite one already leads is reported.
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX probe_repeated_idx ON archives_salesledgerentry (product_batch)")
        cursor.execute(_REPEATED, [connection.schema_name])
        found = {(row[0], row[1]) for row in cursor.fetchall()}
    assert ("archives_salesledgerentry", "probe_repeated_idx") in found
