//! The procedure note of one botulinum-toxin session: date, product, lot, expiry, dilution, each
//! site with its units and volume, the site map, waste, billing lines, overrides and injector.

use chrono::NaiveDate;

use cephalog_app::treatment::plan_for_sites;
use cephalog_charts::{SiteMapInput, site_map_svg};
use cephalog_core::session::Indication;
use cephalog_store::{PatientRecord, SessionRecord};

use crate::markup::{escape, facts, heading, image, para, preamble, table};
use crate::parts::{date, decision_support_note, patient_block};
use crate::{Chart, Report, ReportError, render};

/// What the note is made from.
#[derive(Debug, Clone)]
pub struct SessionNote {
    pub patient: PatientRecord,
    pub session: SessionRecord,
    /// The day the note is made.
    pub made_on: NaiveDate,
}

impl SessionNote {
    /// The note's markup and its chart (the site map).
    pub fn markup(&self) -> (String, Vec<Chart>) {
        let s = &self.session.session;
        let draft = s.to_draft();
        let plan = plan_for_sites(&draft.sites);
        let map = Chart::new("sites", site_map_svg(&SiteMapInput::for_session(&plan, s)));
        let waste = s.waste();
        let diagnoses: Vec<_> = self
            .patient
            .patient
            .diagnoses()
            .iter()
            .map(|d| d.code)
            .collect();
        let billing = s.billing_for(&diagnoses);
        let mut m = preamble(
            &format!("Session procedure note {}", date(s.date())),
            &format!(
                "Session procedure note · {} · {}",
                self.patient.patient.name(),
                date(s.date())
            ),
        );
        m.push_str(&heading(1, "Botulinum-toxin session: procedure note"));
        m.push_str(&patient_block(&self.patient, s.date()));
        m.push_str(&heading(2, "Session"));
        let conc = s.concentration();
        m.push_str(&facts(&[
            ("Date", date(s.date())),
            ("Indication", s.indication().to_string()),
            ("Product", s.product().to_string()),
            (
                "Vials",
                format!("{} × {} single-dose vial", s.vials(), s.vial_size()),
            ),
            ("Lot", s.lot().to_string()),
            ("Expiry", date(s.expiry())),
            (
                "Dilution",
                format!("{} of diluent per vial: {}", s.diluent(), conc),
            ),
            (
                "Given",
                format!("{} U at {} sites", s.units_given(), s.site_count()),
            ),
            (
                "Waste",
                format!(
                    "{} U opened, {} U given, {} U discarded",
                    waste.opened, waste.given, waste.discarded
                ),
            ),
            ("Injector", s.injector().to_string()),
            (
                "Notes",
                if s.notes().trim().is_empty() {
                    "none".to_owned()
                } else {
                    s.notes().to_owned()
                },
            ),
        ]));

        m.push_str(&heading(2, "Injection sites"));
        let rows: Vec<Vec<String>> = s
            .sites()
            .iter()
            .map(|x| {
                vec![
                    escape(&x.target().to_string()),
                    escape(&x.side().to_string()),
                    x.ordinal().to_string(),
                    format!("{} U", x.units()),
                    escape(&x.volume().to_string()),
                ]
            })
            .collect();
        m.push_str("#grid(columns: (1fr, 1fr), column-gutter: 10pt,\n[\n");
        m.push_str(&table(
            "(1fr, auto, auto, auto, auto)",
            &["Muscle or nerve", "Side", "Site", "Units", "Volume"],
            &rows,
        ));
        m.push_str("],\n[\n");
        m.push_str(&image(
            &map,
            "100%",
            &format!(
                "Injection-site map: {} U given at {} sites",
                s.units_given(),
                s.site_count()
            ),
        ));
        if *s.indication() == Indication::ChronicMigraine {
            let diff = s.diff(&plan);
            let mut lines = Vec::new();
            for x in &diff.skipped {
                lines.push(format!(
                    "skipped: {} {} #{} ({} U)",
                    x.target(),
                    x.side(),
                    x.ordinal(),
                    x.units()
                ));
            }
            for x in &diff.added {
                lines.push(format!(
                    "added: {} {} #{} ({} U)",
                    x.target(),
                    x.side(),
                    x.ordinal(),
                    x.units()
                ));
            }
            for c in &diff.changed {
                lines.push(format!(
                    "changed: {} {} #{}: {} U planned, {} U given",
                    c.target, c.side, c.ordinal, c.planned_units, c.given_units
                ));
            }
            m.push_str(&para(&format!(
                "Plan: {} ({} U at {} sites). {}",
                plan.kind(),
                plan.total_units(),
                plan.total_sites(),
                if lines.is_empty() {
                    "Given as planned.".to_owned()
                } else {
                    format!("Differences from the plan: {}.", lines.join("; "))
                }
            )));
        }
        m.push_str("],\n)\n");

        m.push_str(&heading(2, "Billing lines"));
        let rows: Vec<Vec<String>> = billing
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
            &["Code", "Quantity", "What it bills"],
            &rows,
        ));
        if let Some(d) = billing.lines.first().and_then(|l| l.diagnosis) {
            m.push_str(&para(&format!("These lines rest on the diagnosis {d}.")));
        }
        for n in &billing.notes {
            m.push_str(&para(n));
        }
        m.push_str(&para(
            "Billing lines carry codes and quantities only, never prices.",
        ));

        if !self.session.overrides.is_empty() {
            m.push_str(&heading(2, "Safety checks overridden"));
            let rows: Vec<Vec<String>> = self
                .session
                .overrides
                .iter()
                .map(|o| {
                    vec![
                        escape(&o.check),
                        escape(&o.finding),
                        escape(&o.reason),
                        escape(&o.by),
                    ]
                })
                .collect();
            m.push_str(&table(
                "(auto, 1fr, 1fr, auto)",
                &["Check", "Finding", "Reason", "By"],
                &rows,
            ));
        }
        m.push_str(&decision_support_note(self.made_on));
        (m, vec![map])
    }

    /// The note as PDF.
    pub fn render(&self) -> Result<Report, ReportError> {
        let (markup, charts) = self.markup();
        render(
            &markup,
            &charts,
            format!("session-note-{}.pdf", date(self.session.session.date())),
        )
    }
}
