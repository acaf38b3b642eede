"""Unit tests of reading Kannel's status page for the failover probe (no HTTP)."""

from services.notification.providers import connected, probe

STATUS = """<?xml version="1.0"?>
<gateway><version>1.4.5</version><status>running, uptime 0d 0h 0m 13s</status>
<smscs><count>2</count>
  <smsc><name>FAKE:13102</name><admin-id>provider-a</admin-id><id>provider-a</id>
    <status>re-connecting</status><failed>0</failed><queued>1</queued></smsc>
  <smsc><name>FAKE:13103</name><admin-id>provider-b</admin-id><id>provider-b</id>
    <status>online 13s</status><failed>0</failed><queued>0</queued></smsc>
</smscs></gateway>"""


def test_an_sms_centre_is_connected_when_kannel_says_online():
    assert connected(STATUS) == {"provider-a": False, "provider-b": True}


def test_no_probe_url_knows_nothing():
    assert probe("", ("provider-a", "provider-b")) == {"provider-a": None, "provider-b": None}
