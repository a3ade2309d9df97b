"""Confidentiality (密级): the level catalogue and policy, levels of files and documents, users'
clearances, access requests (查阅申请) and the time-boxed access grants they — or electronic
loans of the borrowing register — create. The viewing rule itself is in governance/selectors.py.

Rules enforced here (each tested, with its forbidden case):
- levels of files/documents are set only here, by custodians or tenant administrators, with an
  audit event; the ordinary customer/document write paths have no such field;
- a classified level needs the file to have an owning department (only its members may ever
  be given access);
- a request is made by a member of the owning department who can see the file by ordinary
  scoping, with a reason and a number of days (≤ the policy's maximum);
- it is decided by a holder of an approver role (default 副总经理 / 总经理, read at the moment of
  deciding), never the requester, with the file in the approver's scope; a decided request is
  never decided again (row lock, 409);
- approval creates an AccessGrant until now + days; grants are revocable, expire by time.

Audit summaries name records, never customer content: the free-text reasons of requests,
decisions and grants stay on their rows. Level and clearance changes keep their reason in the
event — it is the only record of why, and it is a statement of policy, not file content.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dangan.accounts import roles, two_factor
from dangan.platform.errors import ApplicationError, ErrorCode

from .. import errors
from ..models import AccessGrant, AccessRequest, ConfidentialityLevel, ConfidentialityPolicy
from .audit import actor_snapshot, audit_record

# "凡查阅密级的档案，须经本部门主管副经理以上领导批准" (seed policy 3.5.1): deputy manager and above.
DEFAULT_APPROVER_ROLES = (roles.DEPUTY_MANAGER, roles.GENERAL_MANAGER)
# code, name, rank, requires approval — ranks spaced so a company can insert levels between.
DEFAULT_LEVELS = [
    ("public", "公开", 0, False, "可在公司内按权限查看"),
    ("internal", "内部", 10, False, "仅限公司内部按权限查看"),
    ("secret", "秘密", 20, True, "查阅须经副总经理以上批准，限本部门，不得复印或摘抄"),
    ("confidential", "机密", 30, True, "查阅须经副总经理以上批准，限本部门，不得复印或摘抄"),
]
# Whatever the policy says, no grant outlives a year: a forgotten grant must still end.
MAX_GRANT = dt.timedelta(days=366)

LEVEL_INVALID = ErrorCode("confidentiality_level_invalid", "密级“{level}”不存在。",
                          "There is no confidentiality level “{level}”.")
LEVEL_TAKEN = ErrorCode("confidentiality_level_taken", "密级的代码、名称或级别“{value}”已被使用。",
                        "The level code, name or rank “{value}” is taken.", 409)
LEVEL_IN_USE = ErrorCode("confidentiality_level_in_use", "密级“{level}”仍在使用（档案、资料或人员密级），不能删除。",
                         "The level “{level}” is still used by files, documents or clearances.", 409)
LEVELS_NOT_MONOTONIC = ErrorCode("confidentiality_levels_not_monotonic",
                                 "查阅需审批的密级必须是级别最高的若干级。",
                                 "Levels that need approval must be the highest-ranked ones.")
SET_NOT_ALLOWED = ErrorCode("confidentiality_not_allowed", "只有档案管理员或系统管理员可以设定密级。",
                            "Only custodians and tenant administrators set confidentiality levels.", 403)
NEEDS_DEPARTMENT = ErrorCode("confidentiality_needs_department", "该档案未指定所属部门，不能设为需审批的密级。",
                             "A file needs an owning department before it can be classified.")
NOT_CLASSIFIED = ErrorCode("access_request_not_classified", "该档案/资料不是密级档案，无需申请查阅。",
                           "The file or document is not classified; no request is needed.")
NOT_MEMBER = ErrorCode("access_request_not_member", "只有档案所属部门的成员可以申请查阅密级档案。",
                       "Only members of the file's owning department may be given access.", 403)
DAYS_INVALID = ErrorCode("access_request_days_invalid", "查阅天数须在 1 至 {max} 天之间。",
                         "The number of days must be between 1 and {max}.")
SELF_APPROVAL = ErrorCode("access_request_self_approval", "不能审批自己的查阅申请。",
                          "Nobody decides their own access request.", 403)
APPROVER_ROLE = ErrorCode("access_request_approver_role", "查阅申请须由“{roles}”审批。",
                          "Access requests are decided by: {roles}.", 403)
REQUEST_DECIDED = ErrorCode("access_request_decided", "该查阅申请已处理（{state}）。",
                            "The access request was already decided ({state}).", 409)
GRANT_UNTIL_INVALID = ErrorCode("access_grant_until_invalid", "授权截止时间须晚于现在，且不超过一年。",
                                "A grant must end in the future and within a year.")
GRANT_SELF = ErrorCode("access_grant_self", "不能给自己授权查阅。", "Nobody grants access to themselves.", 403)
GRANT_REVOKED = ErrorCode("access_grant_revoked", "该授权已撤销。", "The grant was already revoked.", 409)
GRANT_SOURCE_INVALID = ErrorCode("access_grant_source_invalid", "未知的授权来源“{source}”。",
                                 "Unknown grant source “{source}”.")
GRANT_DOCUMENT_MISMATCH = ErrorCode("access_grant_document_mismatch", "该资料不属于此档案。",
                                    "The document does not belong to this file.")
REVOKE_NOT_ALLOWED = ErrorCode("access_grant_revoke_not_allowed", "您无权撤销此授权。",
                               "You may not revoke this grant.", 403)
ROLES_INVALID = ErrorCode("confidentiality_approver_roles_invalid", "审批角色须为已有角色，至少一个。",
                          "Approver roles must be existing roles, at least one.")
CLASSIFIED_NOT_DOWNLOADABLE = ErrorCode(
    "classified_not_downloadable", "密级资料不提供下载或复制，只能在线查看带水印的页面图像。",
    "Classified documents are never downloadable; view their watermarked page images instead.", 403)


def _require_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(errors.REASON_REQUIRED, field=field)
    return reason[:2000]


def _require_admin(actor) -> None:
    if not roles.is_tenant_admin(actor):
        raise ApplicationError(errors.FORBIDDEN)


def _require_manager(actor) -> None:
    from ..selectors import manages_confidentiality

    if not manages_confidentiality(actor):
        raise ApplicationError(SET_NOT_ALLOWED)


def level_by_code(code: str | None) -> ConfidentialityLevel | None:
    """A level named by code (or id); empty means unclassified."""
    if code in (None, ""):
        return None
    code = str(code)
    level = ConfidentialityLevel.objects.filter(code=code).first()
    if level is None and code.isascii() and code.isdigit() and len(code) < 19:  # a bigint id
        level = ConfidentialityLevel.objects.filter(pk=int(code)).first()
    if level is None:
        raise ApplicationError(LEVEL_INVALID, field="level", level=code)
    return level


# --- the catalogue and the policy (administrators) --------------------------------------------------

def _check_catalogue() -> None:
    """Approval is needed from some rank upwards: no unclassified level above a classified one."""
    levels = list(ConfidentialityLevel.objects.order_by("rank").values_list("requires_approval", flat=True))
    if any(earlier and not later for earlier, later in zip(levels, levels[1:])):
        raise ApplicationError(LEVELS_NOT_MONOTONIC)


def _check_unique(level: ConfidentialityLevel) -> None:
    others = ConfidentialityLevel.objects.exclude(pk=level.pk)
    for name in ("code", "name", "rank"):
        if others.filter(**{name: getattr(level, name)}).exists():
            raise ApplicationError(LEVEL_TAKEN, field=name, value=getattr(level, name))


@transaction.atomic
def level_create(*, actor, code: str, name: str, rank: int, requires_approval: bool = False,
                 description: str = "") -> ConfidentialityLevel:
    _require_admin(actor)
    level = ConfidentialityLevel(code=code, name=(name or "").strip(), rank=rank,
                                 requires_approval=requires_approval, description=description or "")
    _check_unique(level)
    level.full_clean()
    level.save()
    _check_catalogue()
    audit_record(actor=actor, action="confidentiality.level_create", obj=level,
                 summary={"code": level.code, "name": level.name, "rank": level.rank,
                          "requires_approval": level.requires_approval})
    return level


@transaction.atomic
def level_update(*, actor, level: ConfidentialityLevel, **changes) -> ConfidentialityLevel:
    """Rename, re-rank or re-describe a level; the code stays (clearances name it)."""
    _require_admin(actor)
    level = ConfidentialityLevel.objects.select_for_update().get(pk=level.pk)
    before = {name: getattr(level, name) for name in ("name", "rank", "requires_approval", "description")}
    for name in before:
        if name in changes and changes[name] is not None:
            setattr(level, name, changes[name].strip() if isinstance(changes[name], str) else changes[name])
    _check_unique(level)
    level.full_clean()
    level.save()
    _check_catalogue()
    after = {name: getattr(level, name) for name in before}
    audit_record(actor=actor, action="confidentiality.level_update", obj=level,
                 summary={"code": level.code, "changes": {k: [before[k], after[k]] for k in before
                                                          if before[k] != after[k]}})
    return level


@transaction.atomic
def level_delete(*, actor, level: ConfidentialityLevel) -> None:
    from dangan.accounts.models import User
    from dangan.archives.models import Customer
    from dangan.documents.models import Document

    _require_admin(actor)
    if (Customer.objects.filter(confidentiality=level).exists() or Document.objects.filter(
            confidentiality=level).exists() or User.objects.filter(clearance=level.code).exists()):
        raise ApplicationError(LEVEL_IN_USE, level=level.name)
    summary = {"code": level.code, "name": level.name}
    audit_record(actor=actor, action="confidentiality.level_delete", obj=level, summary=summary)
    level.delete()


@transaction.atomic
def policy_set(*, actor, approver_roles: list[str] | None = None,
               max_grant_days: int | None = None) -> ConfidentialityPolicy:
    from django.contrib.auth.models import Group

    from ..selectors import confidentiality_policy

    _require_admin(actor)
    policy = confidentiality_policy()
    if approver_roles is not None:
        cleaned = sorted({str(role).strip() for role in approver_roles if str(role).strip()})
        known = set(Group.objects.values_list("name", flat=True))
        if not cleaned or not set(cleaned) <= known:
            raise ApplicationError(ROLES_INVALID, field="approver_roles")
        policy.approver_roles = cleaned
    if max_grant_days is not None:
        if not 1 <= int(max_grant_days) <= MAX_GRANT.days:
            raise ApplicationError(DAYS_INVALID, field="max_grant_days", max=MAX_GRANT.days)
        policy.max_grant_days = int(max_grant_days)
    policy.save()
    audit_record(actor=actor, action="confidentiality.policy_set", obj=policy,
                 summary={"approver_roles": policy.approver_roles, "max_grant_days": policy.max_grant_days})
    return policy


# --- levels of files and documents, clearances -----------------------------------------------------

def _level_ref(level: ConfidentialityLevel | None) -> str | None:
    return level.code if level else None


@transaction.atomic
def customer_confidentiality_set(*, actor, customer, level: ConfidentialityLevel | None, reason: str):
    """Set (or clear, with None) the level of a file: custodians and administrators, with a reason."""
    from dangan.archives.models import Customer

    _require_manager(actor)
    reason = _require_reason(reason)
    customer = Customer.objects.select_for_update(of=("self",)).select_related("confidentiality").get(pk=customer.pk)
    if level is not None and level.requires_approval and customer.department_id is None:
        raise ApplicationError(NEEDS_DEPARTMENT, field="level")
    before = customer.confidentiality
    Customer.objects.filter(pk=customer.pk).update(confidentiality=level)
    customer.confidentiality = level
    audit_record(actor=actor, action="confidentiality.customer_set", obj=customer,
                 summary={"archive_number": customer.archive_number, "from": _level_ref(before),
                          "to": _level_ref(level), "reason": reason})
    return customer


@transaction.atomic
def document_confidentiality_set(*, actor, document, level: ConfidentialityLevel | None, reason: str):
    """Set (or clear) the level of one document; the stricter of it and its file's governs."""
    from dangan.documents.models import Document

    _require_manager(actor)
    reason = _require_reason(reason)
    document = Document.objects.select_for_update(of=("self",)).select_related("customer", "confidentiality") \
        .get(pk=document.pk)
    if level is not None and level.requires_approval and document.customer.department_id is None:
        raise ApplicationError(NEEDS_DEPARTMENT, field="level")
    before = document.confidentiality
    Document.objects.filter(pk=document.pk).update(confidentiality=level)
    document.confidentiality = level
    audit_record(actor=actor, action="confidentiality.document_set", obj=document,
                 summary={"customer": document.customer_id, "from": _level_ref(before), "to": _level_ref(level),
                          "reason": reason})
    return document


