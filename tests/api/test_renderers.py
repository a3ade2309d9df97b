"""The API's JSON renderer writes exactly what DRF's JSONRenderer writes (api/renderers.py)."""
import datetime as dt
import decimal
import uuid
import zoneinfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from dangan.api.renderers import FastJSONRenderer

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

PAYLOAD = {
    "results": [{"id": 9_007_199_254_740_993, "name": "北京同仁堂药店", "contacts": [{"phone": "138****5678"}],
                 "created_at": dt.datetime(2026, 3, 1, 8, 30, 0, 120000, tzinfo=dt.timezone.utc),
                 "updated_at": dt.datetime(2026, 3, 1, 16, 30, tzinfo=SHANGHAI),
                 "naive": dt.datetime(2026, 3, 1, 8, 30), "sale_date": dt.date(2026, 3, 1),
                 "opens": dt.time(9, 0), "quantity": decimal.Decimal("120.000"), "uuid": uuid.UUID(int=7),
                 "is_key": True, "grade": None, "tags": ("A", "B"), "ratio": 0.1}],
    "message": gettext_lazy("客户档案"),
    1: "an integer key", "separators": "line\u2028paragraph\u2029end", "empty": {}, "nested": [[], [{}]],
}


@pytest.mark.parametrize("data", [PAYLOAD, [], {}, "text", 12, None, {"big": 2**70}])
def test_it_writes_the_bytes_drf_writes(data):
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_pretty_printing_is_drfs():
    indented = FastJSONRenderer().render(PAYLOAD, "application/json; indent=4")
    assert indented == JSONRenderer().render(PAYLOAD, "application/json; indent=4")
    assert b"\n    " in indented


def test_the_api_answers_through_it(company, tenant_client, new_customer):
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_RENDERER_CLASSES[0] is FastJSONRenderer
    new_customer()
    client = tenant_client(company.tenant)
    client.force_login(company.owner)
    response = client.get("/api/v1/customers/")
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, FastJSONRenderer)
    assert response.content == JSONRenderer().render(response.data)
    assert response.json()["results"][0]["name"] == "北京同仁堂药店"


def test_an_error_answer_keeps_its_shape(company, tenant_client):
    response = tenant_client(company.tenant).get("/api/v1/customers/")  # not signed in
    assert response.status_code in (401, 403)
    assert set(response.json()["error"]) >= {"code", "message"}
