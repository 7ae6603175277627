//! The doctor-visit summary for a chosen period: the patient, the diary figures under a named
//! preset (28-day periods and the whole period, with completeness), the trend and the month
//! calendars, acute-medication days by class with the ICHD-3 8.2 diary criteria, preventives,
//! sessions and the response per cycle, questionnaires and adverse events. Two pages for a
//! typical patient.

use chrono::NaiveDate;

use cephalog_app::PromInCycle;
use cephalog_app::ResponseView;
use cephalog_charts::{CalendarMonth, TrendInput, calendar_svg, trend_svg};
use cephalog_core::classify::{Classification, CriterionStatus, overuse_threshold};
use cephalog_core::metrics::{DateRange, MetricsReport, PeriodMetrics};
use cephalog_core::preventives::PreventiveTrial;
use cephalog_core::reference::{INSUFFICIENT_DIARY_DATA, NORMALISATION_DAYS, UNVERIFIED_MARK};
use cephalog_core::response::CycleStatus;
use cephalog_core::{DrugClass, Patient};
use cephalog_store::{AdverseEventRecord, PatientRecord, SessionRecord};

use crate::markup::{decision_word, escape, heading, image, one_decimal, para, preamble, table};
use crate::parts::{date, decision_support_note, patient_block};
use crate::{Chart, Report, ReportError, render};

/// Calendars shown: the last this many months of the period.
pub const CALENDAR_MONTHS: usize = 3;

/// What the summary is made from (see [`crate::load::visit_summary`]).
#[derive(Debug, Clone)]
pub struct VisitSummary {
    pub patient: PatientRecord,
    pub period: DateRange,
    pub made_on: NaiveDate,
    /// The period's figures in 28-day periods from its first day, under the report's preset.
    pub metrics: MetricsReport,
    /// The whole period's figures under the same preset.
    pub whole: PeriodMetrics,
    /// The trend of headache and migraine days per 28 days (up to a year, ending with the
    /// period), with the sessions and the baseline.
    pub trend: Option<TrendInput>,
    /// The last [`CALENDAR_MONTHS`] months of the period.
    pub calendars: Vec<CalendarMonth>,
    /// The ICHD-3 diary criteria as of the period's last day.
    pub classification: Classification,
    pub preventives: Vec<PreventiveTrial>,
    /// Sessions up to the period's end, oldest first.
    pub sessions: Vec<SessionRecord>,
    /// The rule set the response is read against (id and name).
    pub response_rules: (String, String),
    pub response: Option<ResponseView>,
    /// Questionnaires up to the period's end.
    pub proms: Vec<PromInCycle>,
    /// Adverse events with onset up to the period's end.
    pub adverse_events: Vec<AdverseEventRecord>,
}

fn words(s: &str) -> String {
    s.replace('_', " ")
}

fn class_name(c: DrugClass) -> &'static str {
    match c {
        DrugClass::Triptan => "triptan",
        DrugClass::Ergot => "ergot",
        DrugClass::Opioid => "opioid",
        DrugClass::NonOpioid => "non-opioid analgesic",
        DrugClass::Combination => "combination analgesic",
        DrugClass::Gepant => "gepant",
        DrugClass::Ditan => "ditan",
        DrugClass::Other => "other acute medicine",
    }
}

/// The row of one period in the metrics table.
pub fn metrics_row(label: &str, m: &PeriodMetrics) -> Vec<String> {
    vec![
        escape(label),
        format!(
            "{} of {} ({:.0} %)",
            m.recorded_days,
            m.days,
            m.completeness * 100.0
        ),
        m.headache_days.to_string(),
        m.migraine_days.to_string(),
        m.moderate_severe_days.to_string(),
        format!("{:.1}", m.headache_hours),
        escape(&one_decimal(
            m.headache_days_per_28,
            INSUFFICIENT_DIARY_DATA,
        )),
        escape(&one_decimal(
            m.migraine_days_per_28,
            INSUFFICIENT_DIARY_DATA,
        )),
        m.acute_medication_days.any.to_string(),
    ]
}

/// The label of a period: "2026-04-01 to 2026-04-28".
pub fn period_label(start: NaiveDate, end: NaiveDate) -> String {
    format!("{} to {}", date(start), date(end))
}

