"""API keys, users and the login endpoint."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apikeys import roles
from apikeys.api.filters import ApiKeyFilterSet, UserFilterSet
from apikeys.api.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeySerializer,
    LoginSerializer,
    LoginTokenSerializer,
    UserSerializer,
)
from apikeys.models import ApiKey
from pbx import changelog
from pbx.api import tags
from pbx.api.exceptions import ApiError, Conflict, PermissionDenied
from pbx.api.permissions import PlatformAdminOnly
from pbx.api.strict import StrictQueryMixin, refuse_unknown_fields
from pbx.api.throttling import LoginRateThrottle
from pbx.api.viewsets import PbxViewSet
from tenants.models import Membership

User = get_user_model()


class ApiKeyViewSet(PbxViewSet):
    """API keys. Everyone manages their own keys; admin_api sees everyone's.

    POST answers once with the whole `key`; DELETE revokes the key (it stays listed with
    `revoked_at`, so that its use remains traceable).
    """

    importable = False  # a key's secret is shown once, at creation: no CSV can carry it

    queryset = ApiKey.objects.select_related("owner", "tenant")
    serializer_class = ApiKeySerializer
    filterset_class = ApiKeyFilterSet
    search_fields = ["name", "prefix"]
    ordering_fields = ["name", "created_at", "last_used_at", "expires_at", "id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        return ApiKeyCreatedSerializer if self.action == "create" else ApiKeySerializer

    def scope_queryset(self, queryset):
        scope = self.scope
        if not scope.is_admin:
            queryset = queryset.filter(owner=scope.user)
        if scope.key_tenant_id is not None:
            queryset = queryset.filter(tenant_id=scope.key_tenant_id)
        narrowed = self.request.query_params.get("tenant")
        if narrowed:
            queryset = queryset.filter(tenant=scope.tenant(narrowed))
        return queryset

    def tenant_for_create(self, body_tenant):
        # Like every resource, ?tenant= names the tenant (404 when out of reach); but a
        # key with no tenant at all is a global key, not a missing tenant.
        param = self.request.query_params.get("tenant")
        narrowed = self.scope.tenant(param) if param else None
        if body_tenant is not None and narrowed is not None and body_tenant.pk != narrowed.pk:
            raise ApiError(fields={"tenant": ["Differs from ?tenant=: send one tenant."]})
        return body_tenant or narrowed

    def perform_create(self, serializer):
        data = serializer.validated_data
        scope = self.scope
        owner = data.pop("owner", None) or scope.user
        if owner != scope.user and not scope.all_tenants:
            raise PermissionDenied("Only a platform administrator may create keys for others.")
        tenant = data.get("tenant")
        if scope.key_tenant_id is not None and (tenant is None or tenant.pk != scope.key_tenant_id):
            raise PermissionDenied("A tenant key can only create keys for its own tenant.")
        if roles.role_of(owner) is None:
            raise ApiError(fields={"owner": ["This user has no API role."]})
        if (
            tenant is not None
            and roles.role_of(owner) != roles.ADMIN
            and not Membership.objects.filter(user=owner, tenant=tenant).exists()
        ):
            raise ApiError(fields={"tenant": [f"{owner.username} does not belong to tenant {tenant.code}."]})
        tag_names = data.pop("_tags", None)  # issue() makes the key; tags are rows of their own
        with transaction.atomic():
            api_key, key = ApiKey.issue(owner=owner, **data)
            if tag_names:
                api_key._pbx_relations = {"tags": tags.assign(api_key, tag_names)}
            changelog.record(api_key, changelog.CREATE)
        api_key.issued_key = key
        serializer.instance = api_key

    def delete_object(self, instance):
        with transaction.atomic():
            before = changelog.snapshot(instance)
            instance.revoke()
            changelog.record(instance, changelog.UPDATE, before)


USERS_OF_TENANT = OpenApiParameter(
    "tenant", str, description="Tenant code or id: only the users of that tenant."
)


@extend_schema_view(
    **{
        action: extend_schema(parameters=[USERS_OF_TENANT])
        for action in (
            "list",
            "retrieve",
            "update",
            "partial_update",
            "destroy",
            "bulk_update",
            "bulk_destroy",
        )
    }
)
@extend_schema_view(export_rows=extend_schema(parameters=[USERS_OF_TENANT]))
class UserViewSet(PbxViewSet):
    """Platform users with their role and tenants (admin_api). `?tenant=` lists a tenant's users."""

    queryset = (
        User.objects.annotate(role_name=roles.strongest_role_subquery("pk"))
        .select_related("profile")
        .prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("tenant")))
        .order_by("username")
    )
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    permission_classes = [PlatformAdminOnly]
    tenant_field = None
    query_parameters = ("tenant",)  # a tenant's users
    search_fields = ["username", "email", "first_name", "last_name"]
    ordering_fields = ["username", "email", "date_joined", "last_login", "id"]

    # Bulk changes look their users up within ?tenant= too (extend_schema_view knows
    # only the standard actions, hence the decorators here).
    @extend_schema(parameters=[USERS_OF_TENANT])
    def bulk_update(self, request, *args, **kwargs):
        return super().bulk_update(request, *args, **kwargs)

    @extend_schema(parameters=[USERS_OF_TENANT])
    def bulk_destroy(self, request, *args, **kwargs):
        return super().bulk_destroy(request, *args, **kwargs)

    def scope_queryset(self, queryset):
        narrowed = self.request.query_params.get("tenant")
        if narrowed:
            queryset = queryset.filter(memberships__tenant=self.scope.tenant(narrowed))
        return queryset

    def delete_object(self, instance):
        if instance.pk == self.request.user.pk:
            raise Conflict("You cannot delete your own user.")
        super().delete_object(instance)


class LoginView(StrictQueryMixin, APIView):
    """POST /api-auth/login/: exchange a username and password for a login token.

    The token is an API key bound to the user, global, full, and expiring after
    PBX_LOGIN_TOKEN_HOURS; use it as `Authorization: Token <key>`.
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]
    renderer_classes = [JSONRenderer]

    def get_authenticate_header(self, request):
        return 'Token realm="pbx"'  # so that a failed login is a 401, not DRF's 403

    @extend_schema(request=LoginSerializer, responses={201: LoginTokenSerializer}, auth=[], tags=["login"])
    def post(self, request):
        refuse_unknown_fields(request.data, LoginSerializer().fields)
        credentials = LoginSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        user = authenticate(request._request, **credentials.validated_data)
        if user is None:
            raise AuthenticationFailed("Invalid username or password.")
        if roles.role_of(user) is None:
            raise PermissionDenied(
                "This user has no API role (admin_api, minor_admin_api, user_api or switch_api)."
            )
        expires_at = timezone.now() + timedelta(hours=settings.PBX_LOGIN_TOKEN_HOURS)
        _token, key = ApiKey.issue(
            name=f"login token {timezone.now():%Y-%m-%d %H:%M}",
            owner=user,
            is_login_token=True,
            expires_at=expires_at,
        )
        return Response({"key": key, "expires_at": expires_at}, status=status.HTTP_201_CREATED)
