//! Commands for plans, sessions, the re-treatment schedule and the response to treatment.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};

use cephalog_app::AppError;
use cephalog_app::treatment::{
    PlanChoice, SessionSpec, SessionView, build_session, record_session, session_list, session_view,
};
use cephalog_core::protocol::{
    Anaesthetic, Concentration, Laterality, Muscle, NerveBlockPlan, NerveDose, OccipitalNerve,
    Plan, Side, Steroid, Target, Volume,
};
use cephalog_core::response::{CycleStatus, DecisionOutcome};
use cephalog_core::schedule::ScheduleWindow;
use cephalog_core::session::{
    Check, CheckPolicy, Indication, NerveBlock, Override, Product, Session, ToxinDose, VialSize,
};
use cephalog_store::{SessionRecord, Store};

use crate::output::table;
use crate::output::{WithPatient, print_json};
use crate::pathway::find_rule_set;
use crate::{PlanCommand, ResponseArgs, ScheduleArgs, SessionCommand, SessionRecordArgs, today};

fn parse_site(s: &str) -> Result<(Muscle, Side)> {
    let (m, side) = s
        .split_once(':')
        .ok_or_else(|| anyhow!("'{s}': give MUSCLE:SIDE, e.g. temporalis:left"))?;
    Ok((m.parse::<Muscle>()?, side.parse::<Side>()?))
}

fn parse_skip(s: &str) -> Result<(Muscle, Side, u32)> {
    let parts: Vec<&str> = s.split(':').collect();
    let [m, side, ordinal] = parts.as_slice() else {
        bail!("--skip '{s}': give MUSCLE:SIDE:ORDINAL, e.g. frontalis:left:2");
    };
    let ordinal = ordinal
        .parse::<u32>()
        .with_context(|| format!("--skip '{s}': the ordinal is a number"))?;
    Ok((m.parse::<Muscle>()?, side.parse::<Side>()?, ordinal))
}

fn parse_nerve_dose(s: &str) -> Result<NerveDose> {
    let parts: Vec<&str> = s.split(':').collect();
    let [nerve, side, units] = parts.as_slice() else {
        bail!("--nerve-dose '{s}': give NERVE:SIDE:UNITS, e.g. greater:left:25");
    };
    Ok(NerveDose {
        nerve: nerve.parse::<OccipitalNerve>()?,
        side: side.parse::<Side>()?,
        units: units
            .parse::<u32>()
            .with_context(|| format!("--nerve-dose '{s}': units are a whole number"))?,
    })
}

/// A plan by name: `preempt`, `preempt-ftp` with follow-the-pain sites, or `on-toxin` (off-label
/// botulinum toxin for occipital neuralgia) with doses per nerve.
fn plan_choice(name: &str, extra: &[String], nerve_doses: &[String]) -> Result<PlanChoice> {
    match name {
        "preempt" if extra.is_empty() => Ok(PlanChoice::Preempt),
        "preempt" => bail!("follow-the-pain sites need --plan preempt-ftp"),
        "preempt-ftp" => Ok(PlanChoice::PreemptFtp(
            extra
                .iter()
                .map(|e| parse_site(e))
                .collect::<Result<Vec<_>>>()?,
        )),
        "on-toxin" => Ok(PlanChoice::OccipitalToxin(
            nerve_doses
                .iter()
                .map(|d| parse_nerve_dose(d))
                .collect::<Result<Vec<_>>>()?,
        )),
        other => {
            bail!(
                "no injection plan '{other}' (preempt, preempt-ftp, on-toxin; gon-block with `plan show`)"
            )
        }
    }
}

/// The plan by name, at `concentration` for `on-toxin`.
fn build_plan(
    name: &str,
    extra: &[String],
    nerve_doses: &[String],
    concentration: Concentration,
) -> Result<Plan> {
    Ok(plan_choice(name, extra, nerve_doses)?.plan(concentration)?)
}

