"""Archive configuration: everyone reads it, tenant administrators change it (volumes: also
custodians), and another company never sees it."""
from django.db import connection

from dangan.archives.models import ArchiveCategory, Customer, Department, Notification

JSON = "application/json"


def test_category_numbering_pattern_is_checked(company, api):
    admin = api(company.admin)
    bad = admin.post("/api/v1/categories/", {"code": "jxd", "name": "经销点", "numbering_pattern": "{category}-{yyyy}"},
                     content_type=JSON)
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "numbering_pattern_invalid"
    assert "numbering_pattern" in bad.json()["error"]["fields"]
    unknown = admin.post("/api/v1/categories/", {"code": "jxd", "name": "经销点", "numbering_pattern": "{city}-{seq}"},
                         content_type=JSON)
    assert unknown.json()["error"]["code"] == "numbering_pattern_invalid"
    created = admin.post("/api/v1/categories/", {"code": "jxd", "name": "经销点",
                                                  "numbering_pattern": "{category}-{region}-{yy}-{seq:04}"},
                         content_type=JSON)
    assert created.status_code == 201 and created.json()["code"] == "jxd"
    category_id = created.json()["id"]
    changed = admin.patch(f"/api/v1/categories/{category_id}/", {"name": "特约经销点", "code": "other"},
                          content_type=JSON)
    assert changed.status_code == 200 and changed.json()["name"] == "特约经销点" and changed.json()["code"] == "jxd"
    number = api(company.owner).post("/api/v1/customers/", {"category": "jxd", "name": "某经销点", "region": "east"},
                                     content_type=JSON).json()["archive_number"]
    assert number.startswith("JXD-EAST-") and number.endswith("-0001")


def test_only_administrators_change_categories_everyone_reads_them(company, api, other_company):
    created = api(company.admin).post("/api/v1/categories/", {"code": "vip", "name": "大客户"}, content_type=JSON).json()
    for person in (company.owner, company.supervisor, company.custodian):
        client = api(person)
        assert "vip" in {c["code"] for c in client.get("/api/v1/categories/").json()}
        refused = client.post("/api/v1/categories/", {"code": "x1", "name": "x"}, content_type=JSON)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
        assert client.patch(f"/api/v1/categories/{created['id']}/", {"name": "x"}, content_type=JSON).status_code == 403
    assert "vip" not in {c["code"] for c in other_company.get("/api/v1/categories/").json()}
    assert other_company.get(f"/api/v1/categories/{created['id']}/").status_code == 404
    assert other_company.patch(f"/api/v1/categories/{created['id']}/", {"name": "x"},
                               content_type=JSON).status_code == 404
    connection.set_tenant(company.tenant)
    assert ArchiveCategory.objects.get(code="vip").name == "大客户"


def test_custom_field_definition_governs_customer_writes(company, api):
    admin, owner = api(company.admin), api(company.owner)
    jxs = ArchiveCategory.objects.get(code="jxs")
    defined = admin.post(f"/api/v1/categories/{jxs.pk}/fields/",
                         {"key": "warehouse_area", "label": "仓库面积（平方米）", "field_type": "number", "required": True},
                         content_type=JSON)
    assert defined.status_code == 201, defined.content
    field_id = defined.json()["id"]
    assert "warehouse_area" in {f["key"] for f in owner.get(f"/api/v1/categories/{jxs.pk}/fields/").json()}
    taken = admin.post(f"/api/v1/categories/{jxs.pk}/fields/",
                       {"key": "warehouse_area", "label": "重复", "field_type": "text"}, content_type=JSON)
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "custom_field_key_taken"

    body = {"category": "jxs", "name": "华联超市", "region": "east"}
    missing = owner.post("/api/v1/customers/", body, content_type=JSON)
    assert missing.status_code == 400 and "custom_fields.warehouse_area" in missing.json()["error"]["fields"]
    wrong = owner.post("/api/v1/customers/", {**body, "custom_fields": {"warehouse_area": "很大"}}, content_type=JSON)
    assert wrong.status_code == 400 and "custom_fields.warehouse_area" in wrong.json()["error"]["fields"]
    ok = owner.post("/api/v1/customers/", {**body, "custom_fields": {"warehouse_area": "1200"}}, content_type=JSON)
    assert ok.status_code == 201 and ok.json()["custom_fields"]["warehouse_area"] == 1200

    relabelled = admin.patch(f"/api/v1/fields/{field_id}/", {"label": "仓储面积"}, content_type=JSON)
    assert relabelled.status_code == 200 and relabelled.json()["label"] == "仓储面积"
    to_choice = admin.patch(f"/api/v1/fields/{field_id}/", {"field_type": "choice",
                                                           "choices": [{"value": "大"}, {"value": "小"}]},
                            content_type=JSON)
    assert to_choice.status_code == 409 and to_choice.json()["error"]["code"] == "custom_field_change_conflict"
    assert api(company.custodian).post(f"/api/v1/fields/{field_id}/deactivate/").status_code == 403
    deactivated = admin.post(f"/api/v1/fields/{field_id}/deactivate/")
    assert deactivated.status_code == 200 and deactivated.json()["is_active"] is False
    assert owner.post("/api/v1/customers/", {**body, "name": "新超市"}, content_type=JSON).status_code == 201
    assert Customer.objects.get(name="华联超市").custom_fields["warehouse_area"] == 1200  # kept after removal


