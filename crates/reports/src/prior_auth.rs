//! The prior-authorisation (or re-authorisation) packet for one rule set: the diagnosis codes, every
//! criterion with its outcome, evidence and source, the diary month by month, the failed
//! preventives, the medication-overuse status, the treatment plan with its billing lines, and —
//! once treatment has begun — the response per cycle against the rule set's continuation rules.
//! An unmet or unknown criterion is printed like a met one, never left out.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use cephalog_core::classify::{Classification, CriterionStatus, MonthFigures};
use cephalog_core::eligibility::{Attestation, CriterionOutcome, Eligibility, Verdict};
use cephalog_core::preventives::{PreventiveOutcome, PreventiveTrial};
use cephalog_core::protocol::Plan;
use cephalog_core::reference::{INSUFFICIENT_DIARY_DATA, RETREATMENT_MIN_WEEKS, UNVERIFIED_MARK};
use cephalog_core::response::{CycleStatus, ResponseReport};
use cephalog_core::rules::{ContinuationKind, ResponseMetric, RuleSet};
use cephalog_core::session::{Billing, VialSize, Waste};
use cephalog_store::PatientRecord;

use crate::markup::{
    decision_word, escape, facts, heading, one_decimal, outcome_word, para, preamble, table,
};
use crate::parts::{date, decision_support_note, diagnoses, patient_block};
use crate::visit::period_label;
use crate::{Chart, Report, ReportError, render};

/// The treatment asked for: a plan, the vials it opens and its billing lines.
#[derive(Debug, Clone)]
pub struct PlannedTreatment {
    pub plan: Plan,
    pub vial_size: VialSize,
    pub vials: u32,
    pub waste: Waste,
    pub billing: Billing,
    /// Where the plan comes from, e.g. "as the last session on 2026-06-24".
    pub basis: String,
}

/// What the packet is made from (see [`crate::load::prior_auth`]).
#[derive(Debug, Clone)]
pub struct PriorAuthPacket {
    pub patient: PatientRecord,
    pub made_on: NaiveDate,
    pub rules: RuleSet,
    /// The start criteria on the packet's date.
    pub eligibility: Eligibility,
    /// For a re-authorisation: the start criteria on the day before the first session, when the
    /// diary had not yet been changed by treatment.
    pub before_treatment: Option<Eligibility>,
    /// The ICHD-3 diary criteria on the same date (medication overuse, and the months when no
    /// criterion of the rule set reads them).
    pub classification: Classification,
    pub attestation: Option<Attestation>,
    pub preventives: Vec<PreventiveTrial>,
    pub plan: PlannedTreatment,
    /// Chronic-migraine session dates up to the packet's date, oldest first.
    pub sessions: Vec<NaiveDate>,
    /// The response under the same rule set, once there is a session.
    pub response: Option<ResponseReport>,
}

/// The verdict in capitals.
pub fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Eligible => "ELIGIBLE",
        Verdict::NotEligible => "NOT ELIGIBLE",
        Verdict::InsufficientInformation => "INSUFFICIENT INFORMATION",
    }
}

/// A criterion's outcome in capitals.
pub fn criterion_word(o: CriterionOutcome) -> &'static str {
    outcome_word(match o {
        CriterionOutcome::Met => Some(true),
        CriterionOutcome::NotMet => Some(false),
        CriterionOutcome::Unknown => None,
    })
}

fn outcome_cell(word: &str, good: bool) -> String {
    if good {
        format!("*{}*", escape(word))
    } else {
        format!("#text(fill: rgb(\"#a3172b\"))[*{}*]", escape(word))
    }
}

/// "ELIGIBLE on 2026-03-31: 4 of 4 criteria met, 0 not met, 0 unknown".
fn summary_line(e: &Eligibility) -> String {
    let count = |o: CriterionOutcome| e.criteria.iter().filter(|c| c.outcome == o).count();
    format!(
        "{} on {}: {} of {} criteria met, {} not met, {} unknown",
        verdict_word(e.verdict),
        date(e.on),
        count(CriterionOutcome::Met),
        e.criteria.len(),
        count(CriterionOutcome::NotMet),
        count(CriterionOutcome::Unknown)
    )
}

