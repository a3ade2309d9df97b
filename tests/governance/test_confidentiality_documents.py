"""Classified documents against the real S3 server: never a presigned URL of the bytes or the
preview, hidden without access, read page by page as watermarked images — each view in the
query log."""
import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from dangan.accounts.models import User
from dangan.documents import selectors as document_selectors
from dangan.documents.models import DocumentVersion
from dangan.documents.services import downloads, uploads
from dangan.governance import watermark
from dangan.governance.models import AccessRecord, ConfidentialityLevel
from dangan.governance.services import confidentiality as conf
from dangan.platform.errors import ApplicationError
from tests.documents.conftest import clean_bucket, docs, run_tasks, store  # noqa: F401
from tests.documents.helpers import http_put, sha


def code_of(call) -> str:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value.code


def fresh(user):
    return User.objects.get(pk=user.pk)


def white_tiff(pages: int = 3) -> bytes:
    frames = [Image.new("RGB", (420, 594), "white") for _ in range(pages)]
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:])
    return out.getvalue()


@pytest.fixture
def upload(docs, run_tasks):  # noqa: F811
    def make(customer, data: bytes, filename: str) -> DocumentVersion:
        instructions = uploads.upload_start(actor=docs.owner, customer=customer, filename=filename, size=len(data),
                                            sha256=sha(data), document_fields={"document_type": "contract"})
        assert http_put(instructions.url, data, instructions.headers)[0] == 200
        with run_tasks():
            uploads.upload_complete(actor=docs.owner, version=instructions.version)
        version = DocumentVersion.objects.get(pk=instructions.version.pk)
        assert version.upload_state == "available"
        return version

    return make


@pytest.fixture
def customer(docs, new_customer):  # noqa: F811
    return new_customer(name="合同客户")


def version_for(user, version):
    return document_selectors.version_detail(user=fresh(user), pk=version.pk)


def test_a_classified_document_is_hidden_then_read_only_as_watermarked_pages(docs, customer, upload):  # noqa: F811
    secret = ConfidentialityLevel.objects.get(code="secret")
    version = upload(customer, white_tiff(3), "机密合同.tif")
    plain = upload(customer, white_tiff(1), "普通资料.tif")
    document = conf.document_confidentiality_set(actor=docs.custodian, document=version.document, level=secret,
                                                 reason="合同价格保密")
    # Without access the document does not exist; its file and other documents still do.
    listed = {d.pk for d in document_selectors.document_list(user=fresh(docs.owner), customer_id=customer.pk)}
    assert listed == {plain.document_id}
    assert version_for(docs.owner, version) is None
    assert not document_selectors.document_search(user=fresh(docs.owner), q="合同").filter(pk=document.pk).exists()

    until = timezone.now() + dt.timedelta(days=1)
    conf.grant_time_boxed_access(actor=docs.custodian, user=docs.owner, customer=customer, document=document,
                                 until=until, reason="借阅 JY-7", source="borrowing", source_id=7)
    seen = version_for(docs.owner, version)
    assert seen is not None
    # Never downloadable or previewable as a file, grant or not.
    assert code_of(lambda: downloads.download_issue(actor=docs.owner, version=seen)) == "classified_not_downloadable"
    assert code_of(lambda: downloads.thumbnail_link(version=seen)) == "classified_not_downloadable"
    assert downloads.download_issue(actor=docs.owner, version=version_for(docs.owner, plain)).url

    viewable = document_selectors.document_detail(user=fresh(docs.owner), pk=document.pk)
    before = AccessRecord.objects.filter(action="view", object_id=str(document.pk)).count()
    page = conf.document_page_view(actor=fresh(docs.owner), document=viewable, page=2)
    image = Image.open(io.BytesIO(page))
    assert image.format == "JPEG" and image.size == (420, 594)
    # The page was plain white: the watermark's text covers it now, corner to corner.
    def marked(box) -> int:
        return sum(image.crop(box).convert("L").histogram()[:235])

    assert marked((0, 0, 420, 594)) > 5000
    assert all(marked(box) > 200 for box in [(0, 0, 210, 297), (210, 0, 420, 297), (0, 297, 210, 594),
                                             (210, 297, 420, 594)])
    record = AccessRecord.objects.filter(action="view", object_id=str(document.pk)).latest("id")
    assert AccessRecord.objects.filter(action="view", object_id=str(document.pk)).count() == before + 1
    assert record.user_id == docs.owner.pk and record.query["page"] == 2 and record.customer_ids == [customer.pk]
    assert code_of(lambda: conf.document_page_view(actor=fresh(docs.owner), document=viewable, page=4)) == \
        "document_page_out_of_range"
    # Someone without access who somehow holds the object gets nothing.
    assert code_of(lambda: conf.document_page_view(actor=fresh(docs.colleague), document=viewable, page=1)) == \
        "classified_access_required"


def test_a_file_grant_covers_its_documents_and_a_cleared_member_reads_them(docs, customer, upload,  # noqa: F811
                                                                          person):
    from dangan.accounts import roles

    version = upload(customer, white_tiff(1), "档案资料.tif")
    conf.customer_confidentiality_set(actor=docs.custodian, customer=customer,
                                      level=ConfidentialityLevel.objects.get(code="confidential"), reason="机密")
    assert version_for(docs.owner, version) is None and version_for(docs.custodian, version) is None
    conf.grant_time_boxed_access(actor=docs.custodian, user=docs.owner, customer=customer,
                                 until=timezone.now() + dt.timedelta(hours=2), reason="查阅", source="request")
    assert version_for(docs.owner, version) is not None
    assert code_of(lambda: downloads.download_issue(actor=docs.owner, version=version_for(docs.owner, version))) == \
        "classified_not_downloadable"
    # A member of 销售一部 cleared 机密 reads it without a grant; a cleared non-member does not.
    deputy = person("fu@x.cn", "冯副总", roles.DEPUTY_MANAGER)
    for user in (docs.supervisor, deputy):
        conf.clearance_set(actor=docs.admin, user=user, level=ConfidentialityLevel.objects.get(code="confidential"),
                           reason="授权")
    assert version_for(docs.supervisor, version) is not None
    assert version_for(deputy, version) is None


def test_the_watermark_falls_back_without_a_cjk_font(monkeypatch):
    monkeypatch.setattr(watermark, "_font_path", lambda: ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", False))
    text = watermark.watermark_text(name="张三", email="zhang@x.cn", user_id=5, at_text="2026-11-27 09:00:00")
    assert text.isascii() and "zhang@x.cn" in text and "2026-11-27 09:00:00" in text
    monkeypatch.setattr(watermark, "_font_path", lambda: (None, False))  # no font file at all
    marked = watermark.apply_watermark(Image.new("RGB", (300, 400), "white"), text)
    assert marked.size == (300, 400) and marked.getextrema() != ((255, 255), (255, 255), (255, 255))