def test_classification_schemes_and_terms(company, api, other_company):
    admin = api(company.admin)
    scheme = admin.post("/api/v1/classification-schemes/", {"code": "channel", "name": "销售渠道"}, content_type=JSON)
    assert scheme.status_code == 201 and scheme.json()["terms"] == []
    term = admin.post("/api/v1/classification-schemes/channel/terms/", {"code": "online", "name": "线上"},
                      content_type=JSON)
    assert term.status_code == 201
    assert admin.post("/api/v1/classification-schemes/channel/terms/", {"code": "online", "name": "又一个"},
                      content_type=JSON).json()["error"]["code"] == "duplicate"
    assert admin.post("/api/v1/classification-schemes/nope/terms/", {"code": "a", "name": "a"},
                      content_type=JSON).status_code == 404
    grade_a = next(t for s in admin.get("/api/v1/classification-schemes/").json() if s["code"] == "grade"
                   for t in s["terms"] if t["code"] == "A")
    renamed = admin.patch(f"/api/v1/terms/{grade_a['id']}/", {"name": "A 级（重点）"}, content_type=JSON)
    assert renamed.status_code == 200 and renamed.json()["name"] == "A 级（重点）"

    owner = api(company.owner)
    schemes = {s["code"]: s for s in owner.get("/api/v1/classification-schemes/").json()}
    assert [t["name"] for t in schemes["channel"]["terms"]] == ["线上"]
    assert owner.post("/api/v1/classification-schemes/", {"code": "x", "name": "x"}, content_type=JSON).status_code == 403
    assert owner.post("/api/v1/classification-schemes/channel/terms/", {"code": "b", "name": "b"},
                      content_type=JSON).status_code == 403
    assert owner.patch(f"/api/v1/terms/{grade_a['id']}/", {"name": "x"}, content_type=JSON).status_code == 403
    assert "channel" not in {s["code"] for s in other_company.get("/api/v1/classification-schemes/").json()}
    assert other_company.post("/api/v1/classification-schemes/channel/terms/", {"code": "c", "name": "c"},
                              content_type=JSON).status_code == 404


