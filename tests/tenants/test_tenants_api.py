"""/api/tenants/ and /api/resellers/: platform objects."""

from extensions.models import Extension
from pbx.models import DialplanNumber
from tenants.models import Tenant
from tests.factories import ExtensionFactory, ResellerFactory, TenantFactory


def test_it_creates_a_tenant_with_an_upper_cased_code(api, admin_key):
    response = api(admin_key).post(
        "/api/tenants/", {"code": "newco", "name": "New Co", "sip_domain": "NewCo.PBX.test"}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["code"] == "NEWCO"
    assert Tenant.objects.get(code="NEWCO").sip_domain == "newco.pbx.test"


def test_it_refuses_a_taken_tenant_code(api, admin_key, acme):
    response = api(admin_key).post("/api/tenants/", {"code": "acme", "name": "Again", "sip_domain": "x.test"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "already taken" in response.json()["error"]["fields"]["code"][0]


def test_it_refuses_a_tenant_code_with_bad_characters(api, admin_key):
    response = api(admin_key).post("/api/tenants/", {"code": "a b!", "name": "X", "sip_domain": "x.test"})
    assert response.status_code == 400
    assert "code" in response.json()["error"]["fields"]


def test_it_refuses_a_sip_domain_that_is_not_a_host_name(api, admin_key):
    response = api(admin_key).post("/api/tenants/", {"code": "X1", "name": "X", "sip_domain": "not a host"})
    assert response.status_code == 400
    assert "sip_domain" in response.json()["error"]["fields"]


def test_it_accepts_seed_aliases_for_tenant_fields(api, admin_key):
    response = api(admin_key).post(
        "/api/tenants/", {"te_code": "ALIAS", "te_name": "Alias Co", "sip_domain": "alias.test"}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "Alias Co"


def test_it_refuses_to_delete_a_tenant_that_owns_objects(api, admin_key, acme):
    ExtensionFactory(tenant=acme, number="100")
    response = api(admin_key).delete(f"/api/tenants/{acme.pk}/")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "tenant_not_empty"
    assert error["counts"] == {"extensions": 1}
    assert Tenant.objects.filter(pk=acme.pk).exists()


def test_it_deletes_a_tenant_and_its_objects_with_cascade(api, admin_key, acme):
    ExtensionFactory(tenant=acme, number="100")
    response = api(admin_key).delete(f"/api/tenants/{acme.pk}/?cascade=true")
    assert response.status_code == 204
    assert not Tenant.objects.filter(pk=acme.pk).exists()
    assert not Extension.objects.filter(tenant_id=acme.pk).exists()
    assert not DialplanNumber.objects.filter(tenant_id=acme.pk).exists()


def test_it_deletes_an_empty_tenant_without_cascade(api, admin_key):
    tenant = TenantFactory()
    assert api(admin_key).delete(f"/api/tenants/{tenant.pk}/").status_code == 204


def test_it_filters_tenants_by_code_prefix(api, admin_key, acme, globex):
    response = api(admin_key).get("/api/tenants/?code__startswith=GLO")
    assert [t["code"] for t in response.json()["results"]] == ["GLOBEX"]


def test_a_tenant_admin_cannot_list_tenants(api, acme_key):
    response = api(acme_key).get("/api/tenants/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_tenant_key_of_a_platform_admin_cannot_manage_tenants(api, platform_admin, acme):
    from tests.factories import ApiKeyFactory

    key = ApiKeyFactory(owner=platform_admin, tenant=acme)
    response = api(key).get("/api/tenants/")
    assert response.status_code == 403
    assert "global key" in response.json()["error"]["message"]


def test_it_assigns_a_tenant_to_a_reseller(api, admin_key, acme):
    reseller = ResellerFactory()
    response = api(admin_key).patch(f"/api/tenants/{acme.pk}/", {"reseller": reseller.pk})
    assert response.status_code == 200
    acme.refresh_from_db()
    assert acme.reseller == reseller


def test_it_refuses_to_delete_a_reseller_that_still_sells_tenants(api, admin_key, acme):
    reseller = ResellerFactory()
    acme.reseller = reseller
    acme.save()
    response = api(admin_key).delete(f"/api/resellers/{reseller.pk}/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "in_use"


def test_put_of_a_tenant_returns_omitted_fields_to_their_defaults(api, admin_key, acme):
    acme.enabled = False
    acme.save()
    response = api(admin_key).put(
        f"/api/tenants/{acme.pk}/", {"code": "ACME", "name": "Acme 2", "sip_domain": "acme.pbx.test"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["enabled"] is True
