//! `cephalog report`: the doctor-visit summary, the prior-authorisation packet and the session
//! procedure note as PDF files.

use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;

use cephalog_core::metrics::DateRange;
use cephalog_core::preset::DayPreset;
use cephalog_reports::Report;
use cephalog_store::Store;

use crate::pathway::find_rule_set;
use crate::{ReportCommand, today};

pub(crate) fn write(report: &Report, out: &Path) -> Result<()> {
    std::fs::write(out, &report.pdf).with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "{} ({} page{})",
        out.display(),
        report.pages,
        if report.pages == 1 { "" } else { "s" }
    );
    Ok(())
}

/// Typesets off the async runtime's worker threads.
pub(crate) async fn typeset<T, F>(data: T, f: F) -> Result<Report>
where
    T: Send + 'static,
    F: FnOnce(&T) -> Result<Report, cephalog_reports::ReportError> + Send + 'static,
{
    Ok(tokio::task::spawn_blocking(move || f(&data)).await??)
}

pub async fn report(store: &Store, rules_dir: Option<&Path>, cmd: ReportCommand) -> Result<()> {
    let made_on = today();
    match cmd {
        ReportCommand::Visit {
            patient,
            from,
            to,
            preset,
            rules,
            out,
        } => {
            let to = to.unwrap_or(made_on);
            let from = from.unwrap_or_else(|| default_from(to));
            let Some(period) = DateRange::new(from, to) else {
                bail!("--from {from} is after --to {to}");
            };
            let preset: DayPreset = preset.parse()?;
            let rules = find_rule_set(rules_dir, &rules)?;
            let r = crate::access::patient(store, &patient).await?;
            let data =
                cephalog_reports::load::visit_summary(store, &r, period, preset, &rules, made_on)
                    .await?;
            write(&typeset(data, |v| v.render()).await?, &out)
        }
        ReportCommand::PriorAuth {
            patient,
            rules,
            on,
            out,
        } => {
            let rules = find_rule_set(rules_dir, &rules)?;
            let r = crate::access::patient(store, &patient).await?;
            let data = cephalog_reports::load::prior_auth(store, &r, &rules, on.unwrap_or(made_on))
                .await?;
            write(&typeset(data, |p| p.render()).await?, &out)
        }
        ReportCommand::Session { session, out } => {
            let owner = cephalog_app::treatment::session_patient(store, session).await?;
            let r = crate::access::patient(store, &owner.to_string()).await?;
            crate::access::record(store, Some(r.id), "session", &session.to_string()).await?;
            let data = cephalog_reports::load::session_note(store, &r, session, made_on).await?;
            write(&typeset(data, |n| n.render()).await?, &out)
        }
    }
}

/// The default period of `report visit`: the 84 days up to today.
pub fn default_from(to: NaiveDate) -> NaiveDate {
    to - chrono::Duration::days(83)
}
