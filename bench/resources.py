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
    """{name: {pid, cpu_s, rss_mb, peak_rss_mb}} for each running process of the stack; a
    process's children are added in (RabbitMQ's pid file names its start script)."""
    found = {}
    for name, pid in stack.pids().items():
        try:
            procs = [psutil.Process(pid)]
            procs += procs[0].children(recursive=True)
            cpu = rss = peak = 0.0
            for proc in procs:
                times = proc.cpu_times()
                cpu += times.user + times.system
                rss += proc.memory_info().rss / 2**20
                peak += _peak_rss_mb(proc.pid) or 0.0
        except psutil.Error:
            continue
        found[name] = {"pid": pid, "cpu_s": cpu, "rss_mb": rss, "peak_rss_mb": peak}
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