fn plan_table(plan: &Plan) -> String {
    let mut t = table();
    t.set_header(["site", "side", "#", "units", "volume"]);
    for s in plan.sites() {
        t.add_row([
            s.target().to_string(),
            s.side().to_string(),
            s.ordinal().to_string(),
            s.units().to_string(),
            s.volume().to_string(),
        ]);
    }
    t.to_string()
}

pub fn plan(cmd: PlanCommand) -> Result<()> {
    let PlanCommand::Show {
        name,
        extra,
        nerve_doses,
        side,
        json,
    } = cmd;
    if name == "gon-block" {
        let block = NerveBlockPlan::typical_gon(side.parse::<Laterality>()?);
        if json {
            return print_json(&block);
        }
        println!("Greater occipital nerve block ({})", block.laterality());
        println!(
            "  agent: {}; volume per side: {}; total {}",
            block.agent(),
            block.volume_per_side(),
            block.total_volume()
        );
        if let Some(s) = block.steroid() {
            println!("  steroid: {s}");
        }
        for n in block.notes().iter().chain(block.warnings().iter()) {
            println!("  {n}");
        }
        return Ok(());
    }
    let plan = build_plan(&name, &extra, &nerve_doses, Concentration::PREEMPT)?;
    if json {
        return print_json(&plan);
    }
    println!(
        "{} — {} sites, {} U, {} at {}",
        plan.kind(),
        plan.total_sites(),
        plan.total_units(),
        plan.total_volume(),
        plan.concentration()
    );
    println!("{}", plan_table(&plan));
    for n in plan.notes() {
        println!("{n}");
    }
    Ok(())
}

/// The session the arguments describe.
fn session_from(a: &SessionRecordArgs) -> Result<(Plan, Session)> {
    let vial_size = a.vial.parse::<VialSize>()?;
    let diluent = a
        .diluent_ml
        .map(|ml| Volume::from_ml("diluent", ml))
        .transpose()?;
    let plan = plan_choice(&a.plan, &a.extra, &a.nerve_doses)?;
    let skipped = a
        .skip
        .iter()
        .map(|s| {
            let (m, side, ordinal) = parse_skip(s)?;
            Ok((Target::Muscle(m), side, ordinal))
        })
        .collect::<Result<Vec<_>>>()?;
    let spec = SessionSpec {
        date: a.date,
        plan,
        skipped,
        added: Vec::new(),
        product: Product::OnabotulinumtoxinA,
        vial_size,
        vials: a.vials,
        lot: a.lot.clone(),
        expiry: a.expiry,
        diluent,
        injector: a.injector.clone(),
        prescriber: Some(a.prescriber.clone().unwrap_or_else(|| a.injector.clone())),
        notes: a.notes.clone(),
    };
    build_session(spec, today()).map_err(|e| match e {
        AppError::NotPlanned { index, .. } => anyhow!(
            "--skip {}: the plan has no such site",
            a.skip.get(index).map_or("", String::as_str)
        ),
        other => other.into(),
    })
}

fn overrides_from(a: &SessionRecordArgs) -> Result<Vec<Override>> {
    let by = a.by.clone().unwrap_or_else(|| a.injector.clone());
    a.overrides
        .iter()
        .map(|o| {
            let (check, reason) = o
                .split_once('=')
                .ok_or_else(|| anyhow!("--override '{o}': give CHECK=REASON"))?;
            Ok(Override::new(check.trim().parse::<Check>()?, reason, &by)?)
        })
        .collect()
}

