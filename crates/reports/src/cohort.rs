//! The clinic outcomes report: the cohort report of `cephalog-core` as a PDF. The clinic, the
//! filters and the as-of date; who is in and who is out and why; per treatment cycle the counts,
//! the mean headache days and their change with 95 % t intervals and the shares who met the
//! ≥30 % and ≥50 % reductions with 95 % Wilson intervals, beside the published figures with their
//! sources and status marks; the three cohort charts; time on treatment with its at-risk table;
//! sessions; the continuation decisions of every rule set; adverse events beside the published
//! rates. An empty selection says "No patients match" and names the filters.
//!
//! Every figure is the core's; this module only formats them.

use chrono::NaiveDate;

use cephalog_app::cohort::CohortFilter;
use cephalog_app::figures::terse;
use cephalog_app::figures::terse::{mean_ci, share};
use cephalog_app::figures::{num, range};
use cephalog_charts::{cohort_headache_days_svg, cohort_persistence_svg, cohort_responders_svg};
use cephalog_core::cohort::{AtRisk, CohortReport, Comparator, EventFigures};
use cephalog_core::reference::INSUFFICIENT_DIARY_DATA;

use crate::markup::{escape, facts, heading, image, para, preamble, table};
use crate::parts::{date, decision_support_note};
use crate::{Chart, Report, ReportError, file_safe, render};

/// The title every clinic outcomes report carries.
pub const TITLE: &str = "Clinic outcomes report";

/// What the report is made from (see [`crate::load::clinic_outcomes`]).
#[derive(Debug, Clone)]
pub struct ClinicOutcomes {
    pub report: CohortReport,
    pub filter: CohortFilter,
    /// The name of the filter's clinic; `None` for the whole installation.
    pub clinic: Option<String>,
    /// The filters in words ([`CohortFilter::describe`]).
    pub description: String,
    pub made_on: NaiveDate,
}

fn comparator_row(at: &str, c: &Comparator) -> Vec<String> {
    vec![
        escape(at),
        escape(c.study),
        escape(c.figure),
        escape(&format!("{} {}", num(c.value), c.unit)),
        escape(c.at),
        escape(c.mark()),
    ]
}

fn comparators_table(rows: Vec<Vec<String>>) -> String {
    table(
        "(auto, auto, 2fr, auto, 1fr, auto)",
        &[
            "Beside",
            "Study",
            "Figure",
            "Value",
            "Measured at",
            "Status",
        ],
        &rows,
    )
}

fn at_risk_row(a: &AtRisk) -> Vec<String> {
    vec![
        num(a.months),
        a.at_risk.to_string(),
        escape(&format!("{} %", num(a.on_treatment * 100.0))),
        escape(&a.band.map_or("—".to_owned(), |b| {
            format!("{}–{} %", num(b.low * 100.0), num(b.high * 100.0))
        })),
    ]
}

fn rate(f: &EventFigures) -> String {
    terse::rate(&f.per_100_sessions)
}

impl ClinicOutcomes {
    fn clinic_name(&self) -> &str {
        self.clinic.as_deref().unwrap_or("all clinics")
    }

