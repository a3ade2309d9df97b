from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dangan.accounts import lockout, signin_errors, two_factor
from dangan.api.archives.serializers import error_responses
from dangan.api.writable import RejectProtectedFields
from dangan.platform.errors import ApplicationError


class TokenObtainApi(APIView):
    """Exchange e-mail and password (and, when the user has two-factor on or the company
    requires it, the current code) for the user's API token.

    Failed passwords count toward the same lockout as the web sign-in (django-axes, per
    company): past the limit the answer is 429 `account_locked` until the cool-off ends or an
    administrator unlocks the account. A user the company requires to use two-factor but who
    has not set it up gets 403 `two_factor_enrolment_required`: enrolment happens on the web.
    Tokens are never a verified session: approvals under the two-factor requirement need the web.
    """

    authentication_classes: list = []  # credentials are the request body, not a header
    permission_classes = [AllowAny, RejectProtectedFields]  # no tenant or schema in the body either

    # Named apart from MeApi's OutputSerializer: drf-spectacular names components after classes.
    class TokenObtainInput(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        password = serializers.CharField(max_length=4096, trim_whitespace=False)
        otp_code = serializers.CharField(max_length=12, required=False, allow_blank=True,
                                         help_text="the 6-digit two-factor code, when the user has two-factor on")

    class TokenOutput(serializers.Serializer):
        token = serializers.CharField(help_text="send as `Authorization: Token <token>`")

    @extend_schema(request=TokenObtainInput, responses={200: TokenOutput, **error_responses(400, 403, 429)},
                   operation_id="auth_token_obtain", auth=[])
    def post(self, request):
        data = self.TokenObtainInput(data=request.data)
        data.is_valid(raise_exception=True)
        django_request = request._request  # django-axes marks the Django request, not DRF's wrapper
        user = authenticate(django_request, username=data.validated_data["email"].strip(),
                            password=data.validated_data["password"])
        if user is None:
            if lockout.is_locked_out(django_request):
                django_request.dangan_lockout_answered = True
                raise lockout.locked_error()
            raise ApplicationError(signin_errors.LOGIN_FAILED)
        if two_factor.second_factor_needed(user):
            device = two_factor.confirmed_device(user)
            if device is None:
                raise ApplicationError(signin_errors.TWO_FACTOR_ENROLMENT_REQUIRED)
            two_factor.check_code(device, data.validated_data.get("otp_code"), field="otp_code")
        user_logged_in.send(sender=type(user), request=django_request, user=user)  # last_login; failures reset
        token, _ = Token.objects.get_or_create(user=user)
        return Response(self.TokenOutput({"token": token.key}).data)


class MeApi(APIView):
    """The signed-in user and their company."""

    class OutputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        full_name = serializers.CharField()
        is_staff = serializers.BooleanField()
        company = serializers.CharField()
        schema = serializers.CharField()

    @extend_schema(responses={200: OutputSerializer}, operation_id="me")
    def get(self, request):
        user = request.user
        return Response(self.OutputSerializer({
            "email": user.email, "full_name": user.full_name, "is_staff": user.is_staff,
            "company": request.tenant.name, "schema": request.tenant.schema_name,
        }).data)
