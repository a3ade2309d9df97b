"""Public signup and the platform staff API (public host only)."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from dangan.tenants import selectors, services
from dangan.tenants.models import PlatformEvent, Tenant
from dangan.tenants.services import tenant_host


class SignupThrottle(AnonRateThrottle):
    rate = "30/hour"


class TenantOutput(serializers.ModelSerializer):
    host = serializers.SerializerMethodField()
    plan = serializers.CharField(source="plan.code")

    class Meta:
        model = Tenant
        fields = ["slug", "name", "status", "plan", "host", "created_at", "suspended_at", "suspended_reason"]

    def get_host(self, tenant) -> str:
        return tenant_host(tenant.slug)


class SignupApi(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes = [SignupThrottle]

    class InputSerializer(serializers.Serializer):
        company_name = serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=True)
        slug = serializers.CharField(max_length=60, allow_blank=True)
        admin_name = serializers.CharField(max_length=100, allow_blank=True)
        admin_email = serializers.CharField(max_length=254, allow_blank=True)
        admin_password = serializers.CharField(max_length=256, allow_blank=True, trim_whitespace=False,
                                               style={"input_type": "password"})

    class OutputSerializer(TenantOutput):
        login_url = serializers.SerializerMethodField()

        class Meta(TenantOutput.Meta):
            fields = [*TenantOutput.Meta.fields, "login_url"]

        def get_login_url(self, tenant) -> str:
            request = self.context["request"]
            port = request.get_port()
            suffix = "" if port in ("80", "443") else f":{port}"
            return f"{request.scheme}://{tenant_host(tenant.slug)}{suffix}/accounts/login/"

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer}, operation_id="signup")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tenant = services.tenant_signup(**data.validated_data)
        return Response(self.OutputSerializer(tenant, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class IsPlatformStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class StaffTenantListApi(APIView):
    permission_classes = [IsPlatformStaff]

    class OutputSerializer(TenantOutput):
        users = serializers.IntegerField(source="usage_users")
        storage_bytes = serializers.IntegerField(source="usage_storage_bytes")
        objects = serializers.IntegerField(source="usage_object_count")
        usage_measured_at = serializers.DateTimeField(allow_null=True)

        class Meta(TenantOutput.Meta):
            fields = [*TenantOutput.Meta.fields, "users", "storage_bytes", "objects", "usage_measured_at"]

    @extend_schema(responses={200: OutputSerializer(many=True)}, operation_id="platform_tenant_list")
    def get(self, request):
        tenants = selectors.tenant_list_with_usage()
        return Response(self.OutputSerializer(tenants, many=True).data)


class _StaffTenantAction(APIView):
    permission_classes = [IsPlatformStaff]

    def tenant(self, slug: str) -> Tenant:
        from django.shortcuts import get_object_or_404

        return get_object_or_404(selectors.companies(), slug=slug)


class StaffTenantSuspendApi(_StaffTenantAction):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")

    @extend_schema(request=InputSerializer, responses={200: TenantOutput}, operation_id="platform_tenant_suspend")
    def post(self, request, slug: str):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tenant = services.tenant_suspend(actor=request.user, tenant=self.tenant(slug), **data.validated_data)
        return Response(TenantOutput(tenant).data)


class StaffTenantResumeApi(_StaffTenantAction):
    @extend_schema(request=None, responses={200: TenantOutput}, operation_id="platform_tenant_resume")
    def post(self, request, slug: str):
        tenant = services.tenant_resume(actor=request.user, tenant=self.tenant(slug))
        return Response(TenantOutput(tenant).data)


class StaffTenantDeleteApi(_StaffTenantAction):
    class InputSerializer(serializers.Serializer):
        confirm_slug = serializers.CharField(max_length=60)
        reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = PlatformEvent
            fields = ["action", "tenant_slug", "tenant_name", "schema_name", "actor", "reason", "details", "at"]

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer}, operation_id="platform_tenant_delete")
    def post(self, request, slug: str):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.tenant_delete(actor=request.user, tenant=self.tenant(slug), **data.validated_data)
        return Response(self.OutputSerializer(event).data)
