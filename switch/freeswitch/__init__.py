"""FreeSWITCH reads its directory and dial plan from pbx through mod_xml_curl
(`POST /api/switch/freeswitch/`, docs/switches.md "FreeSWITCH (mod_xml_curl)").

`answer(form)` is the XML document for one of FreeSWITCH's lookups: the directory
(switch.freeswitch.directory), the dial plan (switch.freeswitch.dialplan), and "not
found" for every other section, which makes FreeSWITCH read its own files for it."""

from switch.freeswitch import dialplan, directory
from switch.freeswitch.document import not_found


def answer(form):
    """The document (bytes) for the lookup FreeSWITCH posted as `form` (a dict of str)."""
    section = form.get("section", "")
    if section == "directory":
        return directory.lookup(form)
    if section == "dialplan":
        return dialplan.lookup(form)
    return not_found()