/// Every criterion with its outcome, evidence and source.
fn criteria_table(e: &Eligibility) -> String {
    let rows: Vec<Vec<String>> = e
        .criteria
        .iter()
        .map(|c| {
            vec![
                format!("*{}* \\ {}", escape(&c.id), escape(&c.description)),
                outcome_cell(
                    criterion_word(c.outcome),
                    c.outcome == CriterionOutcome::Met,
                ),
                escape(&c.evidence),
                escape(&c.source),
            ]
        })
        .collect();
    table(
        "(22%, auto, 1fr, 18%)",
        &["Criterion", "Outcome", "Evidence", "Source"],
        &rows,
    )
}

fn words(s: &str) -> String {
    s.replace('_', " ")
}

impl PriorAuthPacket {
    fn is_reauthorisation(&self) -> bool {
        !self.sessions.is_empty()
    }

    /// The months the diary criteria of the rule set read, in order, or those the ICHD-3
    /// chronic-migraine criteria read when no criterion of the rule set counts days.
    pub fn evidence_months(&self) -> Vec<MonthFigures> {
        let mut by_month: BTreeMap<String, MonthFigures> = BTreeMap::new();
        let e = self.before_treatment.as_ref().unwrap_or(&self.eligibility);
        for c in &e.criteria {
            for m in &c.months {
                by_month.entry(m.month.clone()).or_insert_with(|| m.clone());
            }
        }
        if by_month.is_empty() {
            for m in &self.classification.chronic_migraine.months {
                by_month.entry(m.month.clone()).or_insert_with(|| m.clone());
            }
        }
        by_month.into_values().collect()
    }

    /// The packet's markup (it has no charts).
    pub fn markup(&self) -> (String, Vec<Chart>) {
        let e = &self.eligibility;
        let what = if self.is_reauthorisation() {
            "Re-authorisation"
        } else {
            "Prior authorisation"
        };
        let mut m = preamble(
            &format!("{what} packet {} {}", self.rules.id, date(self.made_on)),
            &format!(
                "{what} · {} · {} · {}",
                self.patient.patient.name(),
                self.rules.id,
                date(self.made_on)
            ),
        );
        m.push_str(&heading(
            1,
            &format!("{what}: onabotulinumtoxinA for chronic migraine"),
        ));
        m.push_str(&patient_block(&self.patient, self.made_on));

        m.push_str(&heading(2, "Request"));
        let mut request = vec![
            (
                "Rule set",
                format!(
                    "{} ({}), version {}",
                    e.rule_set_name, e.rule_set, e.version
                ),
            ),
            ("Source", self.rules.source.clone()),
            (
                "Headache-day definition",
                format!("preset {} — {}", e.preset, e.preset.definition()),
            ),
        ];
        if let Some(b) = &self.before_treatment {
            request.push(("Before treatment", summary_line(b)));
        }
        request.push((
            if self.before_treatment.is_some() {
                "Start criteria today"
            } else {
                "Outcome"
            },
            summary_line(e),
        ));
        if let Some(r) = &self.response {
            let decisions: Vec<String> = r
                .decisions
                .iter()
                .map(|d| format!("{} {}", d.rule, decision_word(d.outcome)))
                .collect();
            if !decisions.is_empty() {
                request.push(("Continuation rules", decisions.join("; ")));
            }
        }
        m.push_str(&facts(&request));

        m.push_str(&heading(2, "Diagnosis codes"));
        let dx = diagnoses(&self.patient);
        m.push_str(&para(&if dx.is_empty() {
            "No diagnosis recorded.".to_owned()
        } else {
            dx.join("; ")
        }));
        m.push_str(&para(&format!(
            "ICD-10-CM: not printed here; the prescriber adds the code for the ICHD-3 diagnosis \
             above. Diary: {}",
            self.classification.chronic_migraine.summary
        )));

        if let Some(b) = &self.before_treatment {
            m.push_str(&heading(
                2,
                &format!(
                    "Start criteria before treatment (on {}, the day before the first session)",
                    date(b.on)
                ),
            ));
            m.push_str(&criteria_table(b));
            m.push_str(&heading(
                2,
                &format!("The same criteria today (on {})", date(e.on)),
            ));
            m.push_str(&para(
                "Read on today's diary, which treatment has changed: the continuation rules below \
                 judge the response.",
            ));
        } else {
            m.push_str(&heading(2, &format!("Criteria (on {})", date(e.on))));
        }
        m.push_str(&criteria_table(e));

        m.push_str(&self.months_block());
        m.push_str(&self.preventives_block());
        m.push_str(&self.overuse_block());
        m.push_str(&self.plan_block());
        if self.is_reauthorisation() {
            m.push_str(&self.response_block());
        }
        m.push_str(&heading(2, "Prescriber"));
        m.push_str(
            "#grid(columns: (1fr, 1fr, 1fr), column-gutter: 12pt, row-gutter: 4pt,\n\
             [Name], [Signature], [Date],\n\
             [#v(14pt)#line(length: 100%, stroke: 0.4pt)], [#v(14pt)#line(length: 100%, stroke: 0.4pt)], [#v(14pt)#line(length: 100%, stroke: 0.4pt)],\n)\n",
        );
        m.push_str(&decision_support_note(self.made_on));
        (m, Vec::new())
    }

