"""What a tenant owns, found from the models that point at it (so new apps count too)."""

from django.db.models import ForeignKey

from tenants.models import Tenant

# Access and bookkeeping rows go with their tenant and do not make it "not empty"
# (click-to-dial requests are a record of requests, as the change log is).
NOT_CONTENT = {"tenants.membership", "apikeys.apikey", "pbx.dialplannumber", "switch.originate"}


def tenant_contents(tenant):
    """{verbose name plural: count} of every kind of object the tenant still owns."""
    contents = {}
    for relation in Tenant._meta.related_objects:
        model = relation.related_model
        if model._meta.label_lower in NOT_CONTENT or not isinstance(relation.field, ForeignKey):
            continue
        count = model._default_manager.filter(**{relation.field.name: tenant}).count()
        if count:
            contents[str(model._meta.verbose_name_plural)] = count
    return contents
