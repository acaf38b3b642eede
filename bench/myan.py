"""Mỹ An's first half of 2012 replayed on the running stack (seed 003, issue 19 part 4).

Thị trấn Mỹ An (X30037, Tháp Mười district H872, Đồng Tháp) reported for the first six months
of 2012: 6,047 dossiers received in civil status, labour – invalids – social affairs and land –
environment; 6,035 resolved; 12 not yet due; none late. The replay:

- `plan(seed)` (pure): spreads 6,047 receipts over the working days of 1 January – 30 June 2012
  (contracts/calendar.py: Tết 23–27 January, Hùng Kings' day on 2 April, 30 April, 1 May),
  draws each dossier's procedure from the three fields, and gives each a day-by-day list of
  officer actions that ends before its step's and its appointment's due. The 12 dossiers left
  pending are the last ones received whose commune step is due after 30 June; every other
  dossier is resolved (and handed back) by the last working day.
- `replay(...)` (HTTP): for each working day, moves the stack's settable clock
  (LT_CLOCK_OFFSET_FILE) to 07:35 and receives the day's dossiers at X30037's counter through
  `POST /api/dossiers` (a receiving officer), then to 13:35 and has simulated officers (the
  commune's handler, the district's handler for what the law sends up, the counter's
  receiver) take the actions due that day through `POST /api/dossiers/<code>/actions`, a
  thread pool of clients throughout. The clock is put back as it was afterwards.
- `check(stats)`: `GET /api/stats?office=X30037&from=2012-01-01&to=2012-06-30` must say
  received 6,047, resolved 6,035 of which 0 late, pending 12 within the deadline and 0 past it.

`python -m bench.myan` runs it alone (the stack must be up: `make stack-up`); `make bench` runs
it last. The period must hold no dossier of X30037 before the replay (a replay leaves its 6,047
there): the replay refuses to start otherwise.
"""

import argparse
import json
import random
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from contracts.calendar import WorkingCalendar
from contracts.procedures import load_procedures

OFFICE, DISTRICT = "X30037", "H872"  # Thị trấn Mỹ An, huyện Tháp Mười
FIRST_DAY, LAST_DAY = date(2012, 1, 1), date(2012, 6, 30)
SEED = 3  # seed 003: /work/shared/seeds/003_*.txt
RECEIVED, RESOLVED, PENDING = 6047, 6035, 12
MORNING, AFTERNOON = (7, 35), (13, 35)  # the clock's two instants each working day

# The three fields of the report, as the catalog has them: civil status (the commune decides),
# labour – invalids – social affairs (the commune checks, the district decides) and land –
# environment (land mediation at the commune; first certificates and environment permits go up
# to the district). Relative weights of a commune's counter (illustrative): births and copies
# of civil-status extracts first.
MIX = {
    "HT-01": 28.0,  # birth
    "HT-02": 6.0,  # death
    "HT-03": 9.0,  # marriage
    "HT-04": 1.0,  # recognition of parentage
    "HT-05": 22.0,  # copies of civil-status extracts
    "HT-06": 12.0,  # certificate of marital status
    "HT-07": 0.5,  # guardianship
    "XH-01": 6.0,  # monthly social allowance (commune 10 days, district 7)
    "XH-02": 2.0,  # funeral support (commune 3, district 3)
    "DD-01": 1.0,  # land dispute mediation (commune 45 days)
    "DD-02": 5.0,  # first land-use certificate (commune 10, district 20)
    "MT-01": 0.5,  # environment permit (forwarded on receipt, district 15)
}
FIELDS = ("civil_status", "labour_invalids_social", "land", "environment")

COUNTER, COMMUNE, DISTRICT_HANDLER = "counter", "commune", "district"
WHO = {
    COUNTER: (OFFICE, "receiver"),
    COMMUNE: (OFFICE, "handler"),
    DISTRICT_HANDLER: (DISTRICT, "handler"),
}


@dataclass
class Planned:
    """One dossier of the replay: when it is received, its procedure, and the officers'
    actions on each working day (in order), as (who, action)."""

    n: int
    received_on: date
    procedure: str
    due_on: date  # the day its current (first) step is due, as intake will compute it
    appointment_on: date
    work: dict[date, list[tuple[str, str]]] = field(default_factory=dict)
    pending: bool = False