@transaction.atomic
def clearance_set(*, actor, user, level: ConfidentialityLevel | None, reason: str):
    """A user's clearance (administrators only, never their own)."""
    from dangan.accounts.models import User

    _require_admin(actor)
    if actor.pk == user.pk:
        raise ApplicationError(GRANT_SELF)
    reason = _require_reason(reason)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = user.clearance
    User.objects.filter(pk=user.pk).update(clearance=_level_ref(level) or "")
    user.clearance = _level_ref(level) or ""
    audit_record(actor=actor, action="confidentiality.clearance_set", obj=user,
                 summary={"user": user.email, "from": before or None, "to": user.clearance or None, "reason": reason})
    return user


# --- the interface of grants (also used by the borrowing register) ---------------------------------

@transaction.atomic
def grant_time_boxed_access(*, actor, user, customer, document=None, until: dt.datetime, reason: str,
                            source: str, source_id=None) -> AccessGrant:
    """Let `user` view `customer` (or one `document` of it) until `until`. For a classified
    target the user must belong to the owning department; nobody grants to themselves. The
    caller (an approved request, a lent electronic loan) has made the decision."""
    from ..selectors import is_classified, is_department_member

    if source not in AccessGrant.Source.values:
        raise ApplicationError(GRANT_SOURCE_INVALID, source=source)
    if getattr(actor, "pk", None) is not None and actor.pk == user.pk:
        raise ApplicationError(GRANT_SELF)
    reason = _require_reason(reason)
    now = timezone.now()
    if until is None or timezone.is_naive(until) or until <= now or until > now + MAX_GRANT:
        raise ApplicationError(GRANT_UNTIL_INVALID, field="until")
    if document is not None and document.customer_id != customer.pk:
        raise ApplicationError(GRANT_DOCUMENT_MISMATCH, field="document")
    if is_classified(customer, document) and not is_department_member(user, customer):
        raise ApplicationError(NOT_MEMBER)
    grant = AccessGrant.objects.create(
        user=user, customer=customer, document=document, reason=reason, source=source,
        source_id="" if source_id is None else str(source_id)[:64], granted_by=actor_snapshot(actor), until=until)
    audit_record(actor=actor, action="confidentiality.grant", obj=grant,
                 summary={"user": user.pk, "customer": customer.pk, "document": getattr(document, "pk", None),
                          "until": until, "source": source, "source_id": grant.source_id})
    return grant