    /// The report's markup and charts.
    pub fn markup(&self) -> (String, Vec<Chart>) {
        let r = &self.report;
        let mut charts = Vec::new();
        let mut m = preamble(
            &format!("{TITLE}, {}, as of {}", self.clinic_name(), date(r.as_of)),
            &format!("{TITLE} · {} · as of {}", self.clinic_name(), date(r.as_of)),
        );
        m.push_str(&heading(1, TITLE));
        m.push_str(&facts(&[
            ("Clinic", self.clinic_name().to_owned()),
            ("As of", date(r.as_of)),
            ("Filters", self.description.clone()),
            ("Rule set", r.rule_set.clone()),
            ("Made on", date(self.made_on)),
        ]));

        // Who is in and who is out.
        m.push_str(&heading(2, "Patients"));
        let p = &r.patients;
        m.push_str(&para(&format!(
            "Patients selected: {} of {} considered; {} of them without an adequately recorded \
             baseline (in the session, persistence and safety figures, not in the changes).",
            p.selected, p.considered, p.without_adequate_baseline
        )));
        if !p.excluded.is_empty() {
            let rows: Vec<Vec<String>> = p
                .excluded
                .iter()
                .map(|e| vec![escape(e.description), e.patients.to_string()])
                .collect();
            m.push_str(&table(
                "(1fr, auto)",
                &["Left out because", "Patients"],
                &rows,
            ));
        }
        if p.selected == 0 {
            m.push_str(&format!(
                "#block(inset: 4pt, stroke: 0.4pt + luma(170), width: 100%)[*{}*]\n",
                escape(&format!("No patients match: {}.", self.description))
            ));
            m.push_str(&para(r.wording));
            m.push_str(&decision_support_note(self.made_on));
            return (m, charts);
        }

        m.push_str(&self.cycles_block());

        // Charts.
        let responders = Chart::new(
            "cohort-responders",
            cohort_responders_svg("cohort-responders", &r.cycles),
        );
        let headache = Chart::new(
            "cohort-headache-days",
            cohort_headache_days_svg("cohort-headache-days", &r.cycles),
        );
        m.push_str("#grid(columns: (1fr, 1fr), column-gutter: 10pt,\n[\n");
        m.push_str(&image(
            &responders,
            "100%",
            "Share who met the ≥30 % and ≥50 % reductions in headache days, by treatment cycle",
        ));
        m.push_str("],\n[\n");
        m.push_str(&image(
            &headache,
            "100%",
            "Mean headache days per 28 days by treatment cycle beside the same patients' baseline",
        ));
        m.push_str("],\n)\n");
        m.push_str(&format!(
            "#text(size: 7pt)[{}]\n",
            escape(&format!(
                "Whiskers and bands are 95 % intervals; n under each cycle is the number of \
                 patients with an adequately recorded baseline and cycle diary; a hatched cycle \
                 is {INSUFFICIENT_DIARY_DATA}, never zero."
            ))
        ));
        charts.push(responders);
        charts.push(headache);

        m.push_str(&self.persistence_block(&mut charts));
        m.push_str(&self.sessions_block());
        m.push_str(&self.decisions_block());
        m.push_str(&self.safety_block());
        m.push_str(&para(r.wording));
        m.push_str(&decision_support_note(self.made_on));
        (m, charts)
    }

    fn cycles_block(&self) -> String {
        let r = &self.report;
        let mut m = heading(2, "Per treatment cycle");
        m.push_str(&para(
            "Headache days per 28 days: mean with 95 % t interval and n (patients with an \
             adequately recorded baseline and cycle diary); change is cycle − baseline per \
             patient (negative: fewer days). Shares with 95 % Wilson interval.",
        ));
        let rows: Vec<Vec<String>> = r
            .cycles
            .iter()
            .map(|c| {
                vec![
                    c.cycle.to_string(),
                    c.treated.to_string(),
                    c.in_progress.to_string(),
                    c.adequate_diary.to_string(),
                    c.insufficient_diary_data.to_string(),
                    escape(&mean_ci(&c.baseline_headache_days)),
                    escape(&mean_ci(&c.headache_days)),
                    escape(&mean_ci(&c.headache_days_change)),
                    escape(&share(&c.met_30_percent_reduction)),
                    escape(&share(&c.met_50_percent_reduction)),
                    escape(&share(&c.below_15_headache_days)),
                ]
            })
            .collect();
        m.push_str(&table(
            "(auto, auto, auto, auto, auto, 1fr, 1fr, 1fr, 1fr, 1fr, 1fr)",
            &[
                "Cycle",
                "Treated",
                "In progress",
                "Adequate diary",
                "Insufficient diary data",
                "Baseline headache days",
                "Cycle headache days",
                "Change",
                "Met ≥30 % reduction",
                "Met ≥50 % reduction",
                "Below 15 headache days",
            ],
            &rows,
        ));
        let rows: Vec<Vec<String>> = r
            .cycles
            .iter()
            .map(|c| {
                let mut row = vec![
                    c.cycle.to_string(),
                    escape(&mean_ci(&c.migraine_days_change)),
                    escape(&mean_ci(&c.acute_medication_days_change)),
                ];
                for q in &c.questionnaires {
                    row.push(escape(&format!(
                        "{} ({} without a pair)",
                        mean_ci(&q.change),
                        q.without_pair
                    )));
                }
                row
            })
            .collect();
        let mut header = vec![
            "Cycle".to_owned(),
            "Migraine days change".to_owned(),
            "Acute-medication days change".to_owned(),
        ];
        if let Some(first) = r.cycles.first() {
            header.extend(
                first
                    .questionnaires
                    .iter()
                    .map(|q| format!("{} total change", q.instrument.def().label)),
            );
        }
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let columns = format!(
            "(auto, {})",
            vec!["1fr"; header.len().saturating_sub(1)].join(", ")
        );
        m.push_str(&table(&columns, &header, &rows));

        // Published figures beside the clinic's.
        let mut rows: Vec<Vec<String>> = r
            .baseline_comparators
            .iter()
            .map(|c| comparator_row("baseline", c))
            .collect();
        for c in &r.cycles {
            rows.extend(
                c.comparators
                    .iter()
                    .map(|x| comparator_row(&format!("cycle {}", c.cycle), x)),
            );
        }
        rows.extend(
            r.other_comparators
                .iter()
                .map(|x| comparator_row("any cycle", x)),
        );
        if !rows.is_empty() {
            m.push_str(&heading(3, "Published figures beside the clinic's"));
            m.push_str(&comparators_table(rows));
        }
        for c in r.cycles.iter().filter(|c| !c.comparators.is_empty()) {
            m.push_str(&para(&format!(
                "Cycle {}: of those who met the ≥30 % reduction, below 15 headache days: {}.",
                c.cycle,
                share(&c.below_15_among_met_30)
            )));
        }
        m
    }

