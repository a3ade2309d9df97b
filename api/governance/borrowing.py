"""The borrowing register (借阅登记) over REST: request, approve / reject, cancel, lend, return,
and the company's borrowing rules. The rules live in governance/services/borrowing.py; loans and
files resolve among what the caller may see (anything else is 404)."""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from dangan.api.archives.customers import page_of
from dangan.api.archives.serializers import READ, WRITE, UserRef, error_responses
from dangan.documents.models import Document
from dangan.governance import selectors
from dangan.governance.models import Loan
from dangan.governance.services import borrowing
from dangan.integrations import openapi
from dangan.integrations.idempotency import IdempotentMixin

# Named for SPECTACULAR_SETTINGS: distinct enum names for distinct choice sets.
LoanState = Loan.State
LoanMedium = Loan.Medium


class LoanOutput(serializers.ModelSerializer):
    borrower = UserRef()
    state = serializers.ChoiceField(choices=Loan.State.choices)
    medium = serializers.ChoiceField(choices=Loan.Medium.choices)
    document_title = serializers.CharField(source="document.title", allow_null=True, default=None)
    location = serializers.JSONField(source="location_snapshot", allow_null=True)

    class Meta:
        model = Loan
        fields = ["id", "number", "customer", "archive_number", "document", "document_title", "medium", "purpose",
                  "due_date", "state", "borrower", "borrower_snapshot", "requested_at", "approver_snapshot",
                  "decided_at", "decision_reason", "cancelled_at", "lent_by_snapshot", "lent_at", "location",
                  "access_grant", "returned_to_snapshot", "returned_at", "return_note", "overdue_since"]


class ReminderOutput(serializers.Serializer):
    sent_on = serializers.DateField()
    days_overdue = serializers.IntegerField()
    recipients = serializers.JSONField()


class LoanDetailOutput(LoanOutput):
    reminders = ReminderOutput(many=True, source="reminders.all")

    class Meta(LoanOutput.Meta):
        fields = [*LoanOutput.Meta.fields, "reminders"]


class LoanFilter(serializers.Serializer):
    state = serializers.ChoiceField(choices=Loan.State.choices, required=False)
    medium = serializers.ChoiceField(choices=Loan.Medium.choices, required=False)
    customer = serializers.IntegerField(required=False, min_value=1)
    borrower = serializers.IntegerField(required=False, min_value=1)
    mine = serializers.BooleanField(required=False, help_text="only my own loans")
    to_decide = serializers.BooleanField(required=False, help_text="only requests I may decide now")
    open = serializers.BooleanField(required=False, help_text="only loans out now (lent or overdue)")
    q = serializers.CharField(required=False, max_length=80, help_text="archive or register number (prefix)")


class LoanRequestInput(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1)
    document = serializers.IntegerField(min_value=1, required=False, allow_null=True,
                                        help_text="one document of the file; empty: the whole file")
    medium = serializers.ChoiceField(choices=Loan.Medium.choices)
    purpose = serializers.CharField(max_length=2000)
    due_date = serializers.DateField()


