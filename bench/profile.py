"""py-spy profiles of the services while a figure is measured, summed up as where time goes."""

import collections
import shutil
import subprocess
from pathlib import Path


def start(pids: dict[str, int], seconds: float, folder: Path) -> list:
    """Record each pid for `seconds` (raw collapsed stacks); returns the running recorders."""
    spy = shutil.which("py-spy") or str(Path(__import__("sys").executable).parent / "py-spy")
    folder.mkdir(parents=True, exist_ok=True)
    running = []
    for name, pid in pids.items():
        out = folder / f"{name}.txt"
        cmd = [
            spy,
            "record",
            "-p",
            str(pid),
            "-d",
            str(int(seconds)),
            "-r",
            "50",
            "-f",
            "raw",
            "-o",
            str(out),
            "--nonblocking",
        ]
        running.append(
            (name, out, subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        )
    return running


def finish(running: list, top: int = 8) -> dict:
    """{service: {samples, self: [(function, share)], inclusive: [(function, share)]}}."""
    summary = {}
    for name, out, proc in running:
        proc.wait(timeout=120)
        if not out.exists():
            continue
        own, incl, total = collections.Counter(), collections.Counter(), 0
        for line in out.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            frames = [f.split(" (")[0] + " " + _where(f) for f in stack.split(";")]
            n = int(count)
            total += n
            own[frames[-1]] += n
            for frame in set(frames):
                incl[frame] += n
        if total:
            summary[name] = {
                "samples": total,
                "self": [(f, round(c / total, 3)) for f, c in own.most_common(top)],
                "inclusive": [
                    (f, round(c / total, 3))
                    for f, c in incl.most_common(top * 6)
                    if "services/" in f or "pymongo" in f or "kombu" in f
                ][:top],
            }
    return summary


def _where(frame: str) -> str:
    """'(path/to/module.py:12)' → 'module.py'."""
    inside = frame.rpartition("(")[2].rstrip(")")
    path = inside.rpartition(":")[0]
    parts = path.split("/")
    if "services" in parts:
        return "/".join(parts[parts.index("services") :])
    return "/".join(parts[-2:])
