"""How long the `grace` command takes to answer, and how much memory it takes.

Three commands through the installed entry point (`.venv/bin/grace`), each beside the baseline
`python -c "import typer, rich.console"` (what any typer + rich program pays) in the same run:

- `grace --help`
- `grace hunter scan -` with a lead's e-mail on standard input
- `grace chat --dry-run --json MESSAGE` (the offline model, the default: answered from the tool registry and
  the offline parser, without pydantic-ai and without opening the embedded SQLite database)

Runs alternate baseline and command, `--n` rounds (at least 5); figures are medians of wall time,
of the child's CPU time (user + system) and of its peak resident memory (`ru_maxrss`, from wait4).
`ratio` is wall time over the baseline runs paired with that command; `cpu_ratio` the same for CPU
time, which other processes on a busy machine disturb less. The environment has no Slack, Stripe
or Grace settings but a throw-away data folder. Last line: one JSON object.

    .venv/bin/python bench/cli.py [--n 7]

To measure another tree with the same interpreter (e.g. main before a change), put it first on
the path: `PYTHONPATH=/path/to/tree .venv/bin/python bench/cli.py` (the console script imports
`bot.cli.main` through the path like any module). To compare two trees under the same load, give the
other one with `--against /path/to/tree`: each round then also runs its commands, right after this
tree's, and the JSON has their figures under "against" (ratios to the same baseline runs).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GRACE = str(BIN / "grace")
BASELINE = [sys.executable, "-c", "import typer, rich.console"]
LEAD = """From: Dana Whitfield <dana@northwind.example>
Subject: New store

