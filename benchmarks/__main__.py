"""Run every benchmark: ``python -m benchmarks`` (all figures) or ``--quick`` (proves they run).

Each benchmark prints its table and a line of figures; this runner ends with
one line gathering them all, starting with ``figures:``. Targets missed are
figures, not failures: the exit status is non-zero only when a benchmark
could not run to its figures.

    python -m benchmarks                       # ~25 min on 2 cores: SQLite and PostgreSQL
    python -m benchmarks --quick               # ~1 min: small loads, SQLite only
    python -m benchmarks --only per_update footprint
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks import footprint, per_update, sqlite_concurrency

ROOT = Path(__file__).resolve().parent.parent
Runner = Callable[[bool], str | None]


def _in_process(run: Callable[[bool], dict[str, str]], name: str) -> Runner:
    def runner(quick: bool) -> str | None:
        figures = run(quick)
        return " ".join(f"{name}.{key}={value}" for key, value in figures.items())

    return runner


def _script(name: str, quick_args: Sequence[str], full_args: Sequence[Sequence[str]]) -> Runner:
    """A benchmark that is its own script: run it, keep the line that starts with its name
    (or its last line) as its figures. A non-zero exit with that line printed is a target
    missed (the script's own verdict); without it, the benchmark did not run."""

    def runner(quick: bool) -> str | None:
        lines: list[str] = []
        for args in [quick_args] if quick else full_args:
            result = subprocess.run(
                [sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), *args],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=3_600,
            )
            print(result.stdout, end="")
            output = [line for line in result.stdout.splitlines() if line.strip()]
            own = [line for line in output if line.startswith(name)]
            if result.returncode != 0 and not own:
                print(result.stderr[-3000:], file=sys.stderr)
                return None
            if not output:
                return None
            line = own[-1] if own else output[-1]
            if result.returncode != 0:
                line += " (target missed)"
            lines.append(line)
        return " ".join(lines)

    return runner


def _per_update(quick: bool) -> dict[str, str]:
    backends = ["sqlite"] if quick else ["sqlite", "postgresql"]
    figures = per_update.run(quick, backends)
    ratio = float(figures.get("sqlite_cpu_ratio_limiter", "0x").rstrip("x"))
    if not quick and ratio > per_update.CPU_TARGET:
        # Above the target: say where the time goes.
        print(
            f"\nCPU per update above {per_update.CPU_TARGET}x the echo bot with the rate "
            "limiter; profiling (py-spy):"
        )
        with tempfile.TemporaryDirectory(prefix="bilan-profile-") as folder:
            run = (per_update.UPDATES, per_update.USERS, Path(folder))
            for line in per_update.profile_ours("sqlite", *run):
                print(line)
    return figures


BENCHMARKS: dict[str, Runner] = {
    "per_update": _in_process(_per_update, "per_update"),
    "footprint": _in_process(
        lambda quick: footprint.run(quick, ["sqlite"] if quick else ["sqlite", "postgresql"]),
        "footprint",
    ),
    "sqlite_concurrency": _in_process(
        lambda quick: sqlite_concurrency.run(quick), "sqlite_concurrency"
    ),
    "outbox_fanout": _script("outbox_fanout", ["--quick"], [[], ["--backend", "postgresql"]]),
    "rome_search": _script("rome_search", [], [[]]),
    "digest": _script("digest", ["--quick"], [["--postgres"]]),
    "export": _script("export", ["--quick"], [[]]),
    "synthesis": _script("synthesis", ["--quick"], [[]]),
    "desk": _script("desk", ["--quick"], [["--postgres"]]),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small loads, SQLite only")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), default=None)
    args = parser.parse_args(argv)
    chosen = args.only or list(BENCHMARKS)
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
        f", load average {os.getloadavg()[0]:.1f}{' (quick mode)' if args.quick else ''}"
    )
    collected: list[str] = []
    failed: list[str] = []
    for name in chosen:
        print(f"\n=== {name} ===", flush=True)
        began = time.monotonic()
        try:
            line = BENCHMARKS[name](args.quick)
        except Exception:
            traceback.print_exc()
            line = None
        print(f"({name}: {time.monotonic() - began:.0f} s)", flush=True)
        if line is None:
            failed.append(name)
        else:
            collected.append(line)
    if failed:
        collected.append("failed=" + ",".join(failed))
    print("\nfigures: " + " ".join(collected), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
