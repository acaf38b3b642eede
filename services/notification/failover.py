"""SMS provider failover as pure logic: how a provider's recent sends look (error rate, delivery
latency), which provider notification sends through, and which provider one message may go out
through. No I/O here: the service reads the samples, the route and the probes (store.py,
providers.py), asks `decide`, and stores what it answers. README: SMS provider failover;
docs/sms-failover.md.

A sample is one send to Kannel for a provider: its outcome, and when the provider's first
delivery report for it came back. The active provider is judged only on the samples sent since
it became active (and within the window), so evidence from before a switch never counts twice.
Switching away needs the other provider's probe to say it is connected; switching back to a
provider preferred to the active one needs its probe and `failback_after` seconds on the
active one, so that a provider that comes and goes does not make the route flap."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

from services.notification.kannel import GatewayRefused, GatewayTimeout, held_for_provider

# a send's outcome: Kannel took it ("accepted"), took it and holds it because the provider's SMS
# centre is not connected ("held"), refused it with a 5xx ("refused"), or did not answer in time
# ("timeout"; it may hold it). Kannel unreachable or the rate limit are no provider's fault and
# give no sample.
OUTCOMES = ("accepted", "held", "refused", "timeout")
ERRORS = frozenset({"held", "refused", "timeout"})
TAKEN = frozenset({"accepted", "held"})  # Kannel has the message: it goes out through it
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Settings:
    """The SMS_PROVIDERS and SMS_FAILOVER_* settings. One provider (or none: Kannel's own
    default route) means no failover."""

    providers: tuple[str, ...] = ()  # Kannel smsc-ids, the preferred one first
    error_rate: float = 0.5  # a share of errors at or above this: unhealthy
    latency: float = 60.0  # seconds: a median delivery latency at or above this: unhealthy
    min_samples: int = 5  # judged only on at least this many sends
    window: float = 300.0  # seconds of sends looked at
    failback_after: float = 120.0  # seconds on a fallback before going back to a preferred one
    # of the window's sends, the last this many judged count: a busy provider is judged as
    # quickly as a quiet one, whatever it did earlier in the window
    last_samples: int = 20

    @property
    def enabled(self) -> bool:
        return len(self.providers) > 1


def _number(config: Mapping[str, Any], key: str, default: float, kind: type = float) -> Any:
    value = config.get(key)
    if value in (None, ""):
        return kind(default)
    try:
        number = kind(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{key} must be a number, got {value!r}") from exc
    if number < 0:
        raise ValueError(f"{key} must not be negative, got {value!r}")
    return number


def settings_from(config: Mapping[str, Any]) -> Settings:
    """The settings from the service's configuration; ValueError names a bad one, so that a
    mistyped setting stops the service at start."""
    names = str(config.get("SMS_PROVIDERS") or "")
    providers = tuple(p.strip() for p in names.split(",") if p.strip())
    if len(set(providers)) != len(providers):
        raise ValueError(f"SMS_PROVIDERS names a provider twice: {names!r}")
    bad = [p for p in providers if not all(c.isalnum() or c in "-_." for c in p)]
    if bad:
        raise ValueError(f"SMS_PROVIDERS: {bad[0]!r} is not a Kannel smsc-id")
    defaults = Settings()
    rate = _number(config, "SMS_FAILOVER_ERROR_RATE", defaults.error_rate)
    if not 0 < rate <= 1:
        raise ValueError(f"SMS_FAILOVER_ERROR_RATE must be in (0, 1], got {rate}")
    return Settings(
        providers,
        rate,
        _number(config, "SMS_FAILOVER_LATENCY_SECONDS", defaults.latency),
        max(1, _number(config, "SMS_FAILOVER_MIN_SAMPLES", defaults.min_samples, int)),
        _number(config, "SMS_FAILOVER_WINDOW_SECONDS", defaults.window),
        _number(config, "SMS_FAILBACK_AFTER_SECONDS", defaults.failback_after),
        max(1, _number(config, "SMS_FAILOVER_LAST_SAMPLES", defaults.last_samples, int)),
    )


@dataclass(frozen=True)
class Sample:
    """One send to Kannel for `provider`."""

    provider: str
    sent_at: datetime
    outcome: str  # one of OUTCOMES
    reported_at: datetime | None = None  # the provider's first delivery report for it
    failed: bool = False  # a report said it failed (Kannel DLR 2 or 16)


@dataclass
class Unsaved:
    """The sends and delivery reports a process has seen and not yet written. They are written
    together, every two seconds (the route's timer) or once `limit` have gathered, so that an SMS
    costs no database command for its samples; a message's reports are merged first (the first
    report's time, failed if any said so). A process killed loses what it held, a few seconds
    of evidence: the provider is judged on the other processes' and the next sends. Entries a
    failed write gives back are kept up to `keep`, the newest."""

    limit: int = 200
    keep: int = 5000
    sends: list[dict[str, Any]] = field(default_factory=list)
    reports: dict[str, tuple[datetime, bool]] = field(default_factory=dict)

    def send(self, provider: str, message_id: str, at: datetime, outcome: str) -> None:
        doc = {"provider": provider, "message_id": message_id, "sent_at": at, "outcome": outcome}
        self.sends.append(doc)

    def report(self, message_id: str, at: datetime, failed: bool) -> None:
        first = self.reports.get(message_id)
        if first is None:
            self.reports[message_id] = (at, failed)
        else:
            self.reports[message_id] = (min(first[0], at), first[1] or failed)

    @property
    def full(self) -> bool:
        return len(self.sends) + len(self.reports) >= self.limit

    def take(self) -> tuple[list[dict[str, Any]], dict[str, tuple[datetime, bool]]]:
        """Everything held, to be written; the buffer starts empty again."""
        sends, reports = self.sends, self.reports
        self.sends, self.reports = [], {}
        return sends, reports

    def give_back(
        self, sends: list[dict[str, Any]], reports: dict[str, tuple[datetime, bool]]
    ) -> None:
        """What a write failed to store, held again before what came since."""
        self.sends = (sends + self.sends)[-self.keep :]
        for message_id, (at, failed) in reports.items():
            self.report(message_id, at, failed)
        while len(self.reports) > self.keep:
            del self.reports[next(iter(self.reports))]


@dataclass(frozen=True)
class Health:
    """What a provider's samples say: `judged` sends (errors, and accepted ones with a report or
    already later than the threshold; the others are too young to say), how many were errors,
    and the median delivery latency of the accepted ones (a late one counts with the time it has
    waited so far)."""

    provider: str
    judged: int
    errors: int
    latency: float | None
    verdict: str  # "healthy", "too few sends", or why it is unhealthy

    @property
    def healthy(self) -> bool:
        return not self.verdict.startswith("unhealthy")


def health(provider: str, samples: Iterable[Sample], now: datetime, settings: Settings) -> Health:
    """The provider's health from its last `settings.last_samples` judged sends among `samples`
    (others' samples are ignored)."""
    verdicts: list[tuple[datetime, float | None]] = []  # (sent at, latency; None: an error)
    for s in samples:
        if s.provider != provider or s.sent_at > now:  # ahead of a clock moved back: unknown
            continue
        if s.outcome in ERRORS or s.failed:
            verdicts.append((s.sent_at, None))
        elif s.reported_at is not None:
            verdicts.append((s.sent_at, (s.reported_at - s.sent_at).total_seconds()))
        elif (now - s.sent_at).total_seconds() >= settings.latency:
            verdicts.append((s.sent_at, (now - s.sent_at).total_seconds()))  # late: at least
    verdicts = sorted(verdicts, key=lambda v: v[0])[-settings.last_samples :]
    latencies = [v for _, v in verdicts if v is not None]
    errors = len(verdicts) - len(latencies)
    judged = len(verdicts)
    latency = median(latencies) if latencies else None
    if judged < settings.min_samples:
        verdict = "too few sends"
    elif errors / judged >= settings.error_rate:
        verdict = f"unhealthy: {errors} errors in {judged} sends"
    elif latency is not None and latency >= settings.latency:
        verdict = f"unhealthy: median delivery latency {latency:.1f} s"
    else:
        verdict = "healthy"
    return Health(provider, judged, errors, latency, verdict)


@dataclass(frozen=True)
class Route:
    """Which provider notification sends through, since when, and why; `version` numbers the
    switches (the store claims each version once, so two processes never both switch)."""

    version: int
    active: str
    since: datetime
    reason: str


def initial(settings: Settings) -> Route:
    """The route before any switch: the preferred provider."""
    return Route(0, settings.providers[0] if settings.providers else "", EPOCH, "configured")


def _since(route: Route, now: datetime) -> datetime:
    """When the route's provider became active; a route dated ahead of the clock (a clock moved
    back, as tests and the chaos run move the stack's) counts as an old one, so that it is
    neither stuck nor unjudged until the clock catches up."""
    return route.since if route.since <= now else EPOCH


def judged_since(route: Route, now: datetime, settings: Settings) -> datetime:
    """The earliest send the active provider is judged on: since it became active, within the
    window."""
    return max(_since(route, now), now - timedelta(seconds=settings.window))


def decide(
    route: Route,
    samples: Iterable[Sample],
    probes: Mapping[str, bool | None],
    now: datetime,
    settings: Settings,
) -> Route | None:
    """The next route, or None to keep this one. `samples`: the active provider's sends since
    `judged_since`; `probes`: per provider, True when Kannel says its SMS centre is connected,
    False when not, None when Kannel could not be asked.

    - The active provider unhealthy: switch to the first other provider whose probe is True.
      None is: stay (a provider that is down, or a Kannel that is, is no better).
    - A provider preferred to the active one whose probe is True, the active one having been
      active `failback_after` seconds: switch back to it (the most preferred such).
    - A route naming a provider no longer configured: the preferred one."""
    if not settings.enabled:
        return None
    providers = settings.providers
    if route.active not in providers:
        return Route(route.version + 1, providers[0], now, f"{route.active} not configured")
    state = health(route.active, samples, now, settings)
    if not state.healthy:
        for other in providers:
            if other != route.active and probes.get(other) is True:
                reason = f"{route.active} {state.verdict}"
                return Route(route.version + 1, other, now, reason)
        return None
    if (now - _since(route, now)).total_seconds() < settings.failback_after:
        return None
    for better in providers[: providers.index(route.active)]:
        if probes.get(better) is True:
            reason = f"{better}'s probe succeeded"
            return Route(route.version + 1, better, now, reason)
    return None


def provider_for(message: Mapping[str, Any], active: str | None) -> str | None:
    """The provider a message goes out through: the one a timed-out attempt left it with, if any
    (Kannel may hold it for that provider, and it must not go out twice), else the active one."""
    return message.get("held_by") or active


def outcome_of(answer: str | None, error: Exception | None) -> str | None:
    """A send's outcome (OUTCOMES) from Kannel's answer or the error it raised; None when the
    send says nothing of the provider (Kannel unreachable, the rate limit, a rejection for good
    of the message itself)."""
    if isinstance(error, GatewayTimeout):
        return "timeout"
    if isinstance(error, GatewayRefused):
        return "refused"
    if error is not None:
        return None
    return "held" if answer is not None and held_for_provider(answer) else "accepted"
