//! `cephalog cohort`: the clinic cohort report as tables, JSON or the clinic outcomes report PDF.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use serde::Serialize;

use cephalog_app::cohort::{CohortFilter, cohort_report};
use cephalog_app::figures::num;
use cephalog_app::figures::terse::{mean_ci, share};
use cephalog_app::research::{ResearchSink, SinkError, research_export};
use cephalog_core::cohort::{CohortReport, Comparator};
use cephalog_core::{DiagnosisCode, Sex};
use cephalog_research::{About, Format};
use cephalog_store::Store;

use crate::output::{print_json, table};
use crate::{CohortArgs, CohortCommand, CohortExportArgs, CohortFilterArgs, today};

fn range<T: std::str::FromStr>(flag: &str, text: &str) -> Result<(T, T)>
where
    T::Err: std::fmt::Display,
{
    let (from, to) = text
        .split_once("..")
        .ok_or_else(|| anyhow!("--{flag}: expected FROM..TO, not '{text}'"))?;
    let parse = |s: &str| {
        s.trim()
            .parse::<T>()
            .map_err(|e| anyhow!("--{flag}: '{s}' in '{text}': {e}"))
    };
    Ok((parse(from)?, parse(to)?))
}

/// The filter the arguments ask for; a clinic is looked up by name and never created.
async fn filter(store: &Store, a: &CohortFilterArgs) -> Result<(CohortFilter, Option<String>)> {
    let mut f = CohortFilter::new(&a.rules);
    if let Some(name) = &a.clinic {
        f.clinic = Some(cephalog_app::cohort::clinic_named(store, name).await?);
    }
    if let Some(t) = &a.first_session {
        f.first_session = Some(range::<NaiveDate>("first-session", t)?);
    }
    if let Some(t) = &a.age {
        f.age = Some(range::<u32>("age", t)?);
    }
    if let Some(code) = &a.diagnosis {
        f.diagnosis = Some(
            code.parse::<DiagnosisCode>()
                .map_err(|e| anyhow!("--diagnosis: {e}"))?,
        );
    }
    if let Some(s) = &a.sex {
        f.sex = Some(s.parse::<Sex>().map_err(|e| anyhow!("--sex: {e}"))?);
    }
    Ok((f, a.clinic.clone()))
}

#[derive(Serialize)]
struct CohortJson<'a> {
    filters: &'a CohortFilter,
    description: &'a str,
    #[serde(flatten)]
    report: &'a CohortReport,
}

/// The filters as given, in words, for the audit trail (recorded before any check, so a refused
/// report is in the trail too).
fn described(a: &CohortFilterArgs, on: NaiveDate) -> String {
    let mut parts = vec![format!("rules {}", a.rules)];
    for (flag, v) in [
        ("clinic", &a.clinic),
        ("first session", &a.first_session),
        ("diagnosis", &a.diagnosis),
        ("age", &a.age),
        ("sex", &a.sex),
    ] {
        if let Some(v) = v {
            parts.push(format!("{flag} {v}"));
        }
    }
    format!("on {on}, {}", parts.join(", "))
}

pub async fn cohort(store: &Store, dir: Option<&Path>, a: CohortArgs) -> Result<()> {
    if let Some(CohortCommand::Export(e)) = a.command {
        return export(store, dir, e).await;
    }
    let on = a.filters.on.unwrap_or_else(today);
    let rules = cephalog_app::load_rule_sets(dir)?;
    crate::access::cohort(store, "cohort", described(&a.filters, on)).await?;
    let (f, clinic_name) = filter(store, &a.filters).await?;
    crate::access::cohort_clinic(f.clinic)?;
    if let Some(out) = &a.pdf {
        let outcomes = cephalog_reports::load::clinic_outcomes(store, &rules, &f, on, today())
            .await
            .context("cohort report")?;
        crate::access::cohort_patients(outcomes.report.patients.selected)?;
        let pdf = crate::report::typeset(outcomes, |o| o.render()).await?;
        return crate::report::write(&pdf, out);
    }
    let report = cohort_report(store, &rules, &f, on)
        .await
        .context("cohort report")?;
    crate::access::cohort_patients(report.patients.selected)?;
    let description = f.describe(clinic_name.as_deref());
    if a.json {
        return print_json(&CohortJson {
            filters: &f,
            description: &description,
            report: &report,
        });
    }
    print_human(&report, &description);
    Ok(())
}

/// Writes the rows into the export's files.
struct Files(cephalog_research::Export);

impl ResearchSink for Files {
    fn write(
        &mut self,
        table: &'static cephalog_core::research::TableSpec,
        rows: Vec<cephalog_core::research::Row>,
    ) -> std::result::Result<(), SinkError> {
        Ok(self.0.write(table, rows)?)
    }
}