    fn persistence_block(&self, charts: &mut Vec<Chart>) -> String {
        let r = &self.report;
        let ps = &r.persistence;
        let mut m = heading(2, "Time on treatment");
        m.push_str(&para(&format!(
            "Kaplan–Meier from the first session; time on treatment ends at a stop decision under \
             {} or after more than {} days without a session{}, and is censored on {}. \
             Patients: {}; {} stopped by a rule, {} by the gap, {} still on treatment; median {}.",
            r.rule_set,
            ps.discontinuation_gap_days,
            ps.gap_mark.map(|x| format!(" {x}")).unwrap_or_default(),
            date(r.as_of),
            ps.patients,
            ps.stopped_by_rule,
            ps.stopped_by_gap,
            ps.still_on_treatment,
            ps.median_months.map_or_else(
                || "not reached".to_owned(),
                |x| format!("{} months", num(x))
            )
        )));
        let chart = Chart::new(
            "cohort-persistence",
            cohort_persistence_svg("cohort-persistence", ps),
        );
        m.push_str("#grid(columns: (55%, 1fr), column-gutter: 10pt,\n[\n");
        m.push_str(&image(
            &chart,
            "100%",
            "Time on treatment from the first session, Kaplan–Meier with 95 % log-log band",
        ));
        charts.push(chart);
        m.push_str("],\n[\n");
        let mut rows: Vec<Vec<String>> = ps.at_risk.iter().map(at_risk_row).collect();
        let mut w108 = at_risk_row(&ps.at_108_weeks);
        if let Some(first) = w108.first_mut() {
            *first = escape(&format!("{} (108 weeks)", num(ps.at_108_weeks.months)));
        }
        rows.push(w108);
        m.push_str(&table(
            "(auto, auto, auto, 1fr)",
            &["Months", "At risk", "On treatment", "95 % band"],
            &rows,
        ));
        m.push_str("],\n)\n");
        if !ps.comparators.is_empty() {
            let rows = ps
                .comparators
                .iter()
                .map(|c| comparator_row("108 weeks", c))
                .collect();
            m.push_str(&comparators_table(rows));
        }
        m
    }

    fn sessions_block(&self) -> String {
        let s = &self.report.sessions;
        let mut m = heading(2, "Sessions");
        let rows = vec![
            vec![escape("Sessions"), s.sessions.to_string()],
            vec![
                escape("Units per session (mean, range)"),
                escape(&format!("{}; {}", mean_ci(&s.units), range(&s.units_range))),
            ],
            vec![
                escape("Sites per session (mean, range)"),
                escape(&format!("{}; {}", mean_ci(&s.sites), range(&s.sites_range))),
            ],
            vec![
                escape("Days between sessions (median, IQR)"),
                escape(&s.interval_days.map_or("—".to_owned(), |q| {
                    format!("{} ({}–{}), n {}", num(q.median), num(q.q1), num(q.q3), q.n)
                })),
            ],
            vec![
                escape("Intervals longer than 13 weeks"),
                escape(&share(&s.intervals_over_13_weeks)),
            ],
            vec![
                escape("Patients with an interval longer than 13 weeks"),
                escape(&share(&s.patients_with_interval_over_13_weeks)),
            ],
            vec![
                escape("Sessions with follow-the-pain sites"),
                escape(&share(&s.follow_the_pain_sessions)),
            ],
            vec![
                escape("Follow-the-pain units in those"),
                escape(&mean_ci(&s.follow_the_pain_units)),
            ],
        ];
        m.push_str(&table("(auto, 1fr)", &["Figure", "Clinic"], &rows));
        if !s.comparators.is_empty() {
            let rows = s
                .comparators
                .iter()
                .map(|c| comparator_row("sessions", c))
                .collect();
            m.push_str(&comparators_table(rows));
        }
        m
    }

