"""Phone numbers read from a query string, as the route tools take them."""

from urllib.parse import unquote

from routing.models import strip_separators


def number_param(request, name):
    """The number in `?name=`, separators removed, or None when absent or empty.

    Read from the raw query string: in `?caller=+39 06 1111 1111`, typed as such, the
    leading + starts the number, where form decoding would read it as a space and lose it.
    An encoded space (`+` or `%20`) between digits goes with the other separators."""
    for pair in request.META.get("QUERY_STRING", "").split("&"):
        key, _, value = pair.partition("=")
        if unquote(key) == name:
            number = strip_separators(unquote(value).strip())
            return number or None
    return None