/// `cephalog cohort export`: the de-identified research export, one audit entry naming the
/// filters, the format and the number of patients.
async fn export(store: &Store, dir: Option<&Path>, a: CohortExportArgs) -> Result<()> {
    let on = a.filters.on.unwrap_or_else(today);
    let format: Format = a.format.parse().map_err(|e| anyhow!("--format: {e}"))?;
    let rules = cephalog_app::load_rule_sets(dir)?;
    crate::access::cohort(
        store,
        "research-export",
        format!(
            "{}, format {}",
            described(&a.filters, on),
            format.extension()
        ),
    )
    .await?;
    let (f, clinic_name) = filter(store, &a.filters).await?;
    crate::access::cohort_clinic(f.clinic)?;
    // A bad filter is refused before any file is made.
    cephalog_app::cohort::validate(store, &rules, &f).await?;
    let mut files = Files(
        cephalog_research::Export::create(&a.out, format)
            .with_context(|| format!("--out {}", a.out.display()))?,
    );
    let patients = research_export(store, &rules, &f, on, &mut files)
        .await
        .context("research export")?;
    crate::access::cohort_patients(patients)?;
    let description = f.describe(clinic_name.as_deref());
    let tables = files.0.finish(&About {
        generated_by: format!("Cephalog {}", env!("CARGO_PKG_VERSION")),
        report_date: on.to_string(),
        filters: description.clone(),
        patients,
    })?;
    println!(
        "Research export of {patients} patient(s) as of {on} ({description}) in {}:",
        a.out.display()
    );
    for t in tables {
        println!("  {:<28} {:>10} rows", t.file, t.rows);
    }
    println!("  {}", cephalog_research::DICTIONARY_FILE);
    println!("  {}", cephalog_research::MANIFEST_FILE);
    Ok(())
}

fn comparator(c: &Comparator) -> String {
    format!(
        "{}: {} {} {} ({}) {}",
        c.study,
        c.figure,
        num(c.value),
        c.unit,
        c.at,
        c.mark()
    )
}

