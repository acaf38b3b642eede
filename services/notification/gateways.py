"""The SMS gateway chosen by configuration, behind the rate limiter."""

from services.notification.kannel import KannelGateway, RateLimited
from services.notification.ratelimit import RateLimiter
from services.notification.smpp import SmppGateway

GATEWAYS = ("kannel", "smpp")
DEFAULT_RATE_PER_SECOND = 20.0
DEFAULT_BURST = 20
RATE_LIMIT_WAIT = 2.0  # seconds a send waits for the limiter before it is retried later

_REQUIRED = {
    "kannel": ("KANNEL_SENDSMS_URL", "KANNEL_USERNAME", "KANNEL_PASSWORD"),
    "smpp": ("SMPP_HOST", "SMPP_PORT", "SMPP_SYSTEM_ID", "SMPP_PASSWORD"),
}


class RateLimitedGateway:
    """A gateway whose every send first takes a token; RateLimited (the message is sent again
    shortly, and it counts as no attempt) when none comes within `wait` seconds."""

    def __init__(self, gateway, limiter: RateLimiter, wait: float = RATE_LIMIT_WAIT):
        self.gateway, self.limiter, self.wait = gateway, limiter, wait

    def send(
        self,
        to: str,
        text: str,
        encoding: str,
        sender: str,
        dlr_url: str,
        provider: str | None = None,
    ) -> str:
        """Send through `provider` (a Kannel smsc-id) when failover names one; the SMPP gateway
        is one provider of its own and takes none."""
        if not self.limiter.acquire(self.wait):
            raise RateLimited("rate limit")
        if provider is None:
            return self.gateway.send(to, text, encoding, sender, dlr_url)
        return self.gateway.send(to, text, encoding, sender, dlr_url, provider=provider)

    def refs(self, answer: str) -> list[str]:
        """The references in a send's answer that delivery receipts will name."""
        return self.gateway.refs(answer)


def _number(config: dict, key: str, default, kind):
    value = config.get(key)
    if value is None or value == "":
        return default
    try:
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{key} must be a number, got {value!r}") from exc


def make_gateway(config: dict) -> RateLimitedGateway:
    """SMS_GATEWAY "kannel" (default) or "smpp", with the settings each needs, rate-limited by
    SMS_RATE_PER_SECOND (default 20) and SMS_BURST (default 20)."""
    kind = config.get("SMS_GATEWAY") or "kannel"
    if kind not in _REQUIRED:
        raise ValueError(f"unknown SMS_GATEWAY {kind!r}; expected one of {', '.join(GATEWAYS)}")
    missing = [key for key in _REQUIRED[kind] if config.get(key) in (None, "")]
    if missing:
        raise ValueError(f"SMS_GATEWAY {kind!r} needs {', '.join(missing)} in the configuration")
    if kind == "kannel":
        gateway = KannelGateway(
            config["KANNEL_SENDSMS_URL"], config["KANNEL_USERNAME"], config["KANNEL_PASSWORD"]
        )
    else:
        gateway = SmppGateway(
            str(config["SMPP_HOST"]),
            _number(config, "SMPP_PORT", None, int),
            str(config["SMPP_SYSTEM_ID"]),
            str(config["SMPP_PASSWORD"]),
        )
    limiter = RateLimiter(
        _number(config, "SMS_RATE_PER_SECOND", DEFAULT_RATE_PER_SECOND, float),
        _number(config, "SMS_BURST", DEFAULT_BURST, int),
    )
    return RateLimitedGateway(gateway, limiter)
