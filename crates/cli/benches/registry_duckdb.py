"""The cohort report's per-cycle figures computed by DuckDB from a Cephalog research export.

Usage: registry_duckdb.py EXPORT_DIR COHORT_JSON

From the raw diary days (diary_days.parquet) and the treatment windows (patient_cycles.parquet),
DuckDB counts each window's recorded and headache days (rule set nice-ta260: any headache is a
headache day), keeps windows recorded on at least 80 % of their days, prorates headache days to 28
days, pairs each complete cycle with its baseline and gives per cycle the mean change and the
number meeting the >=30 % reduction. It prints the time DuckDB took and checks every figure against
the report Cephalog computed from its own database (COHORT_JSON, `cephalog cohort --json`).
"""

import json
import math
import sys
import time

import duckdb


def main(export_dir, cohort_json):
    report = json.load(open(cohort_json))
    con = duckdb.connect()
    started = time.perf_counter()
    rows = con.execute(f"""
        with windows as (
            select study_id, cycle, complete, window_start_day as s, window_end_day as e
            from '{export_dir}/patient_cycles.parquet'
            where window_start_day is not null
        ),
        counted as (
            select w.study_id, w.cycle, w.complete, w.e - w.s + 1 as days,
                   count(d.day) as recorded,
                   count(d.day) filter (where d.headache_minutes > 0) as headache
            from windows w
            left join '{export_dir}/diary_days.parquet' d
              on d.study_id = w.study_id and d.day between w.s and w.e
            group by all
        ),
        per28 as (
            select study_id, cycle, complete,
                   case when recorded * 100 >= days * 80 then headache * 28.0 / recorded end as h
            from counted
        ),
        paired as (
            select c.cycle, c.h - b.h as change,
                   case when b.h > 0 then (c.h - b.h) / b.h * 100 end as pct
            from per28 c join per28 b on b.study_id = c.study_id and b.cycle = 0
            where c.cycle > 0 and c.complete and c.h is not null and b.h is not null
        )
        select cycle, avg(change), count(*), count(*) filter (where pct <= -30 + 1e-9), count(pct)
        from paired group by cycle order by cycle
    """).fetchall()
    seconds = time.perf_counter() - started
    by_cycle = {r[0]: r[1:] for r in rows}
    mismatches = 0
    for c in report["cycles"]:
        mean, n, met, judged = by_cycle.get(c["cycle"], (None, 0, 0, 0))
        change = c["headache_days_change"]
        met30 = c["met_30_percent_reduction"]
        same_change = (change is None and n == 0) or (
            change is not None and n == change["n"]
            and math.isclose(mean, change["mean"], rel_tol=1e-9, abs_tol=1e-9))
        same_met = (met30 is None and judged == 0) or (
            met30 is not None and (met, judged) == (met30["successes"], met30["n"]))
        if not (same_change and same_met):
            mismatches += 1
            print(f"cycle {c['cycle']}: DuckDB {mean} n {n}, {met}/{judged}; Cephalog {change} {met30}",
                  file=sys.stderr)
    print(f"duckdb_seconds={seconds:.2f}")
    print(f"cycles={len(report['cycles'])} mismatches={mismatches}")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
