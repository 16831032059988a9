"""The XML documents mod_xml_curl reads: `<document type="freeswitch/xml">` holding one
`<section>`. Built with ElementTree, so every value read from pbx (a caller-ID name
with `<&">` in it) is escaped."""

import xml.etree.ElementTree as ET


def document(section):
    """(root, its `<section name=...>`)."""
    root = ET.Element("document", type="freeswitch/xml")
    return root, ET.SubElement(root, "section", name=section)


def not_found():
    """What FreeSWITCH takes for "nothing here": it falls back to its own files for the
    section, or, for a user or a number, refuses the registration or the call."""
    root, section = document("result")
    ET.SubElement(section, "result", status="not found")
    return serialize(root)


def serialize(root):
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def params(parent, tag, pairs):
    """`<tag><param name= value=/>...</tag>` under `parent`, for the (name, value) pairs
    whose value is not empty (FreeSWITCH reads an empty value as set)."""
    holder = ET.SubElement(parent, tag)
    child = "variable" if tag == "variables" else "param"
    for name, value in pairs:
        if value not in ("", None):
            ET.SubElement(holder, child, name=name, value=str(value))
    return holder
