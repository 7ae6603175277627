//! Adverse events: recording with the boxed-warning flag, ICSR validity, reporting due dates,
//! clinic rates and the E2B(R3) and MedWatch 3500 exports.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use chrono::Utc;
use uuid::Uuid;

use cephalog_app::AppError;
use cephalog_app::safety::{CaseView, case_view, suspect_products};
use cephalog_core::safety::{
    ActionTaken, AdverseEvent, AdverseEventDraft, Causality, EventOutcome, IcsrPatient,
    ReporterDraft, ReporterQualification, ReportingCase, SeriousOutcome, clinic_safety_rates,
    overdue_reports,
};
use cephalog_e2b::SenderSettings;
use cephalog_store::{PatientRecord, Store};

use crate::output::print_json;
use crate::output::table;
use crate::{AeAddArgs, AeCommand, access, today};

/// The patient as an ICSR names them.
fn icsr_patient(r: &PatientRecord) -> Result<IcsrPatient> {
    Ok(cephalog_app::safety::icsr_patient(r)?)
}

fn case_text(v: &CaseView<'_>) -> String {
    let e = v.event;
    let mut out = format!(
        "case {} — {} (onset {}), CTCAE grade {}, {}\n",
        v.id,
        e.reported_term(),
        e.onset(),
        e.ctcae_grade().get(),
        if v.serious {
            format!(
                "SERIOUS: {}",
                e.seriousness()
                    .outcomes()
                    .map(|o| o.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            "non-serious".to_owned()
        }
    );
    if let Some(u) = &v.urgent_review {
        match &v.acknowledgement {
            Some(a) => out.push_str(&format!(
                "  urgent review acknowledged by {} at {}: {} ({})\n",
                a.by,
                a.at.format("%Y-%m-%d %H:%M UTC"),
                a.decision,
                u.reason
            )),
            None => out.push_str(&format!("  URGENT REVIEW: {}\n", u.reason)),
        }
    }
    if v.icsr.valid {
        out.push_str("  valid ICSR (reporter, patient, suspect product, reaction)\n");
    } else {
        out.push_str(&format!(
            "  not yet a valid ICSR; missing: {}\n",
            v.icsr
                .missing
                .iter()
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    match v.submitted_on {
        Some(d) => out.push_str(&format!("  submitted on {d}\n")),
        None => out.push_str(&format!(
            "  report due {} (aware {})\n",
            v.report_due,
            e.awareness_date()
        )),
    }
    out
}

fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').map(str::trim).filter(|x| !x.is_empty())
}

async fn add(store: &Store, a: AeAddArgs) -> Result<()> {
    let r = crate::access::patient(store, &a.patient).await?;
    let suspect_products = suspect_products(store, r.id, a.onset, &a.session_dates)
        .await
        .map_err(|e| match e {
            AppError::NoSessionOn { date, .. } => {
                anyhow!("--session-date {date}: no session recorded for this patient on that day")
            }
            other => other.into(),
        })?;
    let event = AdverseEvent::try_from(AdverseEventDraft {
        reported_term: a.term,
        meddra_code: a.meddra,
        onset: a.onset,
        resolution: a.resolution,
        ctcae_grade: a.grade,
        seriousness: split_list(&a.serious)
            .map(|s| s.parse::<SeriousOutcome>())
            .collect::<Result<_, _>>()?,
        action_taken: a.action.parse::<ActionTaken>()?,
        outcome: a.outcome.parse::<EventOutcome>()?,
        causality: a.causality.parse::<Causality>()?,
        reporter: ReporterDraft {
            given_name: a.reporter_given,
            family_name: a.reporter_family,
            qualification: a
                .reporter_qualification
                .map(|q| q.parse::<ReporterQualification>())
                .transpose()?,
            country: a.reporter_country,
            email: None,
        },
        awareness_date: a.aware.unwrap_or_else(today),
        narrative: a.narrative,
        suspect_products,
    })?;
    if event.onset() > today() {
        bail!("--onset {} is in the future", event.onset());
    }
    let rec = cephalog_app::safety::add_adverse_event(store, r.id, &event).await?;
    access::record(store, Some(r.id), "adverse_event", &rec.id.to_string()).await?;
    let v = case_view(store, &rec).await?;
    if a.json {
        return print_json(&v);
    }
    print!("{}", case_text(&v));
    Ok(())
}

/// The clinic's sender details for E2B(R3) messages, from a TOML file.
pub(crate) fn read_sender(path: &Path) -> Result<SenderSettings> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).map_err(|e| anyhow!("{}: {}", path.display(), e.message()))
}

async fn export(
    store: &Store,
    case: Uuid,
    format: &str,
    sender: Option<&Path>,
    out: Option<&Path>,
) -> Result<()> {
    let rec = cephalog_app::safety::adverse_event(store, case).await?;
    access::record(store, Some(rec.patient), "adverse_event", &case.to_string()).await?;
    let patient = icsr_patient(&cephalog_app::patients::get(store, rec.patient).await?)?;
    let text = match format {
        "e2b-r3" => {
            let path = sender.ok_or_else(|| {
                anyhow!("an E2B(R3) message needs the sender's details: --sender FILE or CEPHALOG_SENDER_FILE (see README)")
            })?;
            let f = read_sender(path)?;
            cephalog_app::safety::e2b_message(&rec, &patient, &f, Utc::now().fixed_offset())?
        }
        "medwatch-json" => cephalog_app::safety::medwatch_json(&rec, &patient, today())?,
        other => bail!("--format {other}: use e2b-r3 or medwatch-json"),
    };
    match out {
        Some(p) => {
            std::fs::write(p, &text).with_context(|| format!("cannot write {}", p.display()))?;
            eprintln!("case {case} written to {}", p.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

pub async fn ae(store: &Store, cmd: AeCommand) -> Result<()> {
    match cmd {
        AeCommand::Add(a) => add(store, *a).await,
        AeCommand::List { patient, json } => {
            let who = match patient {
                Some(p) => Some(crate::access::patient(store, &p).await?.id),
                None => None,
            };
            if who.is_none() {
                access::clinic(store).await?;
            }
            let records = cephalog_app::safety::adverse_events(store, who).await?;
            let mut views = Vec::new();
            for r in &records {
                views.push(case_view(store, r).await?);
            }
            if json {
                return print_json(&views);
            }
            let mut t = table();
            t.set_header([
                "case",
                "onset",
                "term",
                "grade",
                "serious",
                "urgent review",
                "valid ICSR",
                "due / submitted",
            ]);
            for v in &views {
                t.add_row([
                    v.id.to_string(),
                    v.event.onset().to_string(),
                    v.event.reported_term().to_owned(),
                    v.event.ctcae_grade().get().to_string(),
                    if v.serious { "yes" } else { "no" }.to_owned(),
                    v.urgent_review
                        .as_ref()
                        .map_or(String::new(), |u| u.symptom.to_string()),
                    if v.icsr.valid {
                        "yes".to_owned()
                    } else {
                        format!("missing {}", v.icsr.missing.len())
                    },
                    v.submitted_on.map_or_else(
                        || format!("due {}", v.report_due),
                        |d| format!("submitted {d}"),
                    ),
                ]);
            }
            println!("{t}");
            Ok(())
        }
        AeCommand::Show { id, json } => {
            let rec = cephalog_app::safety::adverse_event(store, id).await?;
            access::record(store, Some(rec.patient), "adverse_event", &id.to_string()).await?;
            let v = case_view(store, &rec).await?;
            if json {
                return print_json(&v);
            }
            print!("{}", case_text(&v));
            let e = &rec.event;
            println!(
                "  action {}, outcome {}, causality {}",
                e.action_taken(),
                e.outcome(),
                e.causality()
            );
            for p in e.suspect_products() {
                println!(
                    "  suspect: {} lot {} ({} U) on {}",
                    p.product_name(),
                    p.lot_number().unwrap_or("—"),
                    p.dose_units().map_or(0.0, |d| d.get()),
                    p.session_date()
                );
            }
            if !e.narrative().is_empty() {
                println!("  narrative: {}", e.narrative());
            }
            Ok(())
        }
        AeCommand::Overdue { on, json } => {
            let on = on.unwrap_or_else(today);
            access::clinic(store).await?;
            let records = cephalog_app::safety::adverse_events(store, None).await?;
            let cases: Vec<ReportingCase<Uuid>> = records
                .iter()
                .map(|r| ReportingCase {
                    case: r.id,
                    awareness_date: r.event.awareness_date(),
                    serious: r.event.is_serious(),
                    submitted: r.submitted_on.is_some(),
                })
                .collect();
            let overdue = overdue_reports(&cases, on);
            if json {
                return print_json(&overdue);
            }
            println!(
                "{} case(s) overdue on {on} (serious 15 days, non-serious 90 days from awareness)",
                overdue.len()
            );
            for o in &overdue {
                println!(
                    "  {} — {} — due {}, {} day(s) overdue",
                    o.case,
                    if o.serious { "serious" } else { "non-serious" },
                    o.due_date,
                    o.days_overdue
                );
            }
            Ok(())
        }
        AeCommand::Acknowledge { case, by, decision } => {
            let rec = cephalog_app::safety::adverse_event(store, case).await?;
            access::record(store, Some(rec.patient), "adverse_event", &case.to_string()).await?;
            let ack = cephalog_app::safety::acknowledge_urgent_review(store, case, &by, &decision)
                .await?;
            println!(
                "urgent review of case {case} acknowledged by {} at {}: {}",
                ack.by,
                ack.at.format("%Y-%m-%d %H:%M UTC"),
                ack.decision
            );
            Ok(())
        }
        AeCommand::Submitted { case, on } => {
            let on = on.unwrap_or_else(today);
            let rec = cephalog_app::safety::adverse_event(store, case).await?;
            access::record(store, Some(rec.patient), "adverse_event", &case.to_string()).await?;
            cephalog_app::safety::mark_submitted(store, case, on, today()).await?;
            println!("case {case} recorded as submitted on {on}");
            Ok(())
        }
        AeCommand::Rates { json } => {
            access::clinic(store).await?;
            let sessions = u32::try_from(cephalog_app::treatment::session_count(store).await?)
                .unwrap_or(u32::MAX);
            let events: Vec<AdverseEvent> = cephalog_app::safety::adverse_events(store, None)
                .await?
                .into_iter()
                .map(|r| r.event)
                .collect();
            let rates = clinic_safety_rates(sessions, &events);
            if json {
                return print_json(&rates);
            }
            let per100 = |r: &cephalog_core::safety::Rate| {
                r.per_100_sessions
                    .map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"))
            };
            println!("{} session(s) recorded", rates.sessions);
            let mut t = table();
            t.set_header(["events", "count", "per 100 sessions"]);
            t.add_row([
                "all".to_owned(),
                rates.overall.events.to_string(),
                per100(&rates.overall),
            ]);
            t.add_row([
                "serious".to_owned(),
                rates.serious.events.to_string(),
                per100(&rates.serious),
            ]);
            t.add_row([
                "related or possibly related".to_owned(),
                rates.treatment_related.events.to_string(),
                per100(&rates.treatment_related),
            ]);
            for tr in &rates.by_term {
                t.add_row([
                    format!("  {}", tr.term),
                    tr.rate.events.to_string(),
                    per100(&tr.rate),
                ]);
            }
            println!("{t}");
            let mut c = table();
            c.set_header([
                "published figure",
                "Botox % of patients",
                "placebo %",
                "clinic per 100 sessions",
                "source",
            ]);
            for cmp in &rates.comparisons {
                c.add_row([
                    cmp.published.name.to_owned(),
                    format!("{:.1}", cmp.published.botox_percent_of_patients),
                    cmp.published
                        .placebo_percent_of_patients
                        .map_or_else(|| "—".to_owned(), |p| format!("{p:.1}")),
                    per100(&cmp.clinic),
                    format!("{} {}", cmp.published.source, cmp.published.status.mark()),
                ]);
            }
            println!("{c}");
            if let Some(first) = rates.comparisons.first() {
                println!("{}", first.note);
            }
            Ok(())
        }
        AeCommand::Export {
            case,
            format,
            sender,
            out,
        } => export(store, case, &format, sender.as_deref(), out.as_deref()).await,
    }
}
