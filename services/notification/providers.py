"""The probe of the SMS providers: Kannel's admin status page (status.xml) lists each SMS centre
connection with its state, "online …" while its SMS centre is connected. Asking it costs no SMS
and reaches nothing outside Kannel; docs/sms-failover.md says why it is the probe."""

import logging
import xml.etree.ElementTree as ET

import requests

log = logging.getLogger(__name__)

PROBE_TIMEOUT = 2.0


def connected(status_xml: str) -> dict[str, bool]:
    """{smsc-id: connected} from Kannel's status.xml (an SMS centre is connected when its status
    starts with "online"; "re-connecting", "connecting" and "dead" are not)."""
    root = ET.fromstring(status_xml)
    found = {}
    for smsc in root.iter("smsc"):
        smsc_id = (smsc.findtext("id") or smsc.findtext("admin-id") or "").strip()
        if smsc_id:
            found[smsc_id] = (smsc.findtext("status") or "").strip().startswith("online")
    return found


def probe(url: str, providers: tuple[str, ...], timeout: float = PROBE_TIMEOUT) -> dict:
    """Per provider: True (connected), False (not), None (Kannel did not answer, or does not
    list it)."""
    if not url:
        return dict.fromkeys(providers)
    try:
        response = requests.get(url, timeout=timeout)
        response.raise_for_status()
        states = connected(response.text)
    except (requests.RequestException, ET.ParseError) as exc:
        # the exception's text would carry the URL, and the URL Kannel's status password
        log.warning("SMS provider probe failed: %s", type(exc).__name__)
        return dict.fromkeys(providers)
    return {p: states.get(p) for p in providers}