def working_days(calendar: WorkingCalendar, first: date = FIRST_DAY, last: date = LAST_DAY):
    days, day = [], first
    while day <= last:
        if calendar.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def spread(total: int, days: list[date], rng: random.Random) -> dict[date, int]:
    """`total` receipts over `days`, exactly: busier on Mondays, before Tết and in the weeks
    after it, quieter on Fridays, with day-to-day noise; largest remainders round it."""
    weights = []
    for day in days:
        w = {0: 1.15, 4: 0.9}.get(day.weekday(), 1.0)
        if date(2012, 1, 9) <= day <= date(2012, 1, 20):  # papers before Tết
            w *= 1.25
        if date(2012, 1, 30) <= day <= date(2012, 2, 24):  # weddings and births after Tết
            w *= 1.2
        weights.append(w * rng.uniform(0.8, 1.2))
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(days)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return dict(zip(days, counts, strict=True))


def plan(
    seed: int = SEED,
    total: int = RECEIVED,
    pending: int = PENDING,
    calendar: WorkingCalendar | None = None,
) -> list[Planned]:
    """The whole half-year, deterministic for a seed (see the module's docstring)."""
    calendar = calendar or WorkingCalendar()
    catalog = load_procedures()
    rng = random.Random(seed)
    days = working_days(calendar)
    index = {day: i for i, day in enumerate(days)}
    last = len(days) - 1
    codes, weights = list(MIX), list(MIX.values())
    out: list[Planned] = []
    for day, count in spread(total, days, rng).items():
        at = datetime.combine(day, datetime.min.time().replace(hour=MORNING[0]), calendar.tz)
        for code in rng.choices(codes, weights, k=count):
            procedure = catalog.get(code)
            dues, start = [], at.replace(minute=MORNING[1])
            for step in procedure.route:
                start = calendar.due_at(start, step.duration, same_day=procedure.same_day)
                dues.append(calendar.local(start).date())
            out.append(Planned(len(out), day, code, dues[0], dues[-1]))

    def on(i: int) -> date:
        return days[min(i, last)]

    def by(i: int, due: date) -> int:
        """Working-day index `i`, not past `due` nor past the last working day."""
        return min(i, index.get(due, last) if due <= days[last] else last)

    # the pending ones: the last received whose commune step (the office holds them) is due
    # after the period; an officer has taken each in hand (accept), none decided yet
    held = [
        p
        for p in reversed(out)
        if catalog.get(p.procedure).route[0].duration.amount > 0 and p.due_on > LAST_DAY
    ][:pending]
    for p in held:
        p.pending = True
        p.work[p.received_on] = [(COMMUNE, "accept")]
    for p in out:
        if p.pending:
            continue
        procedure = catalog.get(p.procedure)
        i = index[p.received_on]
        first = procedure.route[0].duration
        if len(procedure.route) == 1:  # the commune decides
            if procedure.same_day:
                resolve = i
            elif p.procedure == "DD-01":  # mediation: a meeting of the parties, weeks later
                resolve = by(i + rng.randint(5, 25), p.due_on)
            else:
                resolve = by(i + rng.choice((0, 1, 1, 2, 2, 3)), p.due_on)
            hand = min(resolve + rng.choice((0, 0, 0, 1, 2)), last)
            p.work.setdefault(on(i), []).append((COMMUNE, "accept"))
            p.work.setdefault(on(resolve), []).append((COMMUNE, "resolve"))
            p.work.setdefault(on(hand), []).append((COUNTER, "hand_over"))
            continue
        # up to the district (H872) and back to the counter
        if first.amount > 0:  # the commune checks it and hands it on
            commune_due = p.due_on
            handed = by(i + rng.randint(0, min(first.amount, 4)), commune_due)
            p.work.setdefault(on(i), []).append((COMMUNE, "accept"))
            p.work.setdefault(on(handed), []).append((COMMUNE, "resolve"))
        else:  # forwarded at the receipt itself
            handed = i
        accepted = by(handed + rng.choice((0, 0, 1)), p.appointment_on)
        decided = by(accepted + rng.randint(0, 6), p.appointment_on)
        hand = min(decided + rng.choice((1, 1, 2, 3)), last)
        p.work.setdefault(on(accepted), []).append((DISTRICT_HANDLER, "accept"))
        p.work.setdefault(on(decided), []).append((DISTRICT_HANDLER, "resolve"))
        p.work.setdefault(on(hand), []).append((COUNTER, "hand_over"))
    return out


