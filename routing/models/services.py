"""Dial-plan services: custom destinations, feature codes, short numbers, DISA and the
caller ID blacklist. All but DISA may be global (the platform's) or a tenant's."""

from django.core.validators import RegexValidator
from django.db import models

from pbx.models import GlobalOrTenantModel, TenantOwnedModel, unique_in_tenant_and_globally
from routing.models.inbound import strip_separators

feature_code_validator = RegexValidator(r"^[*#0-9]{1,10}$", "Use up to 10 digits, * or #, such as *56.")
short_number_validator = RegexValidator(r"^[0-9*#]{1,10}$", "Use up to 10 digits, * or #.")
dialed_number_validator = RegexValidator(
    r"^\+?[0-9*#]{1,32}$", "Use up to 32 digits, * or #, optionally after +."
)
caller_id_validator = RegexValidator(
    r"^\+?[0-9]{1,32}\*?$|^anonymous$",
    "Use digits, optionally after +; end with * for a prefix; or anonymous.",
)


class CustomDestination(GlobalOrTenantModel):
    """A dial string the switch runs as a destination (`CUSTOM-<id>`), such as
    `Local/123@from-internal` or a custom dial-plan application; its own slots
    (privacy, call-through, random destination ...) come from MiRTA PBX."""

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)
    dial_string = models.CharField(max_length=255, blank=True, help_text="What the switch dials or runs.")

    class Meta:
        ordering = ["name"]
        constraints = [
            *unique_in_tenant_and_globally(
                "name", "customdestination_unique_name", "customdestination_unique_global"
            ),
        ]

    def __str__(self):
        return self.name


class FeatureCode(GlobalOrTenantModel):
    """A star code (`*56`): the platform's, or a tenant's that overrides the global one of
    the same code. What it does is its `FEATURE` slot, or a built-in `feature`."""

    class Feature(models.TextChoices):
        NONE = "", "Its FEATURE destination"
        PICKUP = "pickup"
        DIRECTED_PICKUP = "directed_pickup"
        VOICEMAIL = "voicemail"
        VOICEMAIL_MAIN = "voicemail_main"
        DND_ON = "dnd_on"
        DND_OFF = "dnd_off"
        DND_TOGGLE = "dnd_toggle"
        FORWARD_ALL_ON = "forward_all_on"
        FORWARD_ALL_OFF = "forward_all_off"
        CALL_PARK = "call_park"
        INTERCOM = "intercom"
        AGENT_LOGIN = "agent_login"
        AGENT_LOGOUT = "agent_logout"
        FLOW_TOGGLE = "flow_toggle"
        RECORD = "record"
        ECHO_TEST = "echo_test"

    code = models.CharField(max_length=10, validators=[feature_code_validator])
    name = models.CharField(max_length=100, blank=True, help_text="MiRTA PBX `comment`")
    feature = models.CharField(max_length=20, choices=Feature.choices, blank=True, default="")
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            *unique_in_tenant_and_globally("code", "featurecode_unique_code", "featurecode_unique_global"),
        ]

    def __str__(self):
        return self.code


class ShortNumber(GlobalOrTenantModel):
    """A short number (speed dial) that dials a longer one: `112`, or a tenant's `1` for
    the head office. A tenant's short number overrides a global one."""

    number = models.CharField(max_length=10, validators=[short_number_validator])
    dial = models.CharField(
        max_length=33, validators=[dialed_number_validator], help_text="The number dialed."
    )
    description = models.CharField(max_length=255, blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            *unique_in_tenant_and_globally(
                "number", "shortnumber_unique_number", "shortnumber_unique_global"
            ),
        ]

    def __str__(self):
        return self.number


class DISA(TenantOwnedModel):
    """Direct inward system access: a caller who knows the PIN gets a dial tone and dials
    out as the PBX, with the caller ID set here (`DISA-<id>`)."""

    SECRET_FIELDS = ("pin",)

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)
    pin = models.CharField(
        max_length=16, validators=[RegexValidator(r"^[0-9]{4,16}$", "Use 4 to 16 digits.")]
    )
    caller_id_name = models.CharField(max_length=64, blank=True)
    caller_id_number = models.CharField(max_length=33, blank=True, validators=[dialed_number_validator])
    routing_profile = models.ForeignKey(
        "routing.RoutingProfile", null=True, blank=True, on_delete=models.RESTRICT, related_name="disas"
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        verbose_name = "DISA"
        ordering = ["tenant_id", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="disa_unique_name")]

    def __str__(self):
        return self.name


class CallerIdBlacklist(GlobalOrTenantModel):
    """A caller ID refused on the way in: one number, or every number starting with a
    prefix (written with a final `*`). A global entry applies to every tenant."""

    caller_id = models.CharField(max_length=34, validators=[caller_id_validator])
    description = models.CharField(max_length=255, blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        verbose_name = "caller ID blacklist entry"
        verbose_name_plural = "caller ID blacklist"
        ordering = ["caller_id"]
        constraints = [
            *unique_in_tenant_and_globally(
                "caller_id", "blacklist_unique_callerid", "blacklist_unique_global"
            ),
        ]

    def __str__(self):
        return self.caller_id

    def clean_fields(self, exclude=None):
        self.caller_id = strip_separators(self.caller_id.strip())
        super().clean_fields(exclude)

    @property
    def is_prefix(self):
        return self.caller_id.endswith("*")

    def matches(self, caller):
        """Whether `caller`, in any notation (`+39 06 1111 1111`), is refused."""
        caller = strip_separators(caller)
        if self.is_prefix:
            return caller.startswith(self.caller_id[:-1])
        return caller == self.caller_id