    fn months_block(&self) -> String {
        let mut m = heading(2, "Diary month by month");
        let months = self.evidence_months();
        if months.is_empty() {
            m.push_str(&para("No diary month recorded."));
            return m;
        }
        m.push_str(&para(&format!(
            "Calendar months under preset {}; counts prorated to the month's length when at least \
             80 % of its days are recorded {UNVERIFIED_MARK}, otherwise the month does not count \
             ({}).",
            self.eligibility.preset,
            cephalog_core::reference::MONTHS_INTERPRETATION
        )));
        let rows: Vec<Vec<String>> = months
            .iter()
            .map(|x| {
                let p = x.prorated.as_ref();
                vec![
                    escape(&x.month),
                    format!(
                        "{} of {} ({:.0} %)",
                        x.recorded_days,
                        x.days,
                        x.completeness * 100.0
                    ),
                    if x.adequate { "yes" } else { "no" }.to_owned(),
                    format!(
                        "{} ({})",
                        x.headache_days,
                        escape(&one_decimal(p.map(|p| p.headache_days), "—"))
                    ),
                    format!(
                        "{} ({})",
                        x.migraine_days,
                        escape(&one_decimal(p.map(|p| p.migraine_days), "—"))
                    ),
                    format!(
                        "{} ({})",
                        x.listed_class_medication_days,
                        escape(&one_decimal(p.map(|p| p.listed_class_medication_days), "—"))
                    ),
                ]
            })
            .collect();
        m.push_str(&table(
            "(auto, auto, auto, 1fr, 1fr, 1fr)",
            &[
                "Month",
                "Days recorded",
                "Counts",
                "Headache days (prorated)",
                "Migraine days (prorated)",
                "Acute-medication days, ICHD-3 8.2 classes (prorated)",
            ],
            &rows,
        ));
        m
    }