def expected(planned: list[Planned]) -> dict:
    """The figures the plan leads to, in /api/stats's terms for X30037 over the period."""
    received = len(planned)
    pending = sum(p.pending for p in planned)
    return {
        "received": received,
        "resolved": received - pending,
        "late": 0,
        "pending_within_deadline": pending,
        "pending_past_deadline": 0,
    }


def figures(stats: dict) -> dict:
    """The same figures read from a /api/stats answer."""
    return {
        "received": stats["received"]["total"],
        "resolved": stats["resolved"]["total"],
        "late": stats["resolved"]["late"],
        "pending_within_deadline": stats["pending"]["within_deadline"],
        "pending_past_deadline": stats["pending"]["past_deadline"],
    }


def differences(want: dict, stats: dict) -> dict:
    """{figure: (wanted, got)} for every figure that differs; also anything the report counts
    that the half-year had none of (refused, stopped, withdrawn, not accepted, suspended)."""
    got = figures(stats)
    out = {k: (v, got[k]) for k, v in want.items() if got[k] != v}
    for name in ("refused", "stopped", "withdrawn", "not_accepted", "suspended_for_supplement"):
        if stats.get(name):
            out[name] = (0, stats[name])
    if stats["received"].get("carried_over"):
        out["carried_over"] = (0, stats["received"]["carried_over"])
    return out


def summary(planned: list[Planned]) -> dict:
    catalog = load_procedures()
    by_field = Counter(catalog.get(p.procedure).field for p in planned)
    by_month = Counter(p.received_on.strftime("%Y-%m") for p in planned)
    return {
        "by_procedure": dict(sorted(Counter(p.procedure for p in planned).items())),
        "by_field": dict(by_field),
        "by_month": dict(sorted(by_month.items())),
        "actions": sum(len(a) for p in planned for a in p.work.values()),
    }


# ---------------------------------------------------------------------------------------------
# The replay against the running stack


class Clock:
    """The stack's settable clock: every service adds the offset in LT_CLOCK_OFFSET_FILE to
    its UTC now. Remembers the file as it found it and puts it back."""

    def __init__(self, path: Path):
        self.path = path
        self.before = path.read_text(encoding="ascii") if path.exists() else None

    def set(self, instant: datetime) -> None:
        offset = instant - datetime.now(instant.tzinfo)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".myan")
        tmp.write_text(f"{offset.total_seconds():.3f}\n", encoding="ascii")
        tmp.replace(self.path)  # services read the file at each now(): never half-written

    def restore(self) -> None:
        if self.before is None:
            self.path.unlink(missing_ok=True)
        else:
            self.path.write_text(self.before, encoding="ascii")

    @contextmanager
    def borrowed(self):
        """Puts the clock back however the replay ends: an exception, Ctrl-C, or a SIGTERM (an
        operator or a CI job stopping the bench), which is turned into SystemExit while the clock
        is borrowed. Left in 2012, the stack would date everything after it in 2012."""

        def stop(signum, frame):
            raise SystemExit(128 + signum)

        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, stop) if main else None
        try:
            yield self
        finally:
            self.restore()
            if main:
                signal.signal(signal.SIGTERM, previous)


NOT_YET = (403, 404, 409)  # not there yet (a transfer or a receipt routing has not read)
BUSY = (503,)  # a service did not answer in time: "try again", safe with the Idempotency-Key