def test_departments_and_their_members(company, api, other_company):
    admin = api(company.admin)
    created = admin.post("/api/v1/departments/", {"code": "sales1-a", "name": "销售一部一组",
                                                  "parent": company.sales1.pk, "manager": company.supervisor.pk},
                         content_type=JSON)
    assert created.status_code == 201 and created.json()["parent"] == company.sales1.pk
    department_id = created.json()["id"]
    members = admin.put(f"/api/v1/departments/{department_id}/members/",
                        {"members": [company.owner.pk, company.colleague.pk]}, content_type=JSON)
    assert members.status_code == 200
    assert {m["id"] for m in members.json()["members"]} == {company.owner.pk, company.colleague.pk}
    assert members.json()["manager"]["id"] == company.supervisor.pk
    unknown = admin.put(f"/api/v1/departments/{department_id}/members/", {"members": [company.owner.pk, 999_999]},
                        content_type=JSON)
    assert unknown.status_code == 400 and "members" in unknown.json()["error"]["fields"]
    listed = {d["code"]: d for d in api(company.owner).get("/api/v1/departments/").json()}
    assert listed["sales1-a"]["parent"] == company.sales1.pk
    assert api(company.supervisor).put(f"/api/v1/departments/{department_id}/members/", {"members": []},
                                       content_type=JSON).status_code == 403
    assert api(company.owner).post("/api/v1/departments/", {"code": "x", "name": "x"}, content_type=JSON).status_code == 403
    assert other_company.put(f"/api/v1/departments/{department_id}/members/", {"members": []},
                             content_type=JSON).status_code == 404
    connection.set_tenant(company.tenant)
    assert Department.objects.get(pk=department_id).members.count() == 2


def test_cadence_rules_and_archive_settings(company, api):
    admin, owner = api(company.admin), api(company.owner)
    grade_b = next(t["id"] for s in owner.get("/api/v1/classification-schemes/").json() if s["code"] == "grade"
                   for t in s["terms"] if t["code"] == "B")
    rule = admin.post("/api/v1/cadence-rules/", {"name": "B 级双月", "interval_days": 60, "grade": grade_b},
                      content_type=JSON)
    assert rule.status_code == 201 and rule.json()["grade"]["code"] == "B"
    unscoped = admin.post("/api/v1/cadence-rules/", {"name": "无范围", "interval_days": 30}, content_type=JSON)
    assert unscoped.status_code == 400
    not_a_grade = admin.post("/api/v1/cadence-rules/", {"name": "x", "interval_days": 30, "grade": 999_999},
                             content_type=JSON)
    assert not_a_grade.status_code == 400 and "grade" in not_a_grade.json()["error"]["fields"]
    assert {r["name"] for r in owner.get("/api/v1/cadence-rules/").json()} >= {"重点客户每月更新", "B 级双月"}
    assert owner.post("/api/v1/cadence-rules/", {"name": "x", "interval_days": 30, "is_key_customer": True},
                      content_type=JSON).status_code == 403

    assert owner.get("/api/v1/archive-settings/").json()["creation_deadline_days"] == 7
    changed = admin.patch("/api/v1/archive-settings/", {"creation_deadline_days": 5, "important_fields": ["name"]},
                          content_type=JSON)
    assert changed.status_code == 200 and changed.json()["important_fields"] == ["name"]
    assert owner.patch("/api/v1/archive-settings/", {"creation_deadline_days": 30}, content_type=JSON).status_code == 403
    assert owner.get("/api/v1/archive-settings/").json()["creation_deadline_days"] == 5


def test_the_archive_register(company, api, new_customer, other_company):
    mine, theirs = new_customer(name="甲药店"), new_customer(name="乙药店", actor=company.outsider,
                                                             department=company.sales2.pk)
    refused = api(company.owner).post("/api/v1/volumes/", {"code": "V-1", "name": "x"}, content_type=JSON)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_custodian"
    custodian = api(company.custodian)
    created = custodian.post("/api/v1/volumes/", {"code": "JXS-2026-01", "name": "经销商档案 2026 第 1 册",
                                                  "kind": "volume", "year": 2026, "location": "档案室 A 柜 3 层"},
                             content_type=JSON)
    assert created.status_code == 201 and created.json()["file_count"] == 0
    volume_id = created.json()["id"]
    assigned = custodian.post(f"/api/v1/volumes/{volume_id}/assign/", {"customers": [mine.pk, theirs.pk]},
                              content_type=JSON)
    assert assigned.status_code == 200 and assigned.json()["assigned"] == 2
    assert assigned.json()["volume"]["file_count"] == 2
    register = api(company.owner).get("/api/v1/volumes/").json()["results"]
    assert [(v["code"], v["file_count"]) for v in register] == [("JXS-2026-01", 2)]
    # the owner may not assign, and cannot even name a file they do not see
    assert api(company.owner).post(f"/api/v1/volumes/{volume_id}/assign/", {"customers": [mine.pk]},
                                   content_type=JSON).status_code == 403
    hidden = api(company.owner).post(f"/api/v1/volumes/{volume_id}/assign/", {"customers": [theirs.pk]},
                                     content_type=JSON)
    assert hidden.status_code == 400 and "customers" in hidden.json()["error"]["fields"]
    assert other_company.get("/api/v1/volumes/").json()["results"] == []
    assert other_company.post(f"/api/v1/volumes/{volume_id}/assign/", {"customers": [mine.pk]},
                              content_type=JSON).status_code == 404


