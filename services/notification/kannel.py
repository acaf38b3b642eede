"""Kannel's HTTP sendsms interface, the default SMS gateway."""

from urllib.parse import quote

import requests

from services.common.signing import url_token


class GatewayError(Exception):
    """The gateway did not take the message; worth retrying later. Retried through whichever SMS
    provider is active then: the gateway itself did not answer (or a limit held the message
    back), which says nothing of a provider."""

    provider_fault = False  # counts against the provider the message was sent to (failover.py)


class RateLimited(GatewayError):
    """Our own limit held the message back: nothing was asked of the gateway, so it is no
    attempt; it goes out as soon as the limit allows (domain.after_failed_send)."""


class GatewayRefused(GatewayError):
    """Kannel answered 5xx: it refused the message this time, for its provider."""

    provider_fault = True


class GatewayTimeout(GatewayError):
    """Kannel took the request and did not answer in time: it may hold the message for its
    provider, so a retry goes through that provider only (failover.provider_for)."""

    provider_fault = True


class GatewayRejected(Exception):
    """The gateway refused the message for good (bad request, bad credentials)."""


# Kannel delivery-report types (%d in dlr-url) and the message status each gives.
DLR_STATUS = {1: "delivered", 2: "failed", 4: "sent", 8: "sent", 16: "failed"}
# Asked for: delivered, failed, rejected by the SMS centre. Not 8 (the centre took it): after
# Kannel's answer it changes nothing (the message is "sent" already) and it would stand as the
# first report in the failover's latency, hiding a centre that takes messages and sits on them.
DLR_MASK = 1 + 2 + 16


class KannelGateway:
    def __init__(self, sendsms_url: str, username: str, password: str, timeout: float = 5.0):
        self.url, self.username, self.password, self.timeout = (
            sendsms_url,
            username,
            password,
            timeout,
        )

    def send(
        self,
        to: str,
        text: str,
        encoding: str,
        sender: str,
        dlr_url: str,
        provider: str | None = None,
    ) -> str:
        """Kannel's answer ("0: Accepted for delivery", or "3: Queued for later delivery" when
        the provider's SMS centre is not connected: Kannel holds the message for it). With
        `provider`, the message goes to that SMS centre only (smsc=, kannel.conf's
        allowed-smsc-id); without, to Kannel's default-smsc."""
        params = {
            "username": self.username,
            "password": self.password,
            "from": sender,
            "to": to,
            "text": text,
            "charset": "UTF-8",
            "coding": "2" if encoding == "UCS2" else "0",
            "dlr-mask": str(DLR_MASK),
            "dlr-url": dlr_url,
        }
        if provider:
            params["smsc"] = provider
        try:
            response = requests.get(self.url, params=params, timeout=self.timeout)
        except requests.ConnectionError as exc:  # connect timeouts among them: nothing sent
            raise GatewayError(f"kannel unreachable: {exc}") from exc
        except requests.Timeout as exc:
            raise GatewayTimeout(f"kannel did not answer in {self.timeout} s: {exc}") from exc
        except requests.RequestException as exc:
            raise GatewayError(f"kannel unreachable: {exc}") from exc
        if response.status_code in (200, 202):
            return response.text.strip()
        if response.status_code >= 500:
            raise GatewayRefused(f"kannel {response.status_code}: {response.text.strip()}")
        raise GatewayRejected(f"kannel {response.status_code}: {response.text.strip()}")

    @staticmethod
    def refs(answer: str) -> list[str]:
        """The references a delivery report will name: none, Kannel's reports come to the
        dlr-url, which names the message ("0: Accepted for delivery" is no reference)."""
        return []


def held_for_provider(answer: str) -> bool:
    """Kannel's "3: Queued for later delivery": it took the message, and holds it until the
    provider's SMS centre is connected again (it is not, now)."""
    return answer.startswith("3:")


def dlr_url(public_url: str, message_id: str, secret: str) -> str:
    """Where Kannel reports delivery: the gateway's callback, with Kannel's %d (type) filled in,
    and the message's own token (the gateway refuses a report without it)."""
    token = url_token(secret, message_id)
    return f"{public_url}/api/callbacks/sms?id={quote(message_id)}&type=%d&t={token}"
