//! FHIR R4: one patient as a Bundle, the whole clinic as bulk NDJSON, and a Bundle imported as a
//! new patient (all or nothing).

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};

use cephalog_app::AppError;
use cephalog_store::Store;

use crate::FhirCommand;

pub async fn fhir(store: &Store, cmd: FhirCommand) -> Result<()> {
    match cmd {
        FhirCommand::Export {
            patient: Some(key),
            all: false,
            out,
        } => {
            let r = crate::access::patient(store, &key).await?;
            let bundle = cephalog_app::fhir::patient_bundle(store, r.id).await?;
            match out {
                Some(path) => {
                    fs::write(&path, &bundle)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!(
                        "patient {}: FHIR R4 Bundle written to {}",
                        r.id,
                        path.display()
                    );
                }
                None => io::stdout()
                    .lock()
                    .write_all(bundle.as_bytes())
                    .context("writing to standard output")?,
            }
            Ok(())
        }
        FhirCommand::Export { all: true, out, .. } => {
            let dir = out.ok_or_else(|| anyhow!("--all needs --out DIR for the NDJSON files"))?;
            export_all(store, &dir).await
        }
        FhirCommand::Export { .. } => bail!("name a patient (--patient ID|MRN) or --all"),
        FhirCommand::Import { file, clinic } => import(store, &file, &clinic).await,
    }
}

async fn export_all(store: &Store, dir: &Path) -> Result<()> {
    let patients = cephalog_app::patients::list(store, None).await?;
    crate::access::clinic(store).await?;
    for p in &patients {
        crate::access::record(store, Some(p.id), "patient", &p.id.to_string()).await?;
    }
    let ids: Vec<_> = patients.iter().map(|p| p.id).collect();
    let bulk = cephalog_app::fhir::bulk_export(store, &ids).await?;
    let written = bulk
        .write_to(dir)
        .with_context(|| format!("cannot write the NDJSON files into {}", dir.display()))?;
    println!(
        "{} patient(s) exported as FHIR R4 NDJSON into {}",
        bulk.patients(),
        dir.display()
    );
    for (path, lines) in written {
        println!("  {} ({lines} resources)", path.display());
    }
    Ok(())
}

async fn import(store: &Store, file: &Path, clinic: &str) -> Result<()> {
    let text =
        fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let clinic_id = cephalog_app::patients::clinic(store, clinic).await?;
    let done =
        match cephalog_app::fhir::import_bundle(store, clinic_id, &text, crate::today()).await {
            Ok(done) => done,
            Err(AppError::FhirImport(e)) => {
                let listed: Vec<String> = e.issues.iter().map(|i| format!("  {i}")).collect();
                bail!(
                    "{} cannot be imported ({} problem(s)); nothing was imported:\n{}",
                    file.display(),
                    e.issues.len(),
                    listed.join("\n")
                );
            }
            Err(e) => {
                return Err(anyhow::Error::from(e)
                    .context(format!("{}: nothing was imported", file.display())));
            }
        };
    crate::access::record(
        store,
        Some(done.patient),
        "patient",
        &done.patient.to_string(),
    )
    .await?;
    println!(
        "{}: imported patient {}{} into {}: {} diary day(s), {} preventive(s), {} questionnaire(s), {} session(s), {} dose(s) given elsewhere, {} nerve block(s), {} attestation(s), {} adverse event(s)",
        file.display(),
        done.patient,
        done.mrn
            .as_deref()
            .map(|m| format!(" (MRN {m})"))
            .unwrap_or_default(),
        clinic.trim(),
        done.diary_days,
        done.preventives,
        done.questionnaires,
        done.sessions,
        done.other_doses,
        done.nerve_blocks,
        done.attestations,
        done.adverse_events
    );
    Ok(())
}