Hi, I'm Dana from Northwind Outfitters. We need our Shopify store rebuilt with a subscription box,
budget around $18k, live before March. Can you send a proposal? Call me on +1 415 555 0134.
"""
MESSAGE = "qualify lead 3"
# name -> (argv, standard input, the target ratio to the baseline, a check of the output)
COMMANDS = {
    "help": ([GRACE, "--help"], "", 3.0, lambda out: "Usage: grace" in out),
    "hunter_scan": ([GRACE, "hunter", "scan", "-"], LEAD, 5.0, lambda out: "action" in json.loads(out)),
    "chat_dry_run": ([GRACE, "chat", "--dry-run", "--json", MESSAGE], "", 10.0,
                     lambda out: json.loads(out)["tool_calls"] == [{"tool": "qualify_lead", "args": {"lead_id": 3}}]),
}
HELP_MAX_MB = 60.0


@dataclass
class Samples:
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)

    def add(self, run: Run) -> None:
        self.seconds.append(run.seconds)
        self.cpu.append(run.cpu)
        self.peak_mb.append(run.peak_mb)

    def extend(self, other: Samples) -> None:
        self.seconds += other.seconds
        self.cpu += other.cpu
        self.peak_mb += other.peak_mb

    def median(self) -> Run:
        m = statistics.median
        return Run(m(self.seconds), m(self.cpu), m(self.peak_mb), "")


@dataclass
class Run:
    seconds: float  # wall time
    cpu: float  # the child's user + system time: the same work, less disturbed by other processes
    peak_mb: float  # the child's peak resident memory (ru_maxrss)
    stdout: str


def measure(argv: list[str], stdin: str, env: dict[str, str], cwd: str) -> Run:
    """Run once, as a child of this process (wait4 gives its own resource usage)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as inp:
        inp.write(stdin.encode())
        inp.seek(0)
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=inp, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode()
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv[:4])} exited {proc.returncode}: {err.read().decode()[-2000:]}")
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text)  # ru_maxrss: KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=7, help="rounds (at least 5)")
    parser.add_argument("--against", type=Path, help="another tree (e.g. main before a change), timed alike")
    args = parser.parse_args()
    if args.n < 5:
        parser.error("--n must be at least 5")
    data = tempfile.mkdtemp(prefix="grace-bench-cli-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRACE_", "SLACK_", "STRIPE_"))}
    env |= {"GRACE_DATA_DIR": data, "GRACE_DATABASE_URL": f"sqlite+aiosqlite:///{data}/grace.db",
            "GRACE_REDIS_URL": "", "GRACE_MODEL": "offline", "GRACE_LOG_LEVEL": "WARNING", "COLUMNS": "100"}
    other = None
    if args.against:
        if not (args.against / "bot" / "cli" / "main.py").is_file():
            parser.error(f"--against: {args.against} is not a Grace tree (no bot/cli/main.py)")
        other = env | {"PYTHONPATH": str(args.against.resolve())}
    # Warm-up, not timed: fills the OS file cache, checks outputs (and creates and migrates the database
    # for an older tree, whose dry run opened it).
    for name, (argv, stdin, _, ok) in COMMANDS.items():
        for tree_env in (env, other) if other else (env,):
            if not ok(measure(argv, stdin, tree_env, data).stdout):
                raise SystemExit(f"{name}: unexpected output")
    measure(BASELINE, "", env, data)

    base = {name: Samples() for name in COMMANDS}
    runs = {name: Samples() for name in COMMANDS}
    against = {name: Samples() for name in COMMANDS}
    for _ in range(args.n):
        for name, (argv, stdin, _, _) in COMMANDS.items():
            base[name].add(measure(BASELINE, "", env, data))
            runs[name].add(measure(argv, stdin, env, data))
            if other:
                against[name].add(measure(argv, stdin, other, data))

    figures: dict[str, object] = {"rounds": args.n, "entry_point": GRACE}
    all_base = Samples()
    for samples in base.values():
        all_base.extend(samples)
    b = all_base.median()
    figures["baseline"] = {"command": "python -c 'import typer, rich.console'", "seconds": round(b.seconds, 3),
                           "cpu_seconds": round(b.cpu, 3), "peak_mb": round(b.peak_mb, 1)}
    print(f"{'':14}{'median s':>10}{'baseline s':>12}{'ratio':>8}{'cpu ratio':>11}{'target':>8}{'peak MB':>9}")
    print(f"{'baseline':14}{b.seconds:>10.3f}{'':>12}{'':>8}{'':>11}{'':>8}{b.peak_mb:>9.1f}")
    for name, (argv, _, target, _) in COMMANDS.items():
        c, paired = runs[name].median(), base[name].median()
        ratio, cpu_ratio = c.seconds / paired.seconds, c.cpu / paired.cpu
        met = ratio <= target and (name != "help" or c.peak_mb < HELP_MAX_MB)
        figures[name] = {"command": " ".join(Path(a).name if i == 0 else a for i, a in enumerate(argv)),
                         "seconds": round(c.seconds, 3), "baseline_seconds": round(paired.seconds, 3),
                         "ratio": round(ratio, 2), "cpu_ratio": round(cpu_ratio, 2), "target_ratio": target,
                         "peak_mb": round(c.peak_mb, 1), "target_met": met}
        print(f"{name:14}{c.seconds:>10.3f}{paired.seconds:>12.3f}{ratio:>8.2f}{cpu_ratio:>11.2f}{target:>8.1f}"
              f"{c.peak_mb:>9.1f}" + ("" if met else "  target missed"))
    if other:
        figures["against"] = {"tree": str(args.against)}
        print(f"against {args.against}:")
        for name in COMMANDS:
            c, paired = against[name].median(), base[name].median()
            ratio, cpu_ratio = c.seconds / paired.seconds, c.cpu / paired.cpu
            figures["against"][name] = {"seconds": round(c.seconds, 3), "ratio": round(ratio, 2),  # type: ignore[index]
                                        "cpu_ratio": round(cpu_ratio, 2), "peak_mb": round(c.peak_mb, 1)}
            print(f"{name:14}{c.seconds:>10.3f}{paired.seconds:>12.3f}{ratio:>8.2f}{cpu_ratio:>11.2f}{'':>8}"
                  f"{c.peak_mb:>9.1f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
