"""What the benchmark needs of the running local stack: its URLs, pids, officers and clock."""

import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
# every service of the local stack, with where its /metrics answers (deploy/local/stack.sh)
PORT_OFFSETS = {
    "gateway": 0,
    "intake": 1,
    "routing": 2,
    "postal": 3,
    "notification": 4,
    "payment": 5,
    "portal_sync": 6,
    "documents": 7,
    "feedback": 8,
}
SERVICES = tuple(PORT_OFFSETS)
INFRA = ("mongo", "rabbitmq")
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
XD01_DOCUMENTS = [
    {"id": "don_xin_phep_xd"},
    {"id": "giay_to_dat"},
    {"id": "ban_ve_thiet_ke", "count": 2},
]


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def base_url() -> str:
    return env("LT_PUBLIC_URL", "http://127.0.0.1:8000")


def mongo_uri() -> str:
    return env("LT_MONGO_URI", "mongodb://127.0.0.1:27017/")


def amqp_uri() -> str:
    return env("LT_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def fakesmsc_log() -> str:
    return env("LT_FAKESMSC_LOG", str(ROOT / ".stack/kannel/fakesmsc.log"))


def service_url(name: str) -> str:
    """Where a service of the local stack answers /metrics and /healthz (deploy/local/env.sh)."""
    if name == "gateway":
        return base_url()
    port = int(env("LT_SERVICE_PORT_BASE", "8000")) + PORT_OFFSETS[name]
    return f"http://127.0.0.1:{port}"


def database(name: str) -> str:
    return env("LT_MONGO_DATABASE_PREFIX", "lienthong_") + name


def pids() -> dict[str, int]:
    """The pid of each service and server the local stack started (its .stack/pids files); for a
    service, the process its supervisor (deploy/local/supervise.sh) runs."""
    folder = Path(env("LT_STACK_DIR", str(ROOT / ".stack"))) / "pids"
    found = {}
    for name in SERVICES + INFRA:
        path = folder / f"{name}.pid"
        if path.exists():
            found[name] = _supervised(int(path.read_text().strip()))
    return found


def _supervised(pid: int) -> int:
    try:
        proc = psutil.Process(pid)
        if any(part.endswith("supervise.sh") for part in proc.cmdline()):
            return next((c.pid for c in proc.children() if "nameko" in " ".join(c.cmdline())), pid)
    except psutil.Error:
        pass
    return pid


def service(action: str, name: str) -> None:
    """Start or stop one service of the local stack (deploy/local/stack.sh service-ACTION)."""
    script = ROOT / "deploy" / "local" / "stack.sh"
    subprocess.run(["bash", str(script), f"service-{action}", name], check=True)


def issue_token(office: str, role: str) -> str:
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "services.gateway.officers", "issue"]
        + ["--office", office, "--role", role, "--name", f"Bench {role} {office}"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


class Officer:
    """An officer with a token; one requests session per thread."""

    def __init__(self, office: str, role: str):
        self.office, self.role = office, role
        self.headers = {"Authorization": f"Bearer {issue_token(office, role)}"}
        self._local = threading.local()

    @property
    def http(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
            self._local.session.headers.update(self.headers)
        return self._local.session

    @staticmethod
    def receive_body(phone: str = "0912345678") -> dict:
        """A complete XD-01 dossier as the counter sends it."""
        return {
            "procedure_code": "XD-01",
            "applicant": {"name": "Nguyễn Văn An", "phone": phone},
            "documents": XD01_DOCUMENTS,
        }

    def receive(self, phone: str = "0912345678") -> requests.Response:
        body = self.receive_body(phone)
        return self.http.post(f"{base_url()}/api/dossiers", json=body, timeout=60)

    def act(self, code: str, action: str) -> requests.Response:
        return self.http.post(
            f"{base_url()}/api/dossiers/{code}/actions", json={"action": action}, timeout=60
        )

    def dossier(self, code: str) -> dict:
        return self.http.get(f"{base_url()}/api/dossiers/{code}", timeout=60).json()

    def worklist(self, office: str | None = None) -> requests.Response:
        return self.http.get(
            f"{base_url()}/api/offices/{office or self.office}/worklist", timeout=60
        )

    def stats(self, office: str, start: str, end: str) -> requests.Response:
        params = {"office": office, "from": start, "to": end}
        return self.http.get(f"{base_url()}/api/stats", params=params, timeout=60)

    def scorecard(self, office: str, start: str, end: str) -> requests.Response:
        params = {"office": office, "from": start, "to": end}
        return self.http.get(f"{base_url()}/api/scorecard", params=params, timeout=60)


class OfficeHours:
    """Moves the stack's clock into a working morning for the run (SMS are held 21:00–07:00
    and deadlines count office hours), and back afterwards."""

    def __init__(self):
        self.path = Path(env("LT_CLOCK_OFFSET_FILE", str(ROOT / ".stack" / "clock_offset")))
        self.offset = timedelta()

    def __enter__(self):
        now = datetime.now(LOCAL)
        if 8 <= now.hour < 16 or self.path.exists():
            return self
        morning = now.replace(hour=9, minute=30, second=0, microsecond=0)
        self.offset = morning - now
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(f"{self.offset.total_seconds():.0f}\n", encoding="ascii")
        time.sleep(1)
        return self

    def __exit__(self, *exc):
        if self.offset:
            self.path.unlink(missing_ok=True)
