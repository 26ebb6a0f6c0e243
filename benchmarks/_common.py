"""Shared helpers of the benchmark scripts: timing, peak memory, tables and JSON results.

Run as a script (``python _common.py --child ...``) it is the fresh subprocess in which
one peak-memory measurement is made; see :func:`measure_in_subprocess`.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import hashlib
import importlib.util
import json
import math
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
_MARK = "@@bench "
_LAUNCHER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"

# ------------------------------------------------------------------------------ timing


def time_once(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall-clock seconds of one call (time.perf_counter) and the call's result."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def time_repeats(fn: Callable[[], Any], repeats: int, budget: float = math.inf,
                 setup: Callable[[], Any] | None = None) -> dict[str, Any]:
    """Time ``fn`` up to ``repeats`` times; stop early when the next call would exceed ``budget``.

    ``setup`` (untimed) is called before every repeat; its result is passed to ``fn``.
    Returns the median and all wall times (seconds), the process CPU times (a CPU time
    well below the wall time means the machine was busy with something else) and the last
    result; at least one call is always made, so a slow call is measured once.
    """
    times: list[float] = []
    cpu: list[float] = []
    out = None
    spent = 0.0
    for _ in range(max(1, repeats)):
        arg = setup() if setup is not None else None
        gc.collect()
        c0 = time.process_time()
        t, out = time_once((lambda a=arg: fn(a)) if setup is not None else fn)
        cpu.append(time.process_time() - c0)
        times.append(t)
        spent += t
        if spent + t > budget:
            break
    return {"median": statistics.median(times), "times": times, "n": len(times),
            "cpu_times": cpu, "result": out}


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def cpu_share(timing: dict[str, Any]) -> str:
    """``"CPU/wall 0.97"`` for a :func:`time_repeats` result (< 1: the CPU was shared)."""
    return f"CPU/wall {sum(timing['cpu_times']) / sum(timing['times']):.2f}"


def children_cpu() -> float:
    """CPU seconds used so far by this process's terminated, reaped children."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def sci(x: float) -> str:
    """1e+05 -> '1e5'."""
    mant, _, exp = f"{x:.0e}".partition("e")
    return f"{mant}e{int(exp)}"


class ScriptClock:
    """Wall and CPU time of a whole script, and the machine's load around it.

    Other processes on the machine slow every figure down; the load average and the CPU
    share (CPU seconds of this process / wall seconds) are kept with the results so that
    a reader can tell a slow machine from a slow engine.
    """

    def __init__(self) -> None:
        self.wall0 = time.perf_counter()
        self.cpu0 = time.process_time()
        self.load0 = _loadavg()
        self.code0 = code_state()

    def summary(self) -> dict[str, Any]:
        wall = time.perf_counter() - self.wall0
        cpu = time.process_time() - self.cpu0
        code1 = code_state()
        return {"wall_seconds": wall, "cpu_seconds": cpu,
                "children_cpu_seconds": children_cpu(),
                "load_average_before": self.load0, "load_average_after": _loadavg(),
                "code_at_start": self.code0,
                "cinlab_changed_during_run": bool(self.code0) and code1 != self.code0}

    def report(self) -> str:
        s = self.summary()
        text = (f"script time {s['wall_seconds']:.1f} s (this process used "
                f"{s['cpu_seconds']:.1f} s CPU, subprocesses {s['children_cpu_seconds']:.1f} s)")
        if s["load_average_before"] is not None:
            text += (f"; 1-min load average {s['load_average_before'][0]:.2f} before, "
                     f"{s['load_average_after'][0]:.2f} after, on {os.cpu_count()} CPUs")
            if max(s["load_average_before"][0], s["load_average_after"][0]) > 1.5:
                text += "\nWARNING: the machine was busy with other work; times are pessimistic"
        if s["cinlab_changed_during_run"]:
            text += "\nWARNING: cinlab/ changed while the benchmarks ran; figures may mix versions"
        return text


def _loadavg() -> list[float] | None:
    try:
        return list(os.getloadavg())
    except (OSError, AttributeError):  # pragma: no cover - not available everywhere
        return None


# ----------------------------------------------------------------------- peak memory

MEMORY_METHOD = (
    "peak resident set size in a fresh subprocess: resource.getrusage(RUSAGE_SELF)."
    "ru_maxrss (KiB on Linux) after the run minus its value after imports and set-up "
    "(the baseline)"
)
TRACEMALLOC_METHOD = (
    "tracemalloc peak in a fresh subprocess (numpy reports its array allocations to "
    "tracemalloc); started after imports and set-up"
)


