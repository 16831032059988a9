"""Tags that any object of any app carries (pbx/api/tags.py writes the assignments)."""

from django.core.validators import RegexValidator
from django.db import models

from pbx.models import GlobalOrTenantModel, unique_in_tenant_and_globally

tag_name_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_.-]{0,49}$",
    "Use up to 50 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit.",
)
tag_color_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour such as #1f77b4.")


class Tag(GlobalOrTenantModel):
    """A label that any object can carry (pbx/api/tags.py): a tenant's, for its objects,
    or global (no tenant), for objects that have no tenant."""

    name = models.CharField(max_length=50, validators=[tag_name_validator])
    color = models.CharField(max_length=7, blank=True, validators=[tag_color_validator])
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["tenant_id", "name"]
        constraints = [
            *unique_in_tenant_and_globally("name", "tag_unique_name", "tag_unique_global_name"),
        ]

    def __str__(self):
        return self.name


class TaggedObject(models.Model):
    """One tag on one object of any app, named by its model's label and id, so that no
    app needs a relation of its own. Written by the kernel (pbx/api/tags.py) only."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="assignments")
    object_type = models.CharField(max_length=100, help_text="The model's label, e.g. extensions.extension.")
    object_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tag", "object_type", "object_id"], name="tagged_object_unique")
        ]
        indexes = [models.Index(fields=["object_type", "object_id"], name="tagged_object")]

    def __str__(self):
        return f"{self.tag} on {self.object_type}:{self.object_id}"