fn age_sex(p: &Patient, on: NaiveDate) -> String {
    format!(
        "{}, {}",
        p.age_on(on),
        p.sex()
            .map_or_else(|| "sex not recorded".to_owned(), |s| s.to_string())
    )
}

impl VisitSummary {
    /// The summary's markup and charts.
    pub fn markup(&self) -> (String, Vec<Chart>) {
        let p = &self.patient.patient;
        let mut charts = Vec::new();
        let mut m = preamble(
            &format!(
                "Visit summary {}",
                period_label(self.period.start, self.period.end)
            ),
            &format!(
                "Visit summary · {} ({}) · {}",
                p.name(),
                age_sex(p, self.made_on),
                period_label(self.period.start, self.period.end)
            ),
        );
        m.push_str(&heading(
            1,
            &format!(
                "Visit summary: {} to {}",
                date(self.period.start),
                date(self.period.end)
            ),
        ));
        m.push_str(&patient_block(&self.patient, self.made_on));

        // Diary figures.
        m.push_str(&heading(2, "Headache diary"));
        m.push_str(&para(&format!(
            "Headache-day definition: preset {} — {}. {}. An unrecorded day is never counted as \
             headache-free.",
            self.metrics.preset, self.metrics.preset_definition, self.metrics.completeness_floor
        )));
        let mut rows: Vec<Vec<String>> = self
            .metrics
            .periods
            .iter()
            .map(|x| metrics_row(&period_label(x.start, x.end), x))
            .collect();
        let mut whole = metrics_row("Whole period", &self.whole);
        for cell in &mut whole {
            *cell = format!("*{cell}*");
        }
        rows.push(whole);
        m.push_str(&table(
            "(auto, auto, 1fr, 1fr, 1fr, 1fr, 1fr, 1fr, 1fr)",
            &[
                "Period",
                "Days recorded",
                "Headache days",
                "Migraine days",
                "Moderate or severe days",
                "Headache hours",
                "Headache days per 28",
                "Migraine days per 28",
                "Acute-medication days",
            ],
            &rows,
        ));

        // Trend beside the medication table.
        m.push_str("#grid(columns: (55%, 1fr), column-gutter: 10pt,\n[\n");
        match &self.trend {
            Some(t) => {
                let chart = Chart::new("trend", trend_svg(t));
                m.push_str(&image(&chart, "100%", &t.title));
                m.push_str(&format!(
                    "#text(size: 7pt)[{}]\n",
                    escape(&format!(
                        "28-day periods ending {}; preset {}; a gap is insufficient diary data, never zero.",
                        date(self.period.end),
                        self.metrics.preset
                    ))
                ));
                charts.push(chart);
            }
            None => m.push_str(&para("No diary recorded: no trend.")),
        }
        m.push_str("],\n[\n");
        m.push_str(&self.medication_block());
        m.push_str("],\n)\n");

        // Calendars.
        if !self.calendars.is_empty() {
            m.push_str(&heading(2, "Diary calendars"));
            m.push_str(&format!(
                "#grid(columns: ({}), column-gutter: 8pt,\n",
                ["1fr"; CALENDAR_MONTHS].join(", ")
            ));
            for (i, c) in self.calendars.iter().enumerate() {
                let chart = Chart::new(format!("calendar-{i}"), calendar_svg(c));
                m.push_str("[\n");
                m.push_str(&image(&chart, "100%", &c.title));
                m.push_str("],\n");
                charts.push(chart);
            }
            m.push_str(")\n");
        }

        m.push_str(&self.preventives_block());
        m.push_str(&self.sessions_block());
        m.push_str(&self.proms_block());
        m.push_str(&self.adverse_events_block());
        m.push_str(&decision_support_note(self.made_on));
        (m, charts)
    }

