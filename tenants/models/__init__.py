"""The tenants app's models, by concept; import them from here."""

from tenants.models.configuration import Department, Location, Setting, TenantVariable
from tenants.models.profiles import PRIVILEGE_IDS, PRIVILEGES, UserProfile, UserProfileAssignment
from tenants.models.tags import Tag, TaggedObject, tag_color_validator, tag_name_validator
from tenants.models.tenancy import (
    Membership,
    Reseller,
    Server,
    Tenant,
    sip_domain_validator,
    tenant_code_validator,
)

__all__ = [
    "PRIVILEGES",
    "PRIVILEGE_IDS",
    "Department",
    "Location",
    "Membership",
    "Reseller",
    "Server",
    "Setting",
    "Tag",
    "TaggedObject",
    "Tenant",
    "TenantVariable",
    "UserProfile",
    "UserProfileAssignment",
    "sip_domain_validator",
    "tag_color_validator",
    "tag_name_validator",
    "tenant_code_validator",
]
