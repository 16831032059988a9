"""MiRTA PBX's `ex_callgroup` and `ex_pickupgroup` ("1,2"): the Asterisk call and pickup
groups an extension is in.

pbx keeps them as named groups of the extension's tenant (/api/pickup-groups/, `kind`
call or pickup, `members` the extension ids). The door sets an extension's groups by
asking that resource's own view to add it to or drop it from each group, creating a group
that does not exist yet (MiRTA PBX's groups are bare numbers), so that the change log,
webhooks and scope are the kernel's.
"""

from collections import defaultdict

from extensions.models import PickupGroupMember

# MiRTA PBX's column -> pbx's group kind.
GROUP_COLUMNS = {"ex_callgroup": "call", "ex_pickupgroup": "pickup"}


class GroupWriteFailed(Exception):
    """A group write the kernel refused: the door answers its error, and nothing is kept."""

    def __init__(self, response):
        super().__init__(response.status_code)
        self.response = response


def group_names(value):
    """["1", "2"] from "1,2" (or a JSON array); None if the value is neither."""
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list) and all(
        isinstance(item, str | int) and not isinstance(item, bool) for item in value
    ):
        items = [str(item) for item in value]
    else:
        return None
    return list(dict.fromkeys(item.strip() for item in items if item.strip()))


def set_groups(call, extension_id, tenant_code, wanted):
    """Put the extension in exactly the groups `wanted` ({kind: [names]}) of each kind sent.

    `call(method, path, query, body)` runs pbx's view for the path as the caller."""
    for kind, names in wanted.items():
        query = {"kind": kind, "tenant": tenant_code, "page_size": "1000"}
        listed = call("GET", "/api/pickup-groups/", query, None)
        if listed.status_code >= 400:
            raise GroupWriteFailed(listed)
        existing = {group["name"]: group for group in listed.data["results"]}
        changes = []
        for name, group in existing.items():
            member = extension_id in group["members"]
            if member and name not in names:
                changes.append((group, [m for m in group["members"] if m != extension_id]))
            elif name in names and not member:
                changes.append((group, [*group["members"], extension_id]))
        for group, members in changes:
            response = call("PATCH", f"/api/pickup-groups/{group['id']}/", {}, {"members": members})
            if response.status_code >= 400:
                raise GroupWriteFailed(response)
        for name in names:
            if name not in existing:
                body = {"name": name, "kind": kind, "members": [extension_id]}
                response = call("POST", "/api/pickup-groups/", {"tenant": tenant_code}, body)
                if response.status_code >= 400:
                    raise GroupWriteFailed(response)


def groups_by_extension(extension_ids):
    """{extension id: {"ex_callgroup": "1,2", "ex_pickupgroup": ""}} for extensions the
    kernel has already answered (so within the caller's reach)."""
    found = defaultdict(lambda: defaultdict(list))
    memberships = PickupGroupMember.objects.filter(extension_id__in=extension_ids).values_list(
        "extension_id", "group__kind", "group__name"
    )
    for extension_id, kind, name in memberships:
        found[extension_id][kind].append(name)
    answer = {}
    for extension_id in extension_ids:
        kinds = found.get(extension_id, {})
        answer[extension_id] = {
            column: ",".join(sorted(kinds.get(kind, []), key=lambda n: (len(n), n)))
            for column, kind in GROUP_COLUMNS.items()
        }
    return answer
