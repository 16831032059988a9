"""FusionPBX rest_api's credentials: HTTP Basic with the key's id as the user name and
its secret as the password. Here the id is a pbx API key's prefix and the secret the
rest of the key (`pbx_<prefix>_<secret>`), so a key made for pbx serves FusionPBX's
scripts too; the key is checked by pbx's own key authentication."""

from rest_framework import authentication

from apikeys.authentication import ApiKeyAuthentication, basic_credentials
from apikeys.models import KEY_START, split_key
from pbx.api.exceptions import InvalidApiKey


def key_from_basic(request):
    """The whole pbx key that a FusionPBX Basic credential spells, or None without one.
    The password may also be the whole key."""
    credentials = basic_credentials(request)
    if credentials is None:
        return None
    user, password = credentials
    key = password if password.startswith(KEY_START) else f"{KEY_START}{user}_{password}"
    if split_key(key) != user:
        raise InvalidApiKey()
    return key


class FusionPbxKeyAuthentication(authentication.BaseAuthentication):
    """`--user "<key prefix>:<key secret>"`, checked as pbx's API key."""

    def authenticate(self, request):
        key = key_from_basic(request)
        if key is None:
            return None
        owner, api_key = ApiKeyAuthentication().check(request, key)
        api_key.whole_key = key  # for the door's calls into the kernel, as this caller
        return owner, api_key

    def authenticate_header(self, request):
        return 'Basic realm="FusionPBX rest_api"'