@transaction.atomic
def revoke_access_grant(*, actor, grant: AccessGrant, reason: str) -> AccessGrant:
    """End a grant before its time: managers (custodians, administrators), approvers, or
    whoever granted it (e.g. the custodian checking an electronic loan back in)."""
    from ..selectors import confidentiality_policy, manages_confidentiality

    grant = AccessGrant.objects.select_for_update().get(pk=grant.pk)
    if not (manages_confidentiality(actor) or roles.has_role(actor, *confidentiality_policy().approver_roles)
            or (grant.granted_by or {}).get("id") == getattr(actor, "pk", None)):
        raise ApplicationError(REVOKE_NOT_ALLOWED)
    if grant.revoked_at is not None:
        raise ApplicationError(GRANT_REVOKED)
    reason = _require_reason(reason)
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor_snapshot(actor)
    grant.revoke_reason = reason
    grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(actor=actor, action="confidentiality.revoke", obj=grant,
                 summary={"user": grant.user_id, "customer": grant.customer_id})
    return grant


# --- access requests (查阅申请) --------------------------------------------------------------------

@transaction.atomic
def access_request_create(*, actor, customer, document=None, reason: str, days: int) -> AccessRequest:
    from dangan.archives.selectors import customers_in_scope

    from ..selectors import confidentiality_policy, is_classified, is_department_member

    # Ordinary scoping first; a file out of reach answers as if it did not exist.
    if not customers_in_scope(actor).filter(pk=customer.pk).exists():
        from dangan.platform.errors import NOT_FOUND

        raise ApplicationError(NOT_FOUND)
    if document is not None and document.customer_id != customer.pk:
        raise ApplicationError(GRANT_DOCUMENT_MISMATCH, field="document")
    if not is_classified(customer, document):
        raise ApplicationError(NOT_CLASSIFIED)
    if not is_department_member(actor, customer):
        raise ApplicationError(NOT_MEMBER)
    reason = _require_reason(reason)
    limit = confidentiality_policy().max_grant_days
    if not isinstance(days, int) or not 1 <= days <= limit:
        raise ApplicationError(DAYS_INVALID, field="days", max=limit)
    request = AccessRequest.objects.create(customer=customer, document=document, requester=actor,
                                           requester_snapshot=actor_snapshot(actor), reason=reason, days=days)
    audit_record(actor=actor, action="confidentiality.request", obj=request,
                 summary={"customer": customer.pk, "document": getattr(document, "pk", None), "days": days})
    return request


