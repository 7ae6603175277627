"""Registry-scale benchmark: the cohort report on a synthetic registry, beside DuckDB.

Usage (from the repository root, after `cargo build --release -p cephalog-cli`):

    python3 crates/cli/benches/registry_bench.py PATIENTS [YEARS]

with a Python that has `duckdb` (PyPI). For each engine — SQLite, and PostgreSQL when
CEPHALOG_BENCH_POSTGRES_URL names a server (a database `cephalog_registry_bench` is created on it
and dropped afterwards) — it fills a registry (`cephalog demo --patients N --years Y --no-serve`),
computes the cohort report (`cephalog cohort --json`) and the Parquet research export, each timed
with its peak resident memory (wait4). Then, in the same run, DuckDB computes the per-cycle mean
change in headache days and the >=30 % reduction counts from the export's raw diary days
(`registry_duckdb.py`, its own process, timed the same way) and the figures are checked equal.
Prints one line per step; BENCHMARKS.md records the runs.
"""

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CEPHALOG = os.environ.get("CEPHALOG", os.path.join(ROOT, "target", "release", "cephalog"))
UNTIL = "2026-10-31"


def measured(label, args, stdout_file=None):
    """Runs `args` as a child, measured on its own: wall seconds and peak RSS (MiB)."""
    started = time.perf_counter()
    out = open(stdout_file, "w") if stdout_file else subprocess.PIPE
    p = subprocess.Popen(args, stdout=out, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.perf_counter() - started
    text = "" if stdout_file else p.stdout.read()
    err = p.stderr.read()
    if stdout_file:
        out.close()
    if os.waitstatus_to_exitcode(status) != 0:
        print(f"{label} failed:\n{err}{text}", file=sys.stderr)
        sys.exit(1)
    rss_mib = usage.ru_maxrss / 1024
    print(f"{label:<44} {seconds:8.2f} s  peak RSS {rss_mib:8.1f} MiB")
    return seconds, rss_mib, text


def engine(name, database, patients, years, work):
    print(f"== {name}: {patients} patients x {years} years")
    _, _, text = measured("fill (cephalog demo --patients)", [
        CEPHALOG, "--database", database, "demo", "--patients", str(patients), "--years",
        str(years), "--until", UNTIL, "--seed", "1", "--no-serve"])
    print("   " + next(line for line in text.splitlines() if "diary days/s" in line))
    cohort = os.path.join(work, f"cohort-{name}.json")
    report_s, report_rss, _ = measured("cohort report (cephalog cohort --json)", [
        CEPHALOG, "--database", database, "cohort", "--on", UNTIL, "--json"], stdout_file=cohort)
    export = os.path.join(work, f"export-{name}")
    measured("research export (Parquet)", [
        CEPHALOG, "--database", database, "cohort", "export", "--on", UNTIL, "--format",
        "parquet", "--out", export])
    duck_s, duck_rss, text = measured("DuckDB from the export (same figures)", [
        sys.executable, os.path.join(ROOT, "crates", "cli", "benches", "registry_duckdb.py"),
        export, cohort])
    print("   " + " ".join(text.split()))
    print(f"   cohort report / DuckDB: {report_s / duck_s:.1f} x the time, "
          f"{report_rss / duck_rss:.1f} x the peak memory")


def differences(a, b, path="$"):
    """The places two reports differ (numbers compared to a relative 1e-9: the engines hand the
    patients over in different id orders, so sums may differ in their last bits)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [path]
        return [d for k in a for d in differences(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [path]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    if isinstance(a, float) or isinstance(b, float):
        ok = a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
        return [] if ok else [path]
    return [] if a == b else [path]


def main():
    patients = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    years = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    work = tempfile.mkdtemp(prefix="cephalog-registry-")
    try:
        engine("sqlite", os.path.join(work, "registry.db"), patients, years, work)
        pg = os.environ.get("CEPHALOG_BENCH_POSTGRES_URL")
        if pg:
            base, _, _ = pg.rpartition("/")
            admin = ["psql", pg, "-q", "-c"]
            subprocess.run(admin + ["DROP DATABASE IF EXISTS cephalog_registry_bench"], check=True)
            subprocess.run(admin + ["CREATE DATABASE cephalog_registry_bench"], check=True)
            # A PostgreSQL deployment keeps its audit key and checkpoint log outside the database.
            os.environ["CEPHALOG_AUDIT_KEY_FILE"] = os.path.join(work, "audit.key")
            os.environ["CEPHALOG_AUDIT_CHECKPOINTS"] = os.path.join(work, "audit.checkpoints")
            try:
                engine("postgres", f"{base}/cephalog_registry_bench", patients, years, work)
            finally:
                subprocess.run(admin + ["DROP DATABASE IF EXISTS cephalog_registry_bench"], check=True)
            reports = [json.load(open(os.path.join(work, f"cohort-{e}.json")))
                       for e in ("sqlite", "postgres")]
            found = differences(reports[0], reports[1])
            print(f"== the SQLite and PostgreSQL reports: {len(found)} figures differ"
                  + (f" (first: {found[:5]})" if found else ""))
            if found:
                sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