class NewestFirst(CursorPagination):
    ordering = ("-requested_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _filters(request) -> dict:
    data = LoanFilter(data=request.query_params)
    data.is_valid(raise_exception=True)
    return {key: value for key, value in data.validated_data.items() if value not in (None, "", False)}


class LoanListApi(IdempotentMixin, APIView):
    @extend_schema(parameters=[LoanFilter, OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
                   responses={200: page_of(LoanOutput, "LoanPage"), **error_responses(*READ)},
                   operation_id="loan_list", description="The borrowing register, newest first: my loans, the "
                   "loans of the people I lead, or all of them (custodians, auditors, management).")
    def get(self, request):
        paginator = NewestFirst()
        page = paginator.paginate_queryset(selectors.loan_list(user=request.user, filters=_filters(request)),
                                           request, view=self)
        return paginator.get_paginated_response(LoanOutput(page, many=True).data)

    @extend_schema(request=LoanRequestInput, responses={201: LoanDetailOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="loan_request",
                   description="Ask to borrow a file, or one document of it, electronically (time-boxed "
                               "access) or as the paper original, for a purpose, until a due date.")
    def post(self, request):
        data = LoanRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        # Files the caller may not ask for do not exist for them.
        customer = selectors.requestable_customers(request.user, medium=values["medium"]).filter(
            pk=values.pop("customer")).first()
        if customer is None:
            raise Http404
        document_id = values.pop("document", None)
        document = None
        if document_id is not None:
            document = Document.objects.filter(pk=document_id, customer=customer).first()
            if document is None:
                raise Http404
        loan = borrowing.loan_request(actor=request.user, customer=customer, document=document, **values)
        return Response(LoanDetailOutput(_loan(request, loan.pk)).data, status=status.HTTP_201_CREATED)


def _loan(request, pk: int) -> Loan:
    loan = selectors.loan_detail(user=request.user, pk=pk)
    if loan is None:
        raise Http404
    return loan


class LoanDetailApi(APIView):
    @extend_schema(responses={200: LoanDetailOutput, **error_responses(*READ)}, operation_id="loan_detail")
    def get(self, request, pk: int):
        return Response(LoanDetailOutput(_loan(request, pk)).data)


class LoanDecisionInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class LoanReturnInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class _LoanAction(IdempotentMixin, APIView):
    def act(self, request, pk: int, call):
        loan = _loan(request, pk)
        call(loan)
        return Response(LoanDetailOutput(_loan(request, pk)).data)


class LoanApproveApi(_LoanAction):
    @extend_schema(request=LoanDecisionInput, responses={200: LoanDetailOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="loan_approve",
                   description="Approve a request: the borrower's department head or a configured approver "
                               "role; a classified file only by the confidentiality approvers; never the borrower.")
    def post(self, request, pk: int):
        data = LoanDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self.act(request, pk, lambda loan: borrowing.loan_approve(actor=request.user, loan=loan,
                                                                         **data.validated_data))


class LoanRejectApi(_LoanAction):
    @extend_schema(request=LoanDecisionInput, responses={200: LoanDetailOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="loan_reject",
                   description="Refuse a request; the reason is required.")
    def post(self, request, pk: int):
        data = LoanDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self.act(request, pk, lambda loan: borrowing.loan_reject(actor=request.user, loan=loan,
                                                                        **data.validated_data))


class LoanCancelApi(_LoanAction):
    @extend_schema(request=None, responses={200: LoanDetailOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="loan_cancel",
                   description="The borrower withdraws a request not yet lent.")
    def post(self, request, pk: int):
        return self.act(request, pk, lambda loan: borrowing.loan_cancel(actor=request.user, loan=loan))


class LoanLendApi(_LoanAction):
    @extend_schema(request=None, responses={200: LoanDetailOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="loan_lend",
                   description="A custodian lends an approved loan: the paper original leaves its location, "
                               "or the borrower gets access until the end of the due date.")
    def post(self, request, pk: int):
        return self.act(request, pk, lambda loan: borrowing.loan_lend(actor=request.user, loan=loan))


class LoanReturnApi(_LoanAction):
    @extend_schema(request=LoanReturnInput, responses={200: LoanDetailOutput, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="loan_return",
                   description="A custodian checks the loan in; electronic access is revoked.")
    def post(self, request, pk: int):
        data = LoanReturnInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self.act(request, pk, lambda loan: borrowing.loan_return(actor=request.user, loan=loan,
                                                                        **data.validated_data))


class BorrowingPolicySerializer(serializers.Serializer):
    approver_roles = serializers.ListField(child=serializers.CharField(max_length=150), min_length=1, max_length=20,
                                           help_text="roles that approve loans; 主管 and 部门经理 for their own "
                                                     "departments, the others company-wide")
    max_days = serializers.IntegerField(min_value=1, max_value=borrowing.MAX_DAYS_LIMIT)


class BorrowingPolicyApi(IdempotentMixin, APIView):
    @extend_schema(responses={200: BorrowingPolicySerializer, **error_responses()}, operation_id="borrowing_policy")
    def get(self, request):
        return Response(BorrowingPolicySerializer(borrowing.borrowing_policy()).data)

    @extend_schema(request=BorrowingPolicySerializer,
                   responses={200: BorrowingPolicySerializer, **error_responses(*WRITE)},
                   parameters=[openapi.IDEMPOTENCY_KEY], operation_id="borrowing_policy_set",
                   description="Who approves loans and the longest loan (administrators).")
    def put(self, request):
        data = BorrowingPolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(borrowing.borrowing_policy_set(actor=request.user, **data.validated_data))
