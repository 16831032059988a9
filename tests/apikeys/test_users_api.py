"""/api/users/: platform users with a role, tenants and a write-only password."""

from django.contrib.auth import get_user_model

from apikeys import roles
from tests.factories import ExtensionFactory, UserFactory

User = get_user_model()


def test_it_creates_a_user_with_a_role_and_tenants(api, admin_key, acme):
    response = api(admin_key).post(
        "/api/users/",
        {
            "username": "operator",
            "password": "a-decent-passphrase",
            "role": "minor_admin_api",
            "tenants": ["acme"],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["role"], body["tenants"]) == ("minor_admin_api", ["ACME"])
    assert "password" not in body
    user = User.objects.get(username="operator")
    assert user.check_password("a-decent-passphrase")
    assert roles.role_of(user) == roles.MINOR_ADMIN


def test_a_weak_password_is_refused(api, admin_key):
    response = api(admin_key).post("/api/users/", {"username": "weak", "password": "123"})
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]
    assert not User.objects.filter(username="weak").exists()


def test_an_unknown_tenant_code_is_refused(api, admin_key):
    response = api(admin_key).post("/api/users/", {"username": "x", "tenants": ["NOPE"]})
    assert response.status_code == 400
    assert "NOPE" in response.json()["error"]["fields"]["tenants"][0]


def test_patch_changes_the_role(api, admin_key, acme_user):
    response = api(admin_key).patch(f"/api/users/{acme_user.pk}/", {"role": "minor_admin_api"})
    assert response.json()["role"] == "minor_admin_api"
    assert roles.role_of(User.objects.get(pk=acme_user.pk)) == roles.MINOR_ADMIN


def test_patch_without_tenants_keeps_the_memberships(api, admin_key, acme_user):
    api(admin_key).patch(f"/api/users/{acme_user.pk}/", {"email": "new@example.com"})
    assert list(acme_user.memberships.values_list("tenant__code", flat=True)) == ["ACME"]


def test_tenant_narrows_users_to_its_members(api, admin_key, acme_user, globex_admin):
    rows = api(admin_key).get("/api/users/?tenant=GLOBEX").json()["results"]
    assert [row["username"] for row in rows] == ["globex-admin"]


def test_users_filter_by_role(api, admin_key, acme_user, globex_admin):
    rows = api(admin_key).get("/api/users/?role=user_api").json()["results"]
    assert [row["username"] for row in rows] == ["acme-user"]


def test_a_superuser_counts_as_admin_api(api, admin_key):
    superuser = UserFactory(is_superuser=True)
    assert api(admin_key).get(f"/api/users/{superuser.pk}/").json()["role"] == "admin_api"


def test_an_admin_cannot_delete_itself(api, admin_key, platform_admin):
    response = api(admin_key).delete(f"/api/users/{platform_admin.pk}/")
    assert response.status_code == 409
    assert User.objects.filter(pk=platform_admin.pk).exists()


def test_a_tenant_admin_cannot_see_users(api, acme_key):
    assert api(acme_key).get("/api/users/").status_code == 403


def create_operator(api, admin_key, role, **extra):
    response = api(admin_key).post(
        "/api/users/",
        {
            "username": "operator",
            "password": "a-decent-passphrase",
            "role": role,
            "tenants": ["acme"],
            **extra,
        },
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_tenant_admin_created_through_the_api_logs_into_the_admin_and_sees_its_tenant(
    api, admin_key, acme, globex, client
):
    ExtensionFactory(tenant=acme, name="Acme reception")
    ExtensionFactory(tenant=globex, name="Globex reception")
    assert create_operator(api, admin_key, "minor_admin_api")["is_staff"] is True
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "operator", "password": "a-decent-passphrase"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    page = client.get("/admin/extensions/extension/").content.decode()
    assert "Acme reception" in page and "Globex reception" not in page


def test_an_extension_user_created_through_the_api_is_not_staff(api, admin_key, acme):
    assert create_operator(api, admin_key, "user_api")["is_staff"] is False


def test_is_staff_sent_with_the_role_is_kept(api, admin_key, acme):
    assert create_operator(api, admin_key, "minor_admin_api", is_staff=False)["is_staff"] is False


def test_giving_a_user_the_tenant_admin_role_lets_it_into_the_admin(api, admin_key, acme_user):
    api(admin_key).patch(f"/api/users/{acme_user.pk}/", {"role": "minor_admin_api"})
    acme_user.refresh_from_db()
    assert acme_user.is_staff