class Replay:
    def __init__(self, planned: list[Planned], threads: int, say: Callable[[str], None]):
        from bench import stack  # the stack's URLs and officers (not needed by the pure parts)

        self.stack, self.planned, self.threads, self.say = stack, planned, threads, say
        self.calendar = WorkingCalendar()
        self.officers = {who: stack.Officer(*where) for who, where in WHO.items()}
        self.documents = {
            p.code: [{"id": d.id, "count": d.count} for d in p.documents]
            for p in load_procedures().all()
        }
        self.codes: dict[int, str] = {}
        self.calls = Counter()
        self.errors: list[str] = []
        self.retries = 0
        self.lock = threading.Lock()
        self.run_id = f"m{int(time.time())}"

    def at(self, day: date, hm: tuple[int, int]) -> datetime:
        return datetime.combine(day, datetime.min.time(), self.calendar.tz).replace(
            hour=hm[0], minute=hm[1]
        )

    def receive(self, p: Planned) -> None:
        officer = self.officers[COUNTER]
        body = {
            "procedure_code": p.procedure,
            "applicant": {"name": "Nguyễn Văn An", "phone": f"09{18000000 + p.n:08d}"},
            "documents": self.documents[p.procedure],
        }
        headers = {"Idempotency-Key": f"{self.run_id}-r{p.n}"}
        for attempt in range(5):
            try:
                r = officer.http.post(
                    f"{self.stack.base_url()}/api/dossiers", json=body, headers=headers, timeout=120
                )
            except Exception as exc:  # a lost answer: the same key makes one dossier
                if attempt == 4:
                    self._error(f"receive #{p.n}: {exc}")
                continue
            with self.lock:
                self.calls["receive"] += 1
            if r.status_code == 201:
                self.codes[p.n] = r.json()["code"]
                return
            if r.status_code in BUSY and attempt < 4:
                time.sleep(1)
                continue
            self._error(f"receive #{p.n} {p.procedure}: {r.status_code} {r.text[:200]}")
            return

    def act(self, p: Planned, actions: list[tuple[str, str]]) -> None:
        code = self.codes.get(p.n)
        if code is None:
            return  # its receipt failed (counted there)
        for who, action in actions:
            officer = self.officers[who]
            url = f"{self.stack.base_url()}/api/dossiers/{code}/actions"
            headers = {"Idempotency-Key": f"{self.run_id}-{code}-{who[0]}{action}"}
            deadline, pause = time.monotonic() + 120, 0.05
            while True:
                try:
                    r = officer.http.post(
                        url, json={"action": action}, headers=headers, timeout=120
                    )
                    status = r.status_code
                except Exception as exc:
                    status, r = None, exc
                with self.lock:
                    self.calls[action] += 1
                if status == 200:
                    break
                if (status in NOT_YET + BUSY or status is None) and time.monotonic() < deadline:
                    with self.lock:
                        self.retries += 1
                    time.sleep(pause)
                    pause = min(pause * 2, 1.0)
                    continue
                text = r.text[:200] if status else str(r)
                self._error(f"{who} {action} {code} ({p.procedure}): {status} {text}")
                return

    def _error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)
            if len(self.errors) <= 10:
                self.say(f"myan: error: {text}")

    def run(self, clock: Clock) -> dict:
        days = working_days(self.calendar)
        receipts: dict[date, list[Planned]] = {day: [] for day in days}
        work: dict[date, list[tuple[Planned, list]]] = {day: [] for day in days}
        for p in self.planned:
            receipts[p.received_on].append(p)
            for day, actions in p.work.items():
                work[day].append((p, actions))
        months, month_started, month = [], time.perf_counter(), days[0].month
        started = time.perf_counter()
        done = Counter()
        with ThreadPoolExecutor(self.threads) as pool:
            for day in days:
                if day.month != month:
                    months.append(self._month(month, month_started, started, done))
                    month, month_started = day.month, time.perf_counter()
                clock.set(self.at(day, MORNING))
                list(pool.map(self.receive, receipts[day]))
                done["received"] += len(receipts[day])
                clock.set(self.at(day, AFTERNOON))
                list(pool.map(lambda item: self.act(*item), work[day]))
                done["actions"] += sum(len(a) for _, a in work[day])
                done["days"] += 1
            months.append(self._month(month, month_started, started, done))
        seconds = time.perf_counter() - started
        return {
            "seconds": round(seconds, 1),
            "dossiers_per_s": round(len(self.codes) / seconds, 2),
            "requests": dict(self.calls),
            "requests_per_s": round(sum(self.calls.values()) / seconds, 1),
            "not_yet_retries": self.retries,
            "errors": len(self.errors),
            "first_errors": self.errors[:20],
            "months": months,
        }

    def _month(self, month: int, month_started: float, started: float, done: Counter) -> dict:
        now = time.perf_counter()
        line = {
            "month": f"2012-{month:02d}",
            "seconds": round(now - month_started, 1),
            "received_so_far": done["received"],
            "actions_so_far": done["actions"],
            "errors_so_far": len(self.errors),
        }
        self.say(
            f"myan: {line['month']} replayed in {line['seconds']:.0f} s — "
            f"{done['received']:,} received, {done['actions']:,} officer actions so far, "
            f"{now - started:.0f} s in all, {len(self.errors)} errors"
        )
        return line


