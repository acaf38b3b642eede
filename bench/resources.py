"""CPU seconds and peak resident memory of each process of the local stack (Linux /proc)."""

import psutil

from bench import stack


def _peak_rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def snapshot() -> dict:
    """{name: {cpu_s, rss_mb, peak_rss_mb}} for each running process of the stack, children
    included in CPU (a service may run worker children)."""
    found = {}
    for name, pid in stack.pids().items():
        try:
            proc = psutil.Process(pid)
            times = proc.cpu_times()
            found[name] = {
                "pid": pid,
                "cpu_s": times.user + times.system,
                "rss_mb": proc.memory_info().rss / 2**20,
                "peak_rss_mb": _peak_rss_mb(pid),
            }
        except psutil.Error:
            continue
    return found


def usage(before: dict, after: dict) -> dict:
    """CPU seconds spent between two snapshots, and the peak RSS at the second."""
    return {
        name: {
            "cpu_s": round(now["cpu_s"] - before.get(name, {}).get("cpu_s", 0.0), 2),
            "peak_rss_mb": round(now["peak_rss_mb"] or 0.0, 1),
        }
        for name, now in after.items()
        if name in before and before[name]["pid"] == now["pid"]
    }