def _lock_pending(request: AccessRequest) -> AccessRequest:
    request = AccessRequest.objects.select_for_update(of=("self",)).select_related("customer", "document", "requester") \
        .get(pk=request.pk)
    if request.state != AccessRequest.State.PENDING:
        raise ApplicationError(REQUEST_DECIDED, state=request.get_state_display())
    return request


def _require_approver(actor, request: AccessRequest) -> None:
    from dangan.accounts.models import User
    from dangan.archives.selectors import customers_in_scope

    from ..selectors import confidentiality_policy

    if actor.pk == request.requester_id:
        raise ApplicationError(SELF_APPROVAL)
    approver_roles = confidentiality_policy().approver_roles
    # Roles as they are now in the database, never a cache of the request.
    fresh = User.objects.get(pk=actor.pk)
    if not roles.has_role(fresh, *approver_roles) or not fresh.is_active:
        raise ApplicationError(APPROVER_ROLE, roles="、".join(approver_roles))
    if not customers_in_scope(fresh).filter(pk=request.customer_id).exists():
        raise ApplicationError(APPROVER_ROLE, roles="、".join(approver_roles))
    # Under the company's two-factor rule only a session verified with a code decides (accounts/two_factor.py).
    two_factor.require_verified_approver(actor)


@transaction.atomic
def access_request_approve(*, actor, request: AccessRequest, reason: str = "") -> AccessRequest:
    """Approve: a grant for the requested days from now. The requester must still belong to the
    owning department (checked again by the grant)."""
    request = _lock_pending(request)
    _require_approver(actor, request)
    grant = grant_time_boxed_access(
        actor=actor, user=request.requester, customer=request.customer, document=request.document,
        until=timezone.now() + dt.timedelta(days=request.days), reason=request.reason,
        source=AccessGrant.Source.REQUEST, source_id=request.pk)
    request.state = AccessRequest.State.APPROVED
    request.decided_by = actor
    request.decided_by_snapshot = actor_snapshot(actor)
    request.decided_at = timezone.now()
    request.decision_reason = (reason or "").strip()[:2000]
    request.grant = grant
    request.save()
    audit_record(actor=actor, action="confidentiality.request_approve", obj=request,
                 summary={"grant": grant.pk, "until": grant.until})
    return request