    fn decisions_block(&self) -> String {
        let r = &self.report;
        let mut m = heading(2, "Continuation decisions at the end of each cycle");
        let mut rows = Vec::new();
        for set in &r.decisions {
            for rule in &set.rules {
                for (i, c) in rule.by_cycle.iter().enumerate() {
                    // The rule in full on its first row, by its id on the others.
                    let text = if i == 0 {
                        format!("{}: {} ({})", rule.rule, rule.description, rule.source)
                    } else {
                        rule.rule.clone()
                    };
                    rows.push(vec![
                        escape(&set.rule_set),
                        escape(&text),
                        c.cycle.to_string(),
                        c.met.to_string(),
                        c.not_met.to_string(),
                        c.review.to_string(),
                        c.unknown.to_string(),
                        c.not_yet_applicable.to_string(),
                    ]);
                }
            }
        }
        if rows.is_empty() {
            m.push_str(&para("No continuation rule applied to any cycle."));
            return m;
        }
        m.push_str(&table(
            "(auto, 1fr, auto, auto, auto, auto, auto, auto)",
            &[
                "Rule set",
                "Rule",
                "Cycle",
                "Met (continue)",
                "Not met (stop)",
                "Review",
                "Unknown",
                "Not yet",
            ],
            &rows,
        ));
        m
    }

    fn safety_block(&self) -> String {
        let a = &self.report.safety;
        let mut m = heading(2, "Adverse events after the first session");
        m.push_str(&para(&format!(
            "{} sessions. Rate per 100 sessions with exact Poisson interval; share of patients \
             with at least one, with exact interval.",
            a.sessions
        )));
        let mut rows: Vec<Vec<String>> = [
            ("all", &a.all),
            ("serious", &a.serious),
            ("not serious", &a.non_serious),
            ("treatment-related", &a.treatment_related),
        ]
        .into_iter()
        .map(|(name, f)| {
            vec![
                escape(name),
                f.events.to_string(),
                escape(&rate(f)),
                escape(&share(&f.patients)),
            ]
        })
        .collect();
        rows.extend(a.by_term.iter().map(|t| {
            vec![
                escape(&format!("{} ({} serious)", t.term, t.serious_events)),
                t.figures.events.to_string(),
                escape(&rate(&t.figures)),
                escape(&share(&t.figures.patients)),
            ]
        }));
        m.push_str(&table(
            "(1fr, auto, auto, auto)",
            &[
                "Events",
                "n",
                "Per 100 sessions",
                "Patients with at least one",
            ],
            &rows,
        ));
        let mut rows: Vec<Vec<String>> = a
            .comparisons
            .iter()
            .map(|c| {
                vec![
                    escape(&format!("{} — {}", c.published.name, c.published.source)),
                    escape(&format!(
                        "{} % {}",
                        num(c.published.botox_percent_of_patients),
                        c.published.status.mark()
                    )),
                    escape(&share(&c.clinic_patients)),
                ]
            })
            .collect();
        rows.extend(a.comparators.iter().map(|x| {
            let clinic = if x.figure.contains("treatment-related") {
                &a.treatment_related.patients
            } else {
                &a.all.patients
            };
            vec![
                escape(&format!("{} — {}", x.figure, x.study)),
                escape(&format!("{} % {}", num(x.value), x.mark())),
                escape(&share(clinic)),
            ]
        }));
        if !rows.is_empty() {
            m.push_str(&table(
                "(1fr, auto, auto)",
                &[
                    "Published figure (share of patients)",
                    "Published",
                    "Clinic patients",
                ],
                &rows,
            ));
        }
        m
    }

    /// Typesets the report: `clinic-outcomes-<clinic>-<as of>.pdf`.
    pub fn render(&self) -> Result<Report, ReportError> {
        let (markup, charts) = self.markup();
        let clinic = self
            .clinic
            .as_deref()
            .map(|c| format!("{}-", file_safe(c)))
            .unwrap_or_default();
        render(
            &markup,
            &charts,
            format!("clinic-outcomes-{clinic}{}.pdf", date(self.report.as_of)),
        )
    }
}