    fn preventives_block(&self) -> String {
        let mut m = heading(2, "Preventive treatment tried");
        let min_trial = self.rules.min_trial_days();
        let s = cephalog_core::preventives::summarise(&self.preventives, self.made_on, min_trial);
        m.push_str(&para(&format!(
            "{} failed preventive(s) counted, in {} class(es){}{}.",
            s.failed,
            s.failed_classes.len(),
            if s.failed_classes.is_empty() {
                String::new()
            } else {
                format!(
                    ": {}",
                    s.failed_classes
                        .iter()
                        .map(|c| words(c.as_str()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            min_trial
                .map(|d| format!("; a not-effective trial counts from {d} days"))
                .unwrap_or_default()
        )));
        if self.preventives.is_empty() {
            m.push_str(&para("No preventive recorded."));
            return m;
        }
        let rows: Vec<Vec<String>> = self
            .preventives
            .iter()
            .map(|t| {
                let counted =
                    t.outcome().is_failure() && !s.too_short.iter().any(|x| x == t.drug());
                vec![
                    escape(t.drug()),
                    escape(&words(t.class().as_str())),
                    escape(t.dose().unwrap_or("")),
                    t.start().map(date).unwrap_or_default(),
                    t.stop().map_or_else(|| "ongoing".to_owned(), date),
                    t.trial_days(self.made_on)
                        .map_or_else(|| "never started".to_owned(), |d| format!("{d} days")),
                    escape(&words(t.outcome().as_str())),
                    escape(t.reason()),
                    if t.outcome() == PreventiveOutcome::Ongoing {
                        "ongoing".to_owned()
                    } else if counted {
                        "yes".to_owned()
                    } else if t.outcome().is_failure() {
                        "no: too short".to_owned()
                    } else {
                        "no".to_owned()
                    },
                ]
            })
            .collect();
        m.push_str(&table(
            "(auto, auto, auto, auto, auto, auto, auto, 1fr, auto)",
            &[
                "Drug", "Class", "Dose", "Start", "Stop", "Trial", "Outcome", "Reason", "Counts",
            ],
            &rows,
        ));
        m
    }

    fn overuse_block(&self) -> String {
        let mut m = heading(2, "Medication overuse");
        let moh = &self.classification.medication_overuse;
        let mut text = format!(
            "ICHD-3 8.2 on the diary to {}: {}",
            date(self.classification.as_of),
            moh.summary
        );
        if moh.status == CriterionStatus::Met {
            for s in &moh.subtypes {
                text.push_str(&format!(
                    " Meets diary criteria for {} {} ({} days per month; threshold ≥{}).",
                    s.code,
                    s.name,
                    s.days_per_month
                        .iter()
                        .map(|d| format!("{d:.1}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    s.threshold_days
                ));
            }
        }
        text.push_str(&match &self.attestation {
            Some(a) => format!(
                " Clinician attestation that overuse has been managed: {} on {}: {}.",
                a.by,
                date(a.on),
                a.note
            ),
            None => " No clinician attestation of overuse management recorded.".to_owned(),
        });
        m.push_str(&para(&text));
        m
    }

    fn plan_block(&self) -> String {
        let p = &self.plan;
        let mut m = heading(2, "Treatment plan");
        m.push_str(&facts(&[
            ("Product", "onabotulinumtoxinA (Botox)".to_owned()),
            (
                "Plan",
                format!(
                    "{}: {} U at {} sites, {}",
                    p.plan.kind(),
                    p.plan.total_units(),
                    p.plan.total_sites(),
                    p.basis
                ),
            ),
            (
                "Vials",
                format!(
                    "{} × {} single-dose vial: {} U opened, {} U given, {} U discarded",
                    p.vials, p.vial_size, p.waste.opened, p.waste.given, p.waste.discarded
                ),
            ),
            (
                "Interval",
                format!("no sooner than every {RETREATMENT_MIN_WEEKS} weeks"),
            ),
        ]));
        let rows: Vec<Vec<String>> = p
            .billing
            .lines
            .iter()
            .map(|l| {
                vec![
                    escape(&format!(
                        "{}{}",
                        l.code,
                        l.modifier.map(|x| format!("-{x}")).unwrap_or_default()
                    )),
                    l.quantity.to_string(),
                    escape(&l.description),
                ]
            })
            .collect();
        m.push_str(&table(
            "(auto, auto, 1fr)",
            &["Code", "Quantity per session", "What it bills"],
            &rows,
        ));
        for n in &p.billing.notes {
            m.push_str(&para(n));
        }
        m
    }

    fn response_block(&self) -> String {
        let mut m = heading(2, "Response per cycle");
        let Some(r) = &self.response else {
            m.push_str(&para("No chronic-migraine session up to this date."));
            return m;
        };
        let thresholds: Vec<String> = self
            .rules
            .continuation
            .iter()
            .filter_map(|c| match &c.kind {
                ContinuationKind::MinReductionAfterCycles {
                    metric,
                    percent,
                    cycles,
                    strict,
                } => Some(format!(
                    "{}: a reduction in {} of {}{percent} % after {cycles} cycle(s)",
                    c.id,
                    match metric {
                        ResponseMetric::HeadacheDays => "headache days",
                        ResponseMetric::MigraineDays => "migraine days",
                    },
                    if *strict { "more than " } else { "at least " }
                )),
                _ => None,
            })
            .collect();
        let b = &r.baseline;
        m.push_str(&para(&format!(
            "Baseline {}: {} headache days and {} migraine days per 28 (preset {}). Threshold{}.",
            period_label(b.start, b.end),
            one_decimal(b.headache_days_per_28, INSUFFICIENT_DIARY_DATA),
            one_decimal(b.migraine_days_per_28, INSUFFICIENT_DIARY_DATA),
            r.preset,
            if thresholds.is_empty() {
                ": the rule set sets no reduction to continue".to_owned()
            } else {
                format!("s of {}: {}", self.rules.id, thresholds.join("; "))
            }
        )));
        let rows: Vec<Vec<String>> = r
            .cycles
            .iter()
            .map(|c| {
                let pct =
                    |x: Option<f64>| x.map_or_else(|| "—".to_owned(), |p| format!("{p:.0} %"));
                vec![
                    c.cycle.to_string(),
                    date(c.session_date),
                    escape(&c.window.as_ref().map_or_else(
                        || "in progress".to_owned(),
                        |w| period_label(w.start, w.end),
                    )),
                    escape(&one_decimal(c.headache_days.cycle, "—")),
                    escape(&pct(c.headache_days.reduction_percent())),
                    escape(&one_decimal(c.migraine_days.cycle, "—")),
                    escape(&pct(c.migraine_days.reduction_percent())),
                    escape(&match (c.status, &c.note) {
                        (_, Some(n)) => n.clone(),
                        (CycleStatus::InProgress, None) => "in progress".to_owned(),
                        (CycleStatus::Complete, None) => String::new(),
                    }),
                ]
            })
            .collect();
        m.push_str(&table(
            "(auto, auto, auto, 11%, 9%, 11%, 9%, 1fr)",
            &[
                "Cycle",
                "Session",
                "Window",
                "Headache days per 28",
                "Reduction",
                "Migraine days per 28",
                "Reduction",
                "Note",
            ],
            &rows,
        ));
        let rows: Vec<Vec<String>> = r
            .decisions
            .iter()
            .chain(r.review_prompt.iter())
            .map(|d| {
                vec![
                    format!("*{}* \\ {}", escape(&d.rule), escape(&d.description)),
                    outcome_cell(
                        decision_word(d.outcome),
                        !matches!(
                            d.outcome,
                            cephalog_core::response::DecisionOutcome::Stop
                                | cephalog_core::response::DecisionOutcome::Unknown
                        ),
                    ),
                    escape(&d.evidence),
                    escape(&d.source),
                ]
            })
            .collect();
        if !rows.is_empty() {
            m.push_str(&table(
                "(22%, auto, 1fr, 18%)",
                &["Continuation rule", "Outcome", "Evidence", "Source"],
                &rows,
            ));
        }
        m
    }

    /// The packet as PDF.
    pub fn render(&self) -> Result<Report, ReportError> {
        let (markup, charts) = self.markup();
        render(
            &markup,
            &charts,
            format!(
                "prior-auth-{}-{}.pdf",
                crate::file_safe(&self.rules.id),
                date(self.made_on)
            ),
        )
    }
}