@transaction.atomic
def access_request_reject(*, actor, request: AccessRequest, reason: str) -> AccessRequest:
    request = _lock_pending(request)
    _require_approver(actor, request)
    request.state = AccessRequest.State.REJECTED
    request.decided_by = actor
    request.decided_by_snapshot = actor_snapshot(actor)
    request.decided_at = timezone.now()
    request.decision_reason = _require_reason(reason)
    request.save()
    audit_record(actor=actor, action="confidentiality.request_reject", obj=request,
                 summary={"customer": request.customer_id})
    return request


# --- seeding -------------------------------------------------------------------------------------

def seed_confidentiality() -> None:
    """The default catalogue and policy of a new company (governance/seeding.py)."""
    ConfidentialityLevel.objects.bulk_create(
        [ConfidentialityLevel(code=code, name=name, rank=rank, requires_approval=approval, description=text)
         for code, name, rank, approval, text in DEFAULT_LEVELS], ignore_conflicts=True)
    if not ConfidentialityPolicy.objects.exists():
        ConfidentialityPolicy.objects.create(approver_roles=list(DEFAULT_APPROVER_ROLES))


# --- reading a document as watermarked page images ------------------------------------------------

PAGE_OUT_OF_RANGE = ErrorCode("document_page_out_of_range", "该资料没有第 {page} 页（共 {pages} 页）。",
                              "The document has no page {page} (it has {pages}).", 404)
