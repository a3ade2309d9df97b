"""The example number on the numbering settings page: the number the next file would get,
computed like the real one but taking nothing from the sequence."""
from __future__ import annotations

import datetime as dt

import pytest

from dangan.archives import numbering
from dangan.archives.models import ArchiveCategory, ClassificationTerm, NumberSequence
from dangan.platform.errors import ApplicationError

TODAY = dt.date(2026, 3, 9)


def test_the_preview_is_the_number_the_next_file_gets_and_takes_nothing(company, new_customer):
    jxs = ArchiveCategory.objects.get(code="jxs")
    east = ClassificationTerm.objects.get(scheme__code="region", code="east")
    year = dt.date.today().year
    assert numbering.preview_next_number(category=jxs, region=east) == f"JXS-EAST-{year}-00001"
    assert numbering.preview_next_number(category=jxs, region=east) == f"JXS-EAST-{year}-00001"
    assert not NumberSequence.objects.exists()
    first = new_customer(region="east")
    assert first.archive_number == f"JXS-EAST-{year}-00001"
    assert numbering.preview_next_number(category=jxs, region=east) == f"JXS-EAST-{year}-00002"
    assert new_customer(region="east").archive_number == f"JXS-EAST-{year}-00002"


def test_a_typed_pattern_is_previewed_with_the_first_region_and_department(company):
    gf = ArchiveCategory.objects.get(code="gf")
    assert numbering.preview_next_number(category=gf, pattern="{category}/{region}/{dept}/{yy}{mm}/{seq:03}",
                                         today=TODAY) == "GF/NORTH/SALES1/2603/001"
    assert numbering.preview_next_number(category=gf, pattern="{category}-{seq}", today=TODAY) == "GF-1"


@pytest.mark.parametrize("pattern, fragment", [("{category}-{yyyy}", "{seq}"), ("{oops}-{seq}", "oops"),
                                               ("A B-{seq}", "only letters")])
def test_an_invalid_pattern_is_refused_like_the_services_refuse_it(company, pattern, fragment):
    with pytest.raises(ApplicationError) as caught:
        numbering.preview_next_number(category=ArchiveCategory.objects.get(code="gf"), pattern=pattern)
    assert caught.value.code == "numbering_pattern_invalid" and fragment in caught.value.message()["en"]