def _maxrss_bytes() -> int:
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def measure_in_subprocess(script: str | Path, factory: str, kwargs: dict | None = None,
                          mode: str = "rss", timeout: float | None = None) -> dict[str, Any]:
    """Time one run and measure its peak memory in a fresh Python process.

    The child imports numpy, scipy.special and cinlab, loads ``script`` and calls
    ``factory(**kwargs)``, which does any set-up and returns a zero-argument callable
    (the workload; it may return a JSON-compatible dict of details). The baseline is
    taken after that, then the workload runs once.

    Parameters
    ----------
    mode : {"rss", "tracemalloc"}
        ``"rss"``: peak RSS increase (``ru_maxrss`` after minus before);
        ``"tracemalloc"``: the tracemalloc peak during the workload.
    timeout : float, optional
        Seconds; the child is killed after that and the result has ``timed_out=True``,
        ``seconds`` is a lower bound and the memory figures are the last reported
        (the child reports its RSS peak every second).

    Returns
    -------
    dict
        ``seconds``, ``peak_bytes`` (the increase, or the tracemalloc peak),
        ``baseline_bytes`` (RSS after imports and set-up), ``mode``, ``timed_out``,
        ``details`` (what the workload returned).
    """
    # Linux carries ru_maxrss across execve: a child exec'd straight from this (possibly
    # large) process would start with our peak. A small launcher process in between
    # forks the measured child from a ~10 MB interpreter instead.
    cmd = [sys.executable, "-c", _LAUNCHER, sys.executable, str(HERE / "_common.py"),
           "--child", str(script), factory, json.dumps(kwargs or {}), mode]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
        timed_out = False
        if proc.returncode != 0:
            raise RuntimeError(f"memory child failed ({proc.returncode}):\n{stderr}")
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the launcher and the child it started
        stdout, _ = proc.communicate()
        timed_out = True
    wall = time.perf_counter() - t0
    records = []
    for line in stdout.splitlines():
        if line.startswith(_MARK):
            try:
                records.append(json.loads(line[len(_MARK):]))
            except json.JSONDecodeError:  # a line cut by the kill
                pass
    final = [r for r in records if r.get("kind") == "final"]
    if final:
        res = final[-1]
    else:
        progress = [r for r in records if r.get("kind") == "progress"]
        last = progress[-1] if progress else {}
        res = {"seconds": last.get("seconds", wall), "peak_bytes": last.get("peak_bytes"),
               "baseline_bytes": last.get("baseline_bytes"), "details": {}}
    res.update(mode=mode, timed_out=timed_out, wall_seconds=wall)
    res.pop("kind", None)
    return res