PAGE_NOT_AVAILABLE = ErrorCode("document_page_not_available", "该资料暂无可查看的版本。",
                               "The document has no available version to view.", 409)
CONTENT_ACCESS_REQUIRED = ErrorCode("classified_access_required", "查看密级资料须有经批准的查阅授权。",
                                    "Viewing a classified document needs an approved access grant.", 403)


def document_page_view(*, actor, document, page: int, request=None) -> bytes:
    """One page of the document's current version as a JPEG watermarked with the viewer's name
    and the time; every page view is recorded in the query log (查询记录). The caller found the
    document through documents.selectors (scoping and the viewing rule); checked again here."""
    from dangan.documents.models import UploadState

    from .. import watermark
    from ..models import AccessRecord
    from ..selectors import can_view_content
    from .access import access_record

    if not can_view_content(actor, document.customer, document):
        raise ApplicationError(CONTENT_ACCESS_REQUIRED)
    version = document.current_version
    if version is None or version.upload_state != UploadState.AVAILABLE or version.object_missing_at is not None:
        raise ApplicationError(PAGE_NOT_AVAILABLE)
    pages = version.page_count or 1
    if page < 1 or page > pages:
        raise ApplicationError(PAGE_OUT_OF_RANGE, page=page, pages=pages)
    at_text = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    text = watermark.watermark_text(name=getattr(actor, "full_name", ""), email=getattr(actor, "email", ""),
                                    user_id=getattr(actor, "pk", None), at_text=at_text)
    try:
        image = watermark.page_image(object_key=version.object_key, mime=version.mime_type, page=page,
                                     page_count=pages, text=text)
    except watermark.PageOutOfRange:
        raise ApplicationError(PAGE_OUT_OF_RANGE, page=page, pages=pages) from None
    access_record(actor=actor, action=AccessRecord.Action.VIEW, obj=document, customer_ids=[document.customer_id],
                  query={"page": page, "version": version.pk, "watermarked": True}, request=request)
    return image