    fn medication_block(&self) -> String {
        let mut m = heading(2, "Acute medication");
        let w = &self.whole;
        let mut rows = Vec::new();
        for class in DrugClass::ALL {
            let days = w.acute_medication_days.get(class);
            if days == 0 {
                continue;
            }
            let t = overuse_threshold(class);
            let per28 = w.prorate(days, NORMALISATION_DAYS);
            let flag = match per28 {
                Some(x) if x >= t.days_per_month => "at or above",
                Some(_) => "below",
                None => "insufficient diary data",
            };
            rows.push(vec![
                escape(class_name(class)),
                days.to_string(),
                escape(&one_decimal(per28, "insufficient diary data")),
                escape(&format!(
                    "≥{} ({}){}: {flag}",
                    t.days_per_month,
                    t.code,
                    if t.unverified {
                        format!(" {UNVERIFIED_MARK}")
                    } else {
                        String::new()
                    }
                )),
            ]);
        }
        if rows.is_empty() {
            m.push_str(&para("No acute medication recorded in the period."));
        } else {
            m.push_str(&table(
                "(auto, auto, auto, 1fr)",
                &[
                    "Class",
                    "Days",
                    "Days per 28",
                    "ICHD-3 8.2 threshold per month",
                ],
                &rows,
            ));
        }
        let moh = &self.classification.medication_overuse;
        let mut text = format!(
            "ICHD-3 8.2 medication overuse, the 3 calendar months to {}: {}",
            date(self.classification.as_of),
            moh.summary
        );
        if moh.status == CriterionStatus::Met {
            for s in &moh.subtypes {
                text.push_str(&format!(
                    " Meets diary criteria for {} {}: {} days per month (threshold ≥{}).{}",
                    s.code,
                    s.name,
                    s.days_per_month
                        .iter()
                        .map(|d| format!("{d:.1}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    s.threshold_days,
                    s.note
                        .as_deref()
                        .map(|n| format!(" {n}"))
                        .unwrap_or_default()
                ));
            }
        }
        let warn = moh.status == CriterionStatus::Met;
        m.push_str(&format!(
            "#block(inset: 4pt, stroke: {}, width: 100%)[{}{}]\n",
            if warn {
                "1pt + rgb(\"#a3172b\")"
            } else {
                "0.4pt + luma(170)"
            },
            if warn { "*Overuse warning.* " } else { "" },
            escape(&text)
        ));
        let cm = &self.classification.chronic_migraine;
        m.push_str(&para(&format!(
            "ICHD-3 1.3 chronic migraine: {}",
            cm.summary
        )));
        m
    }

    fn preventives_block(&self) -> String {
        let mut m = heading(2, "Preventive treatment");
        if self.preventives.is_empty() {
            m.push_str(&para("No preventive recorded."));
            return m;
        }
        let rows: Vec<Vec<String>> = self
            .preventives
            .iter()
            .map(|t| {
                vec![
                    escape(t.drug()),
                    escape(&words(t.class().as_str())),
                    escape(t.dose().unwrap_or("")),
                    t.start().map(date).unwrap_or_default(),
                    t.stop().map_or_else(|| "ongoing".to_owned(), date),
                    t.trial_days(self.period.end)
                        .map(|d| format!("{d} days"))
                        .unwrap_or_default(),
                    escape(&words(t.outcome().as_str())),
                    escape(t.reason()),
                ]
            })
            .collect();
        m.push_str(&table(
            "(auto, auto, auto, auto, auto, auto, auto, 1fr)",
            &[
                "Drug", "Class", "Dose", "Start", "Stop", "Trial", "Outcome", "Reason",
            ],
            &rows,
        ));
        m
    }

    fn sessions_block(&self) -> String {
        let mut m = heading(2, "Botulinum-toxin sessions and response");
        if self.sessions.is_empty() {
            m.push_str(&para("No session recorded up to the end of the period."));
            return m;
        }
        let rows: Vec<Vec<String>> = self
            .sessions
            .iter()
            .map(|s| {
                let x = &s.session;
                vec![
                    date(x.date()),
                    escape(&x.indication().to_string()),
                    escape(&x.product().to_string()),
                    format!("{} U at {} sites", x.units_given(), x.site_count()),
                    escape(&format!(
                        "{} × {}, lot {}",
                        x.vials(),
                        x.vial_size(),
                        x.lot()
                    )),
                    escape(x.injector().as_str()),
                ]
            })
            .collect();
        m.push_str(&table(
            "(auto, auto, auto, auto, 1fr, auto)",
            &[
                "Date",
                "Indication",
                "Product",
                "Given",
                "Vials",
                "Injector",
            ],
            &rows,
        ));
        let (rules_id, rules_name) = &self.response_rules;
        let Some(r) = &self.response else {
            m.push_str(&para("No chronic-migraine session: no response to read."));
            return m;
        };
        let b = &r.report.baseline;
        m.push_str(&para(&format!(
            "Response under {rules_name} ({rules_id}), preset {}: baseline {}: {} headache days per \
             28 ({} of 28 days recorded).",
            r.report.preset,
            period_label(b.start, b.end),
            one_decimal(b.headache_days_per_28, INSUFFICIENT_DIARY_DATA),
            b.recorded_days
        )));
        let rows: Vec<Vec<String>> = r
            .report
            .cycles
            .iter()
            .map(|c| {
                let window = c.window.as_ref().map_or_else(
                    || "in progress".to_owned(),
                    |w| period_label(w.start, w.end),
                );
                let yes_no = |x: Option<bool>| match x {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "—",
                };
                vec![
                    c.cycle.to_string(),
                    date(c.session_date),
                    escape(&window),
                    escape(&one_decimal(c.headache_days.cycle, "—")),
                    escape(
                        &c.headache_days
                            .reduction_percent()
                            .map_or_else(|| "—".to_owned(), |p| format!("{p:.0} %")),
                    ),
                    escape(&one_decimal(c.migraine_days.cycle, "—")),
                    yes_no(c.responder_30).to_owned(),
                    yes_no(c.responder_50).to_owned(),
                    escape(&match (c.status, &c.note) {
                        (_, Some(n)) => n.clone(),
                        (CycleStatus::InProgress, None) => "in progress".to_owned(),
                        (CycleStatus::Complete, None) => String::new(),
                    }),
                ]
            })
            .collect();
        m.push_str(&table(
            "(auto, auto, auto, 12%, 9%, 12%, 6%, 6%, 1fr)",
            &[
                "Cycle",
                "Session",
                "Window",
                "Headache days per 28",
                "Reduction",
                "Migraine days per 28",
                "≥30 %",
                "≥50 %",
                "Note",
            ],
            &rows,
        ));
        let decisions: Vec<String> = r
            .report
            .decisions
            .iter()
            .chain(r.report.review_prompt.iter())
            .map(|d| format!("{}: {} — {}", d.rule, decision_word(d.outcome), d.evidence))
            .collect();
        if !decisions.is_empty() {
            m.push_str(&para(&format!("Continuation: {}", decisions.join(" · "))));
        }
        m
    }

    fn proms_block(&self) -> String {
        let mut m = heading(2, "Questionnaires");
        if self.proms.is_empty() {
            m.push_str(&para("No questionnaire recorded."));
            return m;
        }
        let rows: Vec<Vec<String>> = self
            .proms
            .iter()
            .map(|q| {
                vec![
                    date(q.date),
                    q.instrument.label().to_owned(),
                    q.total.to_string(),
                    escape(&q.interpretation),
                    escape(&q.period),
                ]
            })
            .collect();
        m.push_str(&table(
            "(auto, auto, auto, 1fr, auto)",
            &["Date", "Questionnaire", "Score", "Meaning", "Course"],
            &rows,
        ));
        m
    }

    fn adverse_events_block(&self) -> String {
        let mut m = heading(2, "Adverse events");
        if self.adverse_events.is_empty() {
            m.push_str(&para("No adverse event recorded."));
            return m;
        }
        let rows: Vec<Vec<String>> = self
            .adverse_events
            .iter()
            .map(|a| {
                let e = &a.event;
                vec![
                    date(e.onset()),
                    escape(e.reported_term()),
                    e.ctcae_grade().get().to_string(),
                    if e.is_serious() {
                        "serious"
                    } else {
                        "non-serious"
                    }
                    .to_owned(),
                    escape(&words(e.causality().as_str())),
                    escape(&words(e.outcome().as_str())),
                    e.resolution().map(date).unwrap_or_default(),
                ]
            })
            .collect();
        m.push_str(&table(
            "(auto, 1fr, auto, auto, auto, auto, auto)",
            &[
                "Onset",
                "Event",
                "CTCAE grade",
                "Seriousness",
                "Causality",
                "Outcome",
                "Resolved",
            ],
            &rows,
        ));
        m
    }

    /// The summary as PDF.
    pub fn render(&self) -> Result<Report, ReportError> {
        let (markup, charts) = self.markup();
        render(
            &markup,
            &charts,
            format!(
                "visit-summary-{}-to-{}.pdf",
                date(self.period.start),
                date(self.period.end)
            ),
        )
    }
}