def _child(script: str, factory: str, kwargs_json: str, mode: str) -> None:
    import numpy  # noqa: F401  (imported before the baseline on purpose)
    import scipy.special  # noqa: F401

    import cinlab  # noqa: F401

    spec = importlib.util.spec_from_file_location("_bench_child", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    work = getattr(module, factory)(**json.loads(kwargs_json))
    gc.collect()
    base = _maxrss_bytes()
    done = threading.Event()
    lock = threading.Lock()
    t0 = time.perf_counter()

    def emit(rec: dict) -> None:
        with lock:  # one whole line per record, never interleaved
            sys.stdout.write(_MARK + json.dumps(rec) + "\n")
            sys.stdout.flush()

    def watch() -> None:
        # progress records let the parent report lower bounds if it kills this process
        while not done.wait(1.0):
            if mode == "tracemalloc":
                peak = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else 0
            else:
                peak = _maxrss_bytes() - base
            emit({"kind": "progress", "seconds": time.perf_counter() - t0,
                  "peak_bytes": peak, "baseline_bytes": base})

    watcher = threading.Thread(target=watch, daemon=True)
    if mode == "tracemalloc":
        tracemalloc.start()
    t0 = time.perf_counter()
    watcher.start()
    details = work()
    seconds = time.perf_counter() - t0
    done.set()
    watcher.join()
    if mode == "tracemalloc":
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    else:
        peak = _maxrss_bytes() - base
    emit({"kind": "final", "seconds": seconds, "peak_bytes": peak, "baseline_bytes": base,
          "details": details or {}})


# ------------------------------------------------------------------------ the table


@dataclass
class Row:
    """One figure of a benchmark.

    ``ratio`` is always ``value / target``; ``better`` says which side meets the target
    (``"higher"``: met when value >= target; ``"lower"``: met when value <= target).
    Rows without a target are informative.
    """

    measure: str
    value: float | None
    unit: str = ""
    target: float | None = None
    better: str = "lower"
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: True when the measurement was cut short and ``value`` is only a lower bound.
    lower_bound: bool = False

    @property
    def ratio(self) -> float | None:
        if self.value is None or self.target is None or self.target == 0:
            return None
        return self.value / self.target

    @property
    def met(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        if self.lower_bound and (self.value <= self.target) == (self.better == "lower"):
            return None  # the true value may or may not meet the target
        return self.value >= self.target if self.better == "higher" else \
            self.value <= self.target

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(ratio=self.ratio, met=self.met)
        return _jsonable(d)


def fmt(x: float | None, unit: str = "") -> str:
    """A number with 3 significant digits and an SI prefix for big counts."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if unit in ("/s", "events/s", "clone-steps/s", "draws/s") or abs(x) >= 1e6:
        for div, pre in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
            if abs(x) >= div:
                return f"{x / div:.3g}{pre} {unit}".rstrip() if unit != "/s" else \
                    f"{x / div:.3g}{pre}/s"
    if unit == "MB":
        return f"{x:.0f} MB" if x >= 100 else f"{x:.3g} MB"
    text = f"{x:.3g}"
    return f"{text} {unit}" if unit else text


def print_table(title: str, rows: Sequence[Row]) -> None:
    head = ("measure", "value", "target", "ratio", "met?")
    body = []
    for r in rows:
        target = "-" if r.target is None else (
            ("≥ " if r.better == "higher" else "≤ ") + fmt(r.target, r.unit))
        ratio = "-" if r.ratio is None else f"{r.ratio:.3g}"
        met = {None: "-", True: "met", False: "NOT met"}[r.met]
        value = (">" if r.lower_bound else "") + fmt(r.value, r.unit)
        ratio = (">" if r.lower_bound and r.ratio is not None else "") + ratio
        met = "unknown" if r.lower_bound and r.met is None else met
        body.append((r.measure, value, target, ratio, met))
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    line = "  ".join("-" * w for w in widths)
    print(f"\n{title}")
    print(line)
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print(line)
    for b in body:
        print("  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)))
    print(line)
    notes = [(r.measure, r.note) for r in rows if r.note]
    for measure, note in notes:
        print(f"  {measure}: {note}")


# ------------------------------------------------------------------- JSON and machine


def machine_info() -> dict[str, Any]:
    import numpy as np

    import cinlab

    info: dict[str, Any] = {
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "cinlab": cinlab.__version__,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    try:
        import scipy

        info["scipy"] = scipy.__version__
    except ImportError:  # pragma: no cover - scipy is a dependency
        pass
    if hasattr(os, "sched_getaffinity"):
        info["cpus_usable"] = len(os.sched_getaffinity(0))
    try:
        info["memory_bytes"] = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        pass
    info.update(code_state())
    return info


def code_state() -> dict[str, Any]:
    """The git commit and a fingerprint of uncommitted changes to cinlab/ (if in git)."""
    def git(*cmd: str) -> str:
        return subprocess.run(["git", *cmd], cwd=HERE, capture_output=True, text=True,
                              check=True, timeout=10).stdout

    try:
        diff = git("diff", "HEAD", "--", "../cinlab")
        return {"git_commit": git("rev-parse", "HEAD").strip(),
                "cinlab_uncommitted_changes": bool(diff),
                "cinlab_diff_sha1": hashlib.sha1(diff.encode()).hexdigest() if diff else None}
    except (OSError, subprocess.SubprocessError):
        return {}


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if hasattr(x, "tolist"):  # numpy scalars and arrays
        return _jsonable(x.tolist())
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def result_path(name: str, quick: bool, override: str | None) -> Path:
    """Where to write: ``--json`` if given; results/<name>.json; a temp file for --quick.

    Quick runs never overwrite the committed results.
    """
    if override:
        return Path(override)
    if quick:
        return Path(tempfile.gettempdir()) / "cinlab-benchmarks" / f"{name}.quick.json"
    return RESULTS / f"{name}.json"


def write_json(path: Path, name: str, rows: Sequence[Row], args: argparse.Namespace,
               clock: ScriptClock, details: dict[str, Any] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "benchmark": name,
        "machine": machine_info(),
        "options": vars(args),
        "script": clock.summary(),
        "memory_method": MEMORY_METHOD,
        "rows": [r.to_dict() for r in rows],
        "details": _jsonable(details or {}),
    }
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def report(name: str, title: str, rows: Sequence[Row], args: argparse.Namespace,
           clock: ScriptClock, details: dict[str, Any] | None = None) -> Path:
    """Print a script's table, write its JSON file and say where; returns the path."""
    if args.quick:
        title += " (--quick: smoke test only)"
    print_table(title, rows)
    path = write_json(result_path(name, args.quick, args.json), name, rows, args, clock,
                      details)
    print(f"\n{clock.report()}\nresults written to {path}")
    return path


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true",
                   help="small sizes: a smoke test in well under 20 s (figures not comparable)")
    p.add_argument("--json", metavar="PATH", default=None,
                   help="write results here (default: benchmarks/results/<name>.json; "
                        "--quick writes to the temp directory)")
    return p


def progress(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        _child(*sys.argv[2:])
    else:
        sys.exit("usage: _common.py --child SCRIPT FACTORY KWARGS_JSON {rss,tracemalloc}")
