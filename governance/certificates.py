"""The destruction certificate (销毁证明): a PDF per destroyed file, in Chinese (reportlab's
built-in CID font STSong-Light, so no font file ships with the app)."""
from __future__ import annotations

import io

from django.utils import timezone

FONT = "STSong-Light"


def destruction_certificate(*, company: str, batch_number: str, record: dict) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)  # invariant: same input, same bytes
    pdf.setTitle(f"档案销毁证明 {record['archive_number']}")
    width, height = A4
    y = height - 30 * mm

    def line(text: str, size: int = 11, gap: float = 7 * mm) -> None:
        nonlocal y
        if y < 25 * mm:
            pdf.showPage()
            y = height - 25 * mm
        pdf.setFont(FONT, size)
        pdf.drawString(20 * mm, y, text)
        y -= gap

    pdf.setFont(FONT, 18)
    pdf.drawCentredString(width / 2, y, "档案销毁证明")
    y -= 14 * mm
    line(f"单位：{company}")
    line(f"销毁清册编号：{batch_number}")
    line(f"档案编号：{record['archive_number']}")
    line(f"档案类别：{record['category'].get('name', '')}（{record['category'].get('code', '')}）")
    dates = record["dates"]
    line(f"建档：{dates.get('created') or '—'}    归档：{dates.get('filed') or '—'}    "
         f"封存：{dates.get('archived') or '—'}")
    line(f"保管期限至：{dates.get('retain_until') or '—'}    依据：{record['retention_rule'].get('rule_name') or '—'}"
         f"（{record['retention_rule'].get('component') or '—'}）")
    line(f"销毁内容摘要（SHA-256）：{record['content_sha256']}", size=9)
    line(f"销毁存储对象：{len(record['object_hashes'])} 个", size=11)
    for item in record["object_hashes"][:40]:
        line(f"  {item.get('key') or item.get('prefix')}  {item.get('sha256', '')}", size=7, gap=4.5 * mm)
    y -= 3 * mm
    line("审批：", size=12)
    for approval in record["approvals"]:
        who = approval["approver"]
        departments = "、".join(d["name"] for d in who.get("departments", [])) or "—"
        line(f"  第 {approval['step'] + 1} 级  {approval['role']}  {who.get('name')}（{who.get('email')}，"
             f"{departments}）  {approval['at']}", size=9, gap=5.5 * mm)
    executor = record["executor"]
    line(f"执行：{executor.get('name')}（{executor.get('via')}）  {record['executed_at']}")
    y -= 6 * mm
    line(f"本证明由系统于 {timezone.localtime():%Y-%m-%d %H:%M} 生成，销毁事件已记入审计链。", size=9)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