fn session_text(v: &SessionView<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} — {} × {} vial, lot {}, expiry {}",
        v.date, v.indication, v.vials, v.vial, v.lot, v.expiry
    );
    let _ = writeln!(
        out,
        "  {} U over {} sites at {}; injector {}{}",
        v.units_given,
        v.sites_given,
        v.concentration,
        v.injector,
        v.prescriber
            .map(|p| format!(", prescriber {p}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "  waste: {} U opened, {} U given, {} U discarded",
        v.waste.opened, v.waste.given, v.waste.discarded
    );
    let _ = writeln!(
        out,
        "  billing: {}",
        v.billing
            .lines
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    );
    for n in &v.billing.notes {
        let _ = writeln!(out, "    {n}");
    }
    if let Some(d) = &v.plan_differences
        && !d.is_empty()
    {
        for s in &d.skipped {
            let _ = writeln!(
                out,
                "  skipped: {} {} #{}",
                s.target(),
                s.side(),
                s.ordinal()
            );
        }
        for s in &d.added {
            let _ = writeln!(
                out,
                "  added: {} {} #{} ({} U)",
                s.target(),
                s.side(),
                s.ordinal(),
                s.units()
            );
        }
        for c in &d.changed {
            let _ = writeln!(
                out,
                "  changed: {} {} #{}: {} U planned, {} U given",
                c.target, c.side, c.ordinal, c.planned_units, c.given_units
            );
        }
    }
    if let Some(c) = v.checks {
        for f in &c.refusals {
            let _ = writeln!(out, "  REFUSED: {f}");
        }
        for o in &c.overridden {
            let _ = writeln!(
                out,
                "  overridden by {} ({}): {}",
                o.by.by(),
                o.by.reason(),
                o.finding
            );
        }
        for w in &c.warnings {
            let _ = writeln!(out, "  warning: {w}");
        }
    }
    if let Some(os) = v.overrides {
        for o in os {
            let _ = writeln!(
                out,
                "  override {} by {}: {} — {}",
                o.check, o.by, o.reason, o.finding
            );
        }
    }
    out
}

pub async fn session(
    store: &Store,
    rules_dir: Option<&std::path::Path>,
    cmd: SessionCommand,
) -> Result<()> {
    match cmd {
        SessionCommand::Record(a) => {
            let r = crate::access::patient(store, &a.patient).await?;
            let (plan, session) = session_from(&a)?;
            let overrides = overrides_from(&a)?;
            let policy = CheckPolicy::default();
            let diagnoses: Vec<_> = r.patient.diagnoses().iter().map(|d| d.code).collect();
            let rules = crate::pathway::load_rule_sets(rules_dir)?;
            let outcome =
                record_session(store, &rules, &r, &session, &overrides, &policy, a.dry_run).await?;
            let check = outcome.check;
            let Some(id) = outcome.id else {
                let v = session_view(None, &session, &diagnoses, Some(&plan), Some(&check), None);
                if a.json {
                    print_json(&WithPatient {
                        patient: r.id,
                        body: &v,
                    })?;
                } else {
                    print!("{}", session_text(&v));
                }
                if !check.may_save() {
                    bail!(
                        "session refused by the safety checks; nothing was saved. Override with --override CHECK=REASON \
                         ({}) only with a recorded clinical reason",
                        check
                            .refusals
                            .iter()
                            .map(|f| f.check().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
                if a.json {
                    // Standard output stays one JSON document.
                    eprintln!("dry run: nothing saved");
                } else {
                    println!("dry run: nothing saved");
                }
                return Ok(());
            };
            let v = session_view(
                Some(id),
                &session,
                &diagnoses,
                Some(&plan),
                Some(&check),
                None,
            );
            if a.json {
                print_json(&WithPatient {
                    patient: r.id,
                    body: &v,
                })?;
            } else {
                println!("session {id} recorded");
                print!("{}", session_text(&v));
            }
        }
        SessionCommand::List { patient, json } => {
            let r = crate::access::patient(store, &patient).await?;
            let sessions: Vec<SessionRecord> =
                cephalog_app::treatment::sessions(store, r.id).await?;
            let blocks = cephalog_app::treatment::nerve_blocks(store, r.id).await?;
            let diagnoses: Vec<_> = r.patient.diagnoses().iter().map(|d| d.code).collect();
            let list = session_list(&sessions, &blocks, &diagnoses);
            if json {
                return print_json(&WithPatient {
                    patient: r.id,
                    body: &list,
                });
            }
            let views = &list.sessions;
            if views.is_empty() && blocks.is_empty() {
                println!("no sessions recorded");
            }
            for v in views {
                print!("{}", session_text(v));
            }
            for (id, b) in &blocks {
                println!("nerve block {id}");
                print!("{}", block_text(b));
            }
        }
        SessionCommand::Block {
            patient,
            date,
            nerve,
            side,
            agent,
            volume_ml,
            steroid,
            injector,
            notes,
        } => {
            let r = crate::access::patient(store, &patient).await?;
            let steroid = steroid
                .map(|s| {
                    let (agent, mg) = s
                        .split_once(':')
                        .ok_or_else(|| anyhow!("--steroid '{s}': give AGENT:MG"))?;
                    let mg = mg
                        .trim()
                        .parse::<f64>()
                        .with_context(|| format!("--steroid '{s}': the dose is a number of mg"))?;
                    Ok::<_, anyhow::Error>(Steroid::new(agent, mg)?)
                })
                .transpose()?;
            let plan = NerveBlockPlan::new(
                nerve.parse::<OccipitalNerve>()?,
                side.parse::<Laterality>()?,
                agent.parse::<Anaesthetic>()?,
                Volume::from_ml("volume", volume_ml)?,
                steroid,
            )?;
            let block = NerveBlock::record(date, plan, &injector, notes, today())?;
            let id = cephalog_app::treatment::record_nerve_block(store, r.id, &block).await?;
            println!("nerve block {id} recorded");
            print!("{}", block_text(&block));
        }
        SessionCommand::Relief {
            patient,
            block,
            percent,
            hours,
            on,
        } => {
            let r = crate::access::patient(store, &patient).await?;
            if !hours.is_finite() || hours < 0.0 {
                bail!("--hours must be 0 or more");
            }
            let b = cephalog_app::treatment::record_block_relief(
                store,
                r.id,
                block,
                percent,
                (hours * 60.0).round() as u32,
                on.unwrap_or_else(today),
            )
            .await?;
            print!("{}", block_text(&b));
        }
        SessionCommand::AddDose {
            patient,
            date,
            units,
            indication,
            product,
        } => {
            let r = crate::access::patient(store, &patient).await?;
            let dose = ToxinDose::new(
                date,
                product.parse::<Product>()?,
                units,
                Indication::other(&indication)?,
            )?;
            cephalog_app::treatment::add_other_toxin_dose(store, r.id, &dose, today()).await?;
            println!(
                "{}: {units} U of {} on {date} ({indication}) recorded",
                r.id,
                dose.product()
            );
        }
    }
    Ok(())
}

fn block_text(b: &NerveBlock) -> String {
    let g = b.given();
    let mut out = format!(
        "{} — {} ({}), {} {} per side{} — injector {}\n",
        b.date(),
        g.nerve(),
        g.laterality(),
        g.volume_per_side(),
        g.agent(),
        g.steroid().map(|s| format!(" + {s}")).unwrap_or_default(),
        b.injector()
    );
    let billing = b.billing();
    if !billing.lines.is_empty() {
        out.push_str(&format!(
            "  billing: {}\n",
            billing
                .lines
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    for n in billing.notes.iter().chain(g.warnings().iter()) {
        out.push_str(&format!("    {n}\n"));
    }
    match b.relief() {
        Some(r) => out.push_str(&format!(
            "  relief: {} % for {:.1} h (recorded {})\n",
            r.percent(),
            f64::from(r.duration_minutes()) / 60.0,
            r.recorded_on()
        )),
        None => out.push_str("  relief: not yet recorded (ICHD-3 13.4 D depends on it)\n"),
    }
    out
}

pub async fn schedule(store: &Store, a: ScheduleArgs) -> Result<()> {
    let on = a.on.unwrap_or_else(today);
    let window = ScheduleWindow::new(a.earliest_days, a.latest_days)?;
    crate::access::clinic(store).await?;
    let s = cephalog_app::treatment_schedule(store, window, on, None).await?;
    if a.json {
        return print_json(&s);
    }
    println!("Schedule on {on}: {}", s.basis);
    for (title, list) in [
        ("OVERDUE", &s.overdue),
        ("DUE", &s.due),
        ("TOO EARLY", &s.too_early),
    ] {
        println!("\n{title} ({})", list.len());
        if list.is_empty() {
            continue;
        }
        let mut t = table();
        t.set_header(["MRN", "name", "last session", "days since", "window"]);
        for e in list {
            t.add_row([
                e.patient.mrn.clone().unwrap_or_default(),
                e.patient.name.clone(),
                e.last_session.to_string(),
                e.days_since.to_string(),
                format!("{} – {}", e.earliest_due, e.latest_due),
            ]);
        }
        println!("{t}");
    }
    Ok(())
}

fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"))
}

pub async fn response(store: &Store, dir: Option<&Path>, a: ResponseArgs) -> Result<()> {
    let rules = find_rule_set(dir, &a.rules)?;
    let r = crate::access::patient(store, &a.patient).await?;
    let on = a.on.unwrap_or_else(today);
    let view = cephalog_app::response(store, &rules, &r, on, a.baseline_end)
        .await?
        .ok_or_else(|| {
            anyhow!(
                "patient {} has no chronic-migraine session on or before {on}",
                r.id
            )
        })?;
    if a.json {
        return print_json(&WithPatient {
            patient: r.id,
            body: &view,
        });
    }
    let (report, proms) = (&view.report, &view.proms);
    println!(
        "Patient {} — {} — response under {} (preset {}) as of {on}",
        r.id,
        r.patient.name(),
        rules.name,
        report.preset
    );
    println!(
        "Baseline {} – {}: {} headache days, {} migraine days per 28 days{}",
        report.baseline.start,
        report.baseline.end,
        num(report.baseline.headache_days_per_28),
        num(report.baseline.migraine_days_per_28),
        report
            .baseline
            .insufficient
            .map(|s| format!(" ({s})"))
            .unwrap_or_default()
    );
    let mut t = table();
    t.set_header([
        "cycle",
        "session",
        "window",
        "headache /28d",
        "change",
        "migraine /28d",
        "change",
        "≥30 %",
        "≥50 %",
        "note",
    ]);
    let yn = |b: Option<bool>| b.map_or("—", |b| if b { "yes" } else { "no" }).to_owned();
    for c in &report.cycles {
        let window = c
            .window
            .as_ref()
            .map_or("—".to_owned(), |w| format!("{} – {}", w.start, w.end));
        let pct = |p: Option<f64>| p.map_or("—".to_owned(), |p| format!("{p:+.1} %"));
        t.add_row([
            c.cycle.to_string(),
            c.session_date.to_string(),
            window,
            num(c.headache_days.cycle),
            pct(c.headache_days.percent),
            num(c.migraine_days.cycle),
            pct(c.migraine_days.percent),
            yn(c.responder_30),
            yn(c.responder_50),
            match (c.status, &c.note) {
                (CycleStatus::InProgress, Some(n)) | (CycleStatus::Complete, Some(n)) => n.clone(),
                _ => String::new(),
            },
        ]);
    }
    println!("{t}");
    if !proms.is_empty() {
        let mut t = table();
        t.set_header(["period", "date", "instrument", "score", "interpretation"]);
        for p in proms {
            t.add_row([
                p.period.clone(),
                p.date.to_string(),
                p.instrument.to_string(),
                p.total.to_string(),
                p.interpretation.clone(),
            ]);
        }
        println!("Questionnaires by cycle:\n{t}");
    }
    for d in report.decisions.iter().chain(report.review_prompt.iter()) {
        let word = match d.outcome {
            DecisionOutcome::Continue => "CONTINUE",
            DecisionOutcome::Stop => "STOP",
            DecisionOutcome::Review => "REVIEW",
            DecisionOutcome::NotYetApplicable => "NOT YET",
            DecisionOutcome::Unknown => "UNKNOWN",
        };
        println!(
            "[{word}] {}\n    evidence: {}\n    source: {}",
            d.description, d.evidence, d.source
        );
    }
    println!("\nDecision support only: the clinician decides.");
    Ok(())
}
