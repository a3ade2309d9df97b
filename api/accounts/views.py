from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView


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