def test_notifications_belong_to_their_recipient(company, api, new_customer):
    customer = new_customer()
    note = Notification.objects.create(recipient=company.owner, kind="review_overdue", customer=customer,
                                       message="请及时更新档案")
    owner = api(company.owner)
    listed = owner.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [(n["id"], n["customer"]["archive_number"]) for n in listed] == [(note.pk, customer.archive_number)]
    assert api(company.colleague).get("/api/v1/notifications/").json()["results"] == []
    assert api(company.colleague).post(f"/api/v1/notifications/{note.pk}/read/").status_code == 404
    read = owner.post(f"/api/v1/notifications/{note.pk}/read/")
    assert read.status_code == 200 and read.json()["read_at"]
    assert owner.get("/api/v1/notifications/?unread=true").json()["results"] == []
    assert len(owner.get("/api/v1/notifications/?unread=false").json()["results"]) == 1


def test_all_of_ones_notifications_are_marked_read_at_once(company, api, other_company):
    for message in ("一", "二"):
        Notification.objects.create(recipient=company.owner, kind="x", message=message)
    theirs = Notification.objects.create(recipient=company.colleague, kind="x", message="李四的")
    owner = api(company.owner)
    assert other_company.post("/api/v1/notifications/read-all/").json() == {"marked": 0}  # another company's caller
    assert owner.post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    assert owner.get("/api/v1/notifications/?unread=true").json()["results"] == []
    assert owner.post("/api/v1/notifications/read-all/").json() == {"marked": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None  # nobody else's


def test_values_the_database_cannot_hold_are_refused_not_crashed_on(company, api):
    owner = api(company.owner)
    nul = owner.post("/api/v1/customers/", {"category": "jxs", "name": "某药店", "custom_fields": {"license_no": "沪\x00"}},
                     content_type=JSON)
    assert nul.status_code == 400 and nul.json()["error"]["fields"]["custom_fields"][0]["code"] == \
        "null_characters_not_allowed"
    # "²".isdigit() is true but int("²") raises: such a reference is looked up as a code or name
    superscript = owner.post("/api/v1/customers/", {"category": "²", "name": "某药店"}, content_type=JSON)
    assert superscript.status_code == 400 and superscript.json()["error"]["code"] == "category_required"
    refs = owner.post("/api/v1/customers/", {"category": "jxs", "name": "某药店", "grade": "³", "department": "¹"},
                      content_type=JSON)
    assert refs.status_code == 400 and {"grade", "department"} <= set(refs.json()["error"]["fields"])
    assert not Customer.objects.filter(name="某药店").exists()


def test_a_categorys_default_kind_is_set_and_used_when_a_file_gives_none(company, api):
    admin = api(company.admin)
    categories = {c["code"]: c for c in admin.get("/api/v1/categories/").json()}
    assert (categories["gr"]["default_kind"], categories["jxs"]["default_kind"]) == ("individual", "enterprise")
    bad = admin.patch(f"/api/v1/categories/{categories['jxs']['id']}/", {"default_kind": "alien"}, content_type=JSON)
    assert bad.status_code == 400 and "default_kind" in bad.json()["error"]["fields"]
    changed = admin.patch(f"/api/v1/categories/{categories['jxs']['id']}/", {"default_kind": "individual"},
                          content_type=JSON)
    assert changed.status_code == 200 and changed.json()["default_kind"] == "individual"
    created = api(company.owner).post("/api/v1/customers/", {"category": categories["jxs"]["id"], "name": "赵六"},
                                      content_type=JSON)
    assert created.status_code == 201, created.json()
    assert created.json()["kind"] == "individual"