def stats(officer, start: date = FIRST_DAY, end: date = LAST_DAY) -> dict:
    r = officer.stats(OFFICE, start.isoformat(), end.isoformat())
    r.raise_for_status()
    return r.json()


def settled(reader, want: dict, timeout: float = 180.0) -> tuple[dict, float]:
    """The statistics once they give `want`, or the last read after `timeout` seconds, and the
    seconds waited: the counters trail the dossiers (docs/counters.md), by more than a second
    right after the replay's last burst of actions."""
    started = time.monotonic()
    while True:
        got = stats(reader)
        waited = time.monotonic() - started
        if not differences(want, got) or waited >= timeout:
            return got, round(waited, 1)
        time.sleep(2)


def run(threads: int = 8, seed: int = SEED, say: Callable[[str], None] = print) -> dict:
    """Replay the half-year on the running stack and check /api/stats; `ok` says if it matched."""
    from bench import stack

    planned = plan(seed)
    want = expected(planned)
    reader = stack.Officer(OFFICE, "receiver")
    before = stats(reader)
    if before["received"]["total"] or any(figures(before).values()):
        return {
            "ok": False,
            "reason": (
                f"{OFFICE} already has dossiers in {FIRST_DAY} – {LAST_DAY} (an earlier replay?): "
                f"{figures(before)}. The replay needs that office and period empty: stop the "
                "stack and remove its database (make stack-down; rm -rf .stack/mongo)."
            ),
            "expected": want,
            "stats_before": before,
        }
    say(
        f"myan: replaying {len(planned):,} dossiers at {OFFICE} over "
        f"{len(working_days(WorkingCalendar()))} working days of {FIRST_DAY} – {LAST_DAY}, "
        f"{threads} clients"
    )
    clock = Clock(Path(stack.env("LT_CLOCK_OFFSET_FILE", str(stack.ROOT / ".stack/clock_offset"))))
    with clock.borrowed():
        replay = Replay(planned, threads, say)
        result = replay.run(clock)
        # the morning after the period: its open work is measured at its end (as_of)
        clock.set(replay.at(LAST_DAY + timedelta(days=1), MORNING))
        got, settle = settled(reader, want)
    diff = differences(want, got)
    result.update(
        ok=not diff,
        counters_settled_s=settle,
        office=OFFICE,
        period=[FIRST_DAY.isoformat(), LAST_DAY.isoformat()],
        seed=seed,
        threads=threads,
        plan=summary(planned),
        expected=want,
        got=figures(got),
        differences={k: list(v) for k, v in diff.items()},
        stats=got,
    )
    return result


def report(result: dict) -> str:
    if "seconds" not in result:
        return f"myan replay: NOT RUN — {result.get('reason')}"
    fields = ", ".join(f"{k} {v:,}" for k, v in result["plan"]["by_field"].items())
    lines = [
        f"myan replay: {sum(result['plan']['by_field'].values()):,} dossiers at {OFFICE} "
        f"({fields}) in {result['seconds']:,.1f} s wall: {result['dossiers_per_s']} dossiers/s, "
        f"{result['requests_per_s']} requests/s, {result['errors']} errors",
        "",
        "| /api/stats X30037 2012-01-01..2012-06-30 | expected | got |",
        "|---|---|---|",
    ]
    for name, want in result["expected"].items():
        lines.append(f"| {name} | {want:,} | {result['got'][name]:,} |")
    verdict = "MATCH" if result["ok"] else f"MISMATCH {result['differences']}"
    lines += ["", f"myan replay: {verdict}"]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.myan", description=__doc__)
    parser.add_argument("--threads", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--plan", action="store_true", help="print the plan's summary and exit")
    parser.add_argument("--out", help="write the result as JSON to this file")
    args = parser.parse_args(argv)
    if args.plan:
        planned = plan(args.seed)
        print(json.dumps({"expected": expected(planned), **summary(planned)}, indent=1))
        return 0
    result = run(args.threads, args.seed)
    result.pop("stats_before", None)
    if "stats" in result:
        print(json.dumps(result["stats"], indent=1, default=str))
    print(report(result))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
