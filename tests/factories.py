"""factory-boy factories for every model. `FACTORIES` maps each model to its factory so
that the generated matrices (tests/api/) can make an object of any registered resource."""

import base64
import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from apikeys import roles
from apikeys.models import ApiKey
from campaigns.models import Campaign, CampaignNumber, CronJob, DoNotCall
from cdrs.models import CallRecord
from extensions.models import (
    ConferenceRoom,
    Contact,
    Device,
    Extension,
    FollowMe,
    PagingGroup,
    PickupGroup,
    Voicemail,
    WebCallWidget,
)
from media.models import MediaFile, MusicOnHold, Recording, VoicemailGreeting, VoicemailMessage
from pbx.models import ChangeLog
from routing.models import (
    DID,
    DISA,
    IVR,
    Agent,
    CallerIdBlacklist,
    CustomDestination,
    FeatureCode,
    Flow,
    HuntList,
    OutboundRoute,
    Queue,
    RoutingProfile,
    Schedule,
    ShortNumber,
    Trunk,
)
from tenants.models import (
    Department,
    Location,
    Membership,
    Reseller,
    Server,
    Setting,
    Tag,
    Tenant,
    TenantVariable,
    UserProfile,
)
from webhooks.models import Delivery, Webhook


class ResellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reseller

    name = factory.Sequence(lambda n: f"Reseller {n}")


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    code = factory.Sequence(lambda n: f"T{n:04d}")
    name = factory.Sequence(lambda n: f"Tenant {n}")
    sip_domain = factory.LazyAttribute(lambda t: f"{t.code.lower()}.pbx.test")


class UserFactory(factory.django.DjangoModelFactory):
    """A user with `role` (a role group name or None) and membership of `tenants`."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if extracted:
            user.groups.add(Group.objects.get_or_create(name=extracted)[0])

    @factory.post_generation
    def tenants(user, create, extracted, **kwargs):
        for tenant in extracted or []:
            Membership.objects.create(user=user, tenant=tenant)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory, role=roles.USER)
    tenant = factory.SubFactory(TenantFactory)


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """An API key; the whole key is on `.key` (as only its creator ever sees it)."""

    class Meta:
        model = ApiKey

    name = factory.Sequence(lambda n: f"key {n}")
    owner = factory.SubFactory(UserFactory, role=roles.ADMIN)
    tenant = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        api_key, key = model_class.issue(**kwargs)
        api_key.key = key
        return api_key


class ExtensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Extension

    tenant = factory.SubFactory(TenantFactory)
    number = factory.Sequence(lambda n: str(1000 + n))
    name = factory.Sequence(lambda n: f"Extension {n}")
    password = "a-long-sip-secret"


class VoicemailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Voicemail

    tenant = factory.SubFactory(TenantFactory)
    mailbox = factory.Sequence(lambda n: str(5000 + n))
    name = factory.Sequence(lambda n: f"Mailbox {n}")
    pin = "4821"
    email = factory.Sequence(lambda n: f"box{n}@example.com")


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Desk phone {n}")
    mac_address = factory.Sequence(lambda n: f"0015655{n:05x}")
    vendor = "yealink"
    model = "T54W"
    provisioning_password = "provisioning-secret"


class PickupGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PickupGroup

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Pickup {n}")


class PagingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PagingGroup

    tenant = factory.SubFactory(TenantFactory)
    number = factory.Sequence(lambda n: str(7000 + n))
    name = factory.Sequence(lambda n: f"Paging {n}")


class ConferenceRoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConferenceRoom

    tenant = factory.SubFactory(TenantFactory)
    number = factory.Sequence(lambda n: str(8000 + n))
    name = factory.Sequence(lambda n: f"Room {n}")
    pin = "1234"
    admin_pin = "9876"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    tenant = factory.SubFactory(TenantFactory)
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    company = "Example Ltd"
    numbers = factory.LazyFunction(lambda: [{"type": "work", "number": "+390212345678"}])


class FollowMeFactory(factory.django.DjangoModelFactory):
    """A follow-me of a new extension of the same tenant."""

    class Meta:
        model = FollowMe

    tenant = factory.SubFactory(TenantFactory)
    extension = factory.SubFactory(ExtensionFactory, tenant=factory.SelfAttribute("..tenant"))
    description = factory.Sequence(lambda n: f"follow-me {n}")


class WebCallWidgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebCallWidget

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Widget {n}")
    allowed_origins = factory.LazyFunction(lambda: ["https://www.example.com"])


class ChangeLogFactory(factory.django.DjangoModelFactory):
    """A change log row of an extension of `tenant`."""

    class Meta:
        model = ChangeLog

    tenant = factory.SubFactory(TenantFactory)
    tenant_code = factory.LazyAttribute(lambda row: row.tenant.code if row.tenant else "")
    object_type = "extension"
    object_id = factory.Sequence(lambda n: 10_000 + n)
    object_label = factory.Sequence(lambda n: f"changed object {n}")
    action = ChangeLog.Action.CREATE
    after = factory.LazyAttribute(lambda row: {"name": row.object_label})


class ServerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Server

    name = factory.Sequence(lambda n: f"pbx-{n:03d}")
    address = factory.Sequence(lambda n: f"pbx{n}.voice.example.net")


class UserProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserProfile

    name = factory.Sequence(lambda n: f"Profile {n}")
    privileges = ["extensions.view", "own.voicemail"]


class SettingFactory(factory.django.DjangoModelFactory):
    """A tenant's setting (pass tenant=None for a global one)."""

    class Meta:
        model = Setting

    tenant = factory.SubFactory(TenantFactory)
    code = factory.Sequence(lambda n: f"SETTING_{n}")
    value = factory.Sequence(lambda n: f"value {n}")


class TenantVariableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TenantVariable

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"VAR_{n}")
    value = factory.Sequence(lambda n: f"value {n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Department {n}")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Office {n}")
    address_line1 = factory.Sequence(lambda n: f"{n} Main Street")
    city = "Springfield"
    country = "US"
    emergency_caller_id = factory.Sequence(lambda n: f"+1555{n:07d}")


class TagFactory(factory.django.DjangoModelFactory):
    """A tenant's tag (pass tenant=None for a global one)."""

    class Meta:
        model = Tag

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"tag-{n}")
    color = "#1f77b4"


class TrunkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trunk

    name = factory.Sequence(lambda n: f"carrier-{n}")
    host = factory.Sequence(lambda n: f"sip{n}.carrier.example")
    username = factory.Sequence(lambda n: f"trunkuser{n}")
    password = "trunk-secret-password"


class OutboundRouteFactory(factory.django.DjangoModelFactory):
    """A tenant's outbound route (pass tenant=None for a global one)."""

    class Meta:
        model = OutboundRoute

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Route {n}")


class RoutingProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingProfile

    name = factory.Sequence(lambda n: f"Profile {n}")


class DIDFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DID

    tenant = factory.SubFactory(TenantFactory)
    number = factory.Sequence(lambda n: f"+3902{5550000 + n}")
    description = factory.Sequence(lambda n: f"Line {n}")


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Schedule

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Office hours {n}")
    time_zone = "Europe/Rome"


class FlowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flow

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Night mode {n}")


class IVRFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IVR

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Main menu {n}")


class HuntListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HuntList

    tenant = factory.SubFactory(TenantFactory)
    number = factory.Sequence(lambda n: str(6000 + n))
    name = factory.Sequence(lambda n: f"Sales ring group {n}")


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue

    tenant = factory.SubFactory(TenantFactory)
    number = factory.Sequence(lambda n: str(4000 + n))
    name = factory.Sequence(lambda n: f"Support queue {n}")


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent

    tenant = factory.SubFactory(TenantFactory)
    number = factory.Sequence(lambda n: str(300 + n))
    name = factory.Sequence(lambda n: f"Agent {n}")
    pin = "7391"


class CustomDestinationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomDestination

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Custom {n}")
    dial_string = factory.Sequence(lambda n: f"Local/{n}@custom-context")


class FeatureCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeatureCode

    tenant = factory.SubFactory(TenantFactory)
    code = factory.Sequence(lambda n: f"*{700 + n}")
    name = factory.Sequence(lambda n: f"Feature {n}")


class ShortNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShortNumber

    tenant = factory.SubFactory(TenantFactory)
    number = factory.Sequence(lambda n: f"*{800 + n}")
    dial = factory.Sequence(lambda n: f"+3906{7770000 + n}")


class DISAFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DISA

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Road warrior {n}")
    pin = "55218"


class CallerIdBlacklistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallerIdBlacklist

    tenant = factory.SubFactory(TenantFactory)
    caller_id = factory.Sequence(lambda n: f"+4420{7946000 + n}")
    description = factory.Sequence(lambda n: f"Nuisance caller {n}")


class CallRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallRecord

    tenant = factory.SubFactory(TenantFactory)
    call_id = factory.Sequence(lambda n: f"9b1c2d3e-0000-4000-8000-{n:012d}")
    direction = CallRecord.INBOUND
    caller_number = factory.Sequence(lambda n: f"+4420{7946000 + n}")
    destination_number = "1001"
    start = factory.Sequence(
        lambda n: datetime.datetime(2026, 3, 10, 8, 0, tzinfo=datetime.UTC) + datetime.timedelta(minutes=n)
    )
    answer = factory.LazyAttribute(lambda call: call.start + datetime.timedelta(seconds=5, microseconds=250))
    duration = 65
    billsec = 60
    disposition = "ANSWERED"
    # What a switch sent, with the characters a CSV and a JSON cell must both survive.
    raw = factory.LazyFunction(
        lambda: {"variables": {"caller_id_name": 'Zoë "Z", Ltd\nSales'}, "times": [1, 2.5], "ok": True}
    )


class AudioFactory(factory.django.DjangoModelFactory):
    """A second of real 8 kHz PCM WAV in storage (tests point MEDIA_ROOT at a temporary
    folder), with what media.audio measures of it."""

    file = factory.django.FileField(filename="tone.wav", data=factory.LazyFunction(lambda: _tone()))
    format = "wav-pcm"
    duration = 1.0
    size = factory.LazyFunction(lambda: len(_tone()))
    sample_rate = 8000
    channels = 1

    @staticmethod
    def api_payload():
        """What the matrices add to a body to create one through the API."""
        return {"data_base64": base64.b64encode(_tone()).decode()}


def _tone():
    from tests.media.samples import wav_pcm

    return wav_pcm(1.0)


class MediaFileFactory(AudioFactory):
    class Meta:
        model = MediaFile

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Prompt {n}")
    description = factory.Sequence(lambda n: f"Welcome prompt {n}")


class MusicOnHoldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MusicOnHold

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Hold music {n}")
    description = factory.Sequence(lambda n: f"Lobby jazz {n}")


class RecordingFactory(AudioFactory):
    class Meta:
        model = Recording

    tenant = factory.SubFactory(TenantFactory)
    call_id = factory.Sequence(lambda n: f"call-{n:08d}-a1b2")
    description = factory.Sequence(lambda n: f"Sales call {n}")


class VoicemailGreetingFactory(AudioFactory):
    """A greeting of a new voicemail box of the same tenant."""

    class Meta:
        model = VoicemailGreeting

    tenant = factory.SubFactory(TenantFactory)
    voicemail = factory.SubFactory(VoicemailFactory, tenant=factory.SelfAttribute("..tenant"))
    description = factory.Sequence(lambda n: f"Out of office greeting {n}")


class VoicemailMessageFactory(AudioFactory):
    """A message in a new voicemail box of the same tenant."""

    class Meta:
        model = VoicemailMessage

    tenant = factory.SubFactory(TenantFactory)
    voicemail = factory.SubFactory(VoicemailFactory, tenant=factory.SelfAttribute("..tenant"))
    caller_id_name = factory.Sequence(lambda n: f"Caller {n}")
    caller_id_number = factory.Sequence(lambda n: f"+3902{5550000 + n}")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Spring campaign {n}")


class CampaignNumberFactory(factory.django.DjangoModelFactory):
    """A number of a campaign of `tenant`."""

    class Meta:
        model = CampaignNumber

    tenant = factory.SubFactory(TenantFactory)
    campaign = factory.SubFactory(CampaignFactory, tenant=factory.SelfAttribute("..tenant"))
    number = factory.Sequence(lambda n: f"+3906{6660000 + n}")
    description = factory.Sequence(lambda n: f"Lead {n}")


class DoNotCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DoNotCall

    tenant = factory.SubFactory(TenantFactory)
    number = factory.Sequence(lambda n: f"+3906{8880000 + n}")
    description = factory.Sequence(lambda n: f"Opted out {n}")


class CronJobFactory(factory.django.DjangoModelFactory):
    """A tenant's job pausing one of its campaigns every evening (tenant=None and
    task="changes.purge" for a global one)."""

    class Meta:
        model = CronJob

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Evening pause {n}")
    schedule = "0 18 * * 1-5"
    task = CronJob.Task.CAMPAIGN_PAUSE
    campaign = factory.Maybe(
        "tenant", factory.SubFactory(CampaignFactory, tenant=factory.SelfAttribute("..tenant")), None
    )

    @staticmethod
    def api_payload():
        """What the matrices add to a body to create one through the API: the task's
        campaign, in ACME (the matrices' own tenant)."""
        acme = Tenant.objects.filter(code="ACME").first() or Tenant.objects.first()
        return {"campaign": CampaignFactory(tenant=acme).pk}


class WebhookFactory(factory.django.DjangoModelFactory):
    """A tenant's webhook wanting every extension event, aimed at a closed loopback port
    (the tests allow private addresses: tests/conftest.py)."""

    class Meta:
        model = Webhook

    tenant = factory.SubFactory(TenantFactory)
    url = factory.Sequence(lambda n: f"http://127.0.0.1:9/hooks/{n}")
    events = factory.LazyFunction(lambda: ["extension.*"])
    secret = factory.Sequence(lambda n: f"whsec_factory_secret_{n:06d}")
    description = factory.Sequence(lambda n: f"CRM hook {n}")


class DeliveryFactory(factory.django.DjangoModelFactory):
    """A pending delivery of an extension.created event to a webhook of the same tenant."""

    class Meta:
        model = Delivery

    tenant = factory.SubFactory(TenantFactory)
    webhook = factory.SubFactory(WebhookFactory, tenant=factory.SelfAttribute("..tenant"))
    event = "extension.created"
    event_id = factory.Sequence(lambda n: f"evt{n:010d}factory")
    payload = factory.LazyAttribute(lambda d: {"id": d.event_id, "event": d.event, "data": {}})


FACTORIES = {
    ChangeLog: ChangeLogFactory,
    Reseller: ResellerFactory,
    Tenant: TenantFactory,
    get_user_model(): UserFactory,
    Membership: MembershipFactory,
    ApiKey: ApiKeyFactory,
    Extension: ExtensionFactory,
    Server: ServerFactory,
    UserProfile: UserProfileFactory,
    Setting: SettingFactory,
    TenantVariable: TenantVariableFactory,
    Department: DepartmentFactory,
    Location: LocationFactory,
    Tag: TagFactory,
    Voicemail: VoicemailFactory,
    Device: DeviceFactory,
    PickupGroup: PickupGroupFactory,
    PagingGroup: PagingGroupFactory,
    ConferenceRoom: ConferenceRoomFactory,
    Contact: ContactFactory,
    FollowMe: FollowMeFactory,
    WebCallWidget: WebCallWidgetFactory,
    Trunk: TrunkFactory,
    OutboundRoute: OutboundRouteFactory,
    RoutingProfile: RoutingProfileFactory,
    DID: DIDFactory,
    Schedule: ScheduleFactory,
    Flow: FlowFactory,
    IVR: IVRFactory,
    HuntList: HuntListFactory,
    Queue: QueueFactory,
    Agent: AgentFactory,
    CustomDestination: CustomDestinationFactory,
    FeatureCode: FeatureCodeFactory,
    ShortNumber: ShortNumberFactory,
    DISA: DISAFactory,
    CallerIdBlacklist: CallerIdBlacklistFactory,
    CallRecord: CallRecordFactory,
    MediaFile: MediaFileFactory,
    MusicOnHold: MusicOnHoldFactory,
    Recording: RecordingFactory,
    VoicemailGreeting: VoicemailGreetingFactory,
    VoicemailMessage: VoicemailMessageFactory,
    Campaign: CampaignFactory,
    CampaignNumber: CampaignNumberFactory,
    DoNotCall: DoNotCallFactory,
    CronJob: CronJobFactory,
    Webhook: WebhookFactory,
    Delivery: DeliveryFactory,
}
