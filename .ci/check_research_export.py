"""Reads a Cephalog research export back with independent readers (pyarrow and DuckDB).

Usage: check_research_export.py EXPORT_DIR COHORT_JSON

Checks that every table named in manifest.json is a Parquet file with the manifest's row count and
the data dictionary's columns and types, that the de-identification holds (study ids only, ages
capped at 90, day 0 at each patient's first session), and that DuckDB, computing from the
patient-cycles table alone, finds the cohort report's per-cycle mean change in headache days and
its >=30 % responder counts.
"""

import csv
import json
import math
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

ARROW_TYPES = {
    "integer": pa.int64(),
    "float": pa.float64(),
    "boolean": pa.bool_(),
    "text": pa.string(),
}


def fail(message):
    print(f"research export: {message}", file=sys.stderr)
    sys.exit(1)


def main(export_dir, cohort_json):
    root = Path(export_dir)
    manifest = json.loads((root / "manifest.json").read_text())
    report = json.loads(Path(cohort_json).read_text())
    if manifest["format"] != "parquet":
        fail(f"format {manifest['format']}, expected parquet")
    if manifest["patients"] != report["patients"]["selected"]:
        fail(f"{manifest['patients']} patients exported, the report selects {report['patients']['selected']}")
    with open(root / manifest["dictionary"], newline="") as f:
        dictionary = list(csv.DictReader(f))
    for t in manifest["tables"]:
        path = root / t["file"]
        table = pq.read_table(path)
        if table.num_rows != t["rows"]:
            fail(f"{t['file']}: {table.num_rows} rows, the manifest says {t['rows']}")
        expected = [(d["column"], ARROW_TYPES[d["type"]]) for d in dictionary
                    if d["table"] == t["table"] and d["column"] != "*"]
        found = [(f.name, f.type) for f in table.schema]
        if found != expected:
            fail(f"{t['file']}: columns {found}, the dictionary says {expected}")
        print(f"{t['file']}: {table.num_rows} rows, {len(found)} columns as the dictionary says")

    con = duckdb.connect()
    cycles = str(root / "patient_cycles.parquet")
    sessions = str(root / "sessions.parquet")
    bad_ids = con.execute(
        f"select count(*) from '{cycles}' where not regexp_full_match(study_id, 'S[0-9]{{4,}}')"
    ).fetchone()[0]
    if bad_ids:
        fail(f"{bad_ids} patient-cycle rows with an id that is not a study id")
    max_age = con.execute(f"select max(age_at_first_session) from '{cycles}'").fetchone()[0]
    if max_age is not None and max_age > 90:
        fail(f"an age of {max_age} (Safe Harbor gives 90 and over as 90)")
    first_days = con.execute(
        f"select min(day) as first, count(*) from '{sessions}' group by study_id having min(day) <> 0"
    ).fetchall()
    if first_days:
        fail(f"patients whose first session is not day 0: {first_days}")
    patients = con.execute(f"select count(distinct study_id) from '{cycles}'").fetchone()[0]
    if patients != manifest["patients"]:
        fail(f"{patients} study ids in patient_cycles, the manifest says {manifest['patients']}")

    rows = con.execute(f"""
        select cycle,
               avg(headache_days_change_per_28),
               count(headache_days_change_per_28),
               count(*) filter (where met_30_percent_reduction),
               count(met_30_percent_reduction)
        from '{cycles}' where cycle > 0 group by cycle order by cycle
    """).fetchall()
    by_cycle = {r[0]: r[1:] for r in rows}
    for c in report["cycles"]:
        mean, n, met, judged = by_cycle.get(c["cycle"], (None, 0, 0, 0))
        change = c["headache_days_change"]
        if change is None:
            if n != 0:
                fail(f"cycle {c['cycle']}: DuckDB finds {n} changes, the report none")
        elif n != change["n"] or not math.isclose(mean, change["mean"], rel_tol=1e-9, abs_tol=1e-9):
            fail(f"cycle {c['cycle']}: DuckDB mean change {mean} (n {n}), the report {change['mean']} (n {change['n']})")
        met30 = c["met_30_percent_reduction"]
        if (met30 is None and judged != 0) or (met30 is not None and (met, judged) != (met30["successes"], met30["n"])):
            fail(f"cycle {c['cycle']}: DuckDB finds {met}/{judged} responders, the report {met30}")
        print(f"cycle {c['cycle']}: mean change {mean} (n {n}), >=30 % responders {met}/{judged}: as the report")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        fail("usage: check_research_export.py EXPORT_DIR COHORT_JSON")
    main(sys.argv[1], sys.argv[2])