fn print_human(r: &CohortReport, description: &str) {
    println!("Cohort report as of {} — {description}", r.as_of);
    let p = &r.patients;
    println!(
        "Patients: {} selected of {} considered; {} without an adequately recorded baseline (in \
         the session, persistence and safety figures, not in the changes)",
        p.selected, p.considered, p.without_adequate_baseline
    );
    for e in &p.excluded {
        println!("  excluded: {} — {}", e.patients, e.description);
    }
    if p.selected == 0 {
        println!("\nNo patients match: {description}.");
        return;
    }
    println!(
        "\nPer treatment cycle (mean change per 28 days with 95 % t interval; shares with 95 % Wilson interval):"
    );
    let mut t = table();
    t.set_header([
        "cycle",
        "treated",
        "in progress",
        "adequate diary",
        "insufficient diary data",
        "headache days Δ",
        "migraine days Δ",
        "acute-medication days Δ",
        "met ≥30 % reduction",
        "met ≥50 % reduction",
        "below 15 headache days",
        "MIDAS Δ",
        "HIT-6 Δ",
    ]);
    for c in &r.cycles {
        let q = |i: usize| {
            c.questionnaires
                .get(i)
                .map_or("—".to_owned(), |q| mean_ci(&q.change))
        };
        t.add_row([
            c.cycle.to_string(),
            c.treated.to_string(),
            c.in_progress.to_string(),
            c.adequate_diary.to_string(),
            c.insufficient_diary_data.to_string(),
            mean_ci(&c.headache_days_change),
            mean_ci(&c.migraine_days_change),
            mean_ci(&c.acute_medication_days_change),
            share(&c.met_30_percent_reduction),
            share(&c.met_50_percent_reduction),
            share(&c.below_15_headache_days),
            q(0),
            q(1),
        ]);
    }
    println!("{t}");
    if let Some(first) = r.cycles.first() {
        println!(
            "Baseline headache days per 28 (adequate in cycle 1): {}",
            mean_ci(&first.baseline_headache_days)
        );
    }
    for c in &r.baseline_comparators {
        println!("  published: {}", comparator(c));
    }
    for c in &r.cycles {
        for x in &c.comparators {
            println!("  cycle {} beside {}", c.cycle, comparator(x));
        }
        if !c.comparators.is_empty() {
            println!(
                "  cycle {}: of those who met the ≥30 % reduction, below 15 headache days: {}",
                c.cycle,
                share(&c.below_15_among_met_30)
            );
        }
    }
    for x in &r.other_comparators {
        println!("  also published: {}", comparator(x));
    }

    let ps = &r.persistence;
    println!(
        "\nTime on treatment from the first session (Kaplan–Meier; ends at a stop decision under {} \
         or after more than {} days without a session{}):",
        r.rule_set,
        ps.discontinuation_gap_days,
        ps.gap_mark.map(|m| format!(" {m}")).unwrap_or_default()
    );
    println!(
        "  {} patients: {} stopped by a rule, {} by the gap, {} still on treatment; median {}",
        ps.patients,
        ps.stopped_by_rule,
        ps.stopped_by_gap,
        ps.still_on_treatment,
        ps.median_months.map_or_else(
            || "not reached".to_owned(),
            |m| format!("{} months", num(m))
        )
    );
    let mut t = table();
    t.set_header(["months", "at risk", "on treatment", "95 % band"]);
    for a in ps.at_risk.iter().chain(std::iter::once(&ps.at_108_weeks)) {
        t.add_row([
            num(a.months),
            a.at_risk.to_string(),
            format!("{} %", num(a.on_treatment * 100.0)),
            a.band.map_or("—".to_owned(), |b| {
                format!("{}–{} %", num(b.low * 100.0), num(b.high * 100.0))
            }),
        ]);
    }
    println!("{t}");
    for x in &ps.comparators {
        println!("  beside {}", comparator(x));
    }

    let s = &r.sessions;
    println!("\nSessions ({}):", s.sessions);
    let range = |q: &Option<cephalog_core::stats::Quartiles>| {
        q.map_or("—".to_owned(), |q| {
            format!("{}–{}", num(q.min), num(q.max))
        })
    };
    let mut t = table();
    t.set_header(["figure", "clinic"]);
    t.add_row([
        "units per session (mean, range)".to_owned(),
        format!("{}; {}", mean_ci(&s.units), range(&s.units_range)),
    ]);
    t.add_row([
        "sites per session (mean, range)".to_owned(),
        format!("{}; {}", mean_ci(&s.sites), range(&s.sites_range)),
    ]);
    t.add_row([
        "days between sessions (median, IQR)".to_owned(),
        s.interval_days.map_or("—".to_owned(), |q| {
            format!("{} ({}–{}), n {}", num(q.median), num(q.q1), num(q.q3), q.n)
        }),
    ]);
    t.add_row([
        "intervals longer than 13 weeks".to_owned(),
        share(&s.intervals_over_13_weeks),
    ]);
    t.add_row([
        "patients with an interval longer than 13 weeks".to_owned(),
        share(&s.patients_with_interval_over_13_weeks),
    ]);
    t.add_row([
        "sessions with follow-the-pain sites".to_owned(),
        share(&s.follow_the_pain_sessions),
    ]);
    t.add_row([
        "follow-the-pain units in those".to_owned(),
        mean_ci(&s.follow_the_pain_units),
    ]);
    println!("{t}");
    for x in &s.comparators {
        println!("  beside {}", comparator(x));
    }

    println!(
        "\nContinuation decisions at the end of each cycle (met / not met / unknown / not yet):"
    );
    let mut t = table();
    t.set_header([
        "rule set", "rule", "cycle", "met", "not met", "unknown", "not yet",
    ]);
    for set in &r.decisions {
        for rule in &set.rules {
            for c in &rule.by_cycle {
                t.add_row([
                    set.rule_set.clone(),
                    rule.rule.clone(),
                    c.cycle.to_string(),
                    c.met.to_string(),
                    c.not_met.to_string(),
                    c.unknown.to_string(),
                    c.not_yet_applicable.to_string(),
                ]);
            }
        }
    }
    println!("{t}");

    let a = &r.safety;
    println!(
        "\nAdverse events after the first session ({} sessions; rate per 100 sessions with exact \
         Poisson interval, share of patients with exact interval):",
        a.sessions
    );
    let rate = |f: &cephalog_core::cohort::EventFigures| {
        f.per_100_sessions.map_or("—".to_owned(), |r| {
            format!(
                "{} ({}–{})",
                num(r.rate),
                num(r.interval.low),
                num(r.interval.high)
            )
        })
    };
    let mut t = table();
    t.set_header([
        "events",
        "n",
        "per 100 sessions",
        "patients with at least one",
    ]);
    for (name, f) in [
        ("all", &a.all),
        ("serious", &a.serious),
        ("not serious", &a.non_serious),
        ("treatment-related", &a.treatment_related),
    ] {
        t.add_row([
            name.to_owned(),
            f.events.to_string(),
            rate(f),
            share(&f.patients),
        ]);
    }
    for term in &a.by_term {
        t.add_row([
            format!("{} ({} serious)", term.term, term.serious_events),
            term.figures.events.to_string(),
            rate(&term.figures),
            share(&term.figures.patients),
        ]);
    }
    println!("{t}");
    let mut t = table();
    t.set_header([
        "published figure (share of patients)",
        "published",
        "clinic patients",
    ]);
    for c in &a.comparisons {
        t.add_row([
            format!("{} — {}", c.published.name, c.published.source),
            format!(
                "{} % {}",
                num(c.published.botox_percent_of_patients),
                c.published.status.mark()
            ),
            share(&c.clinic_patients),
        ]);
    }
    for x in &a.comparators {
        t.add_row([
            format!("{} — {}", x.figure, x.study),
            format!("{} % {}", num(x.value), x.mark()),
            share(if x.figure.contains("treatment-related") {
                &a.treatment_related.patients
            } else {
                &a.all.patients
            }),
        ]);
    }
    println!("{t}");
    println!("\n{}", r.wording);
    println!("Decision support only: the clinician decides.");
}
