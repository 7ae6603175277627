//! A FHIR R4 Bundle read back into a validated [`Chart`].
//!
//! Every entry is parsed and mapped to domain values through the same constructors the rest of
//! Cephalog uses (`Patient::restore`, `DiaryDay::restore`, `Session::restore`, …). Problems are
//! collected, not stopped at: the error lists every resource that cannot be mapped, by
//! `<Type>/<id>` and reason. Only a bundle with no problem gives a chart.
//!
//! What an import reads: the resources [`crate::export`] writes. Derived resources (the 28-day
//! metrics Observations) are recognised and skipped: they are recomputed from the diary. Record ids
//! come from the [`codes::RECORD_ID`] identifiers; a record without one gets a new id. Medicines
//! are taken as named with the class they carry: the importing clinic's dictionary is not asked.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use uuid::Uuid;

use cephalog_core::eligibility::Attestation;
use cephalog_core::preventives::{
    PreventiveClass, PreventiveDraft, PreventiveOutcome, PreventiveTrial,
};
use cephalog_core::prom::{Instrument, PromEntry, PromResult, Scale};
use cephalog_core::protocol::{
    Anaesthetic, Laterality, NerveBlockPlan, OccipitalNerve, Side, Steroid, Target, Volume,
};
use cephalog_core::safety::{
    ActionTaken, AdverseEvent, AdverseEventDraft, Causality, EventOutcome, ReporterDraft,
    ReporterQualification, SeriousOutcome, SuspectProductDraft,
};
use cephalog_core::session::{
    Check, Indication, NerveBlock, Override, Product, Session, SessionDraft, SiteDose, ToxinDose,
    VialSize,
};
use cephalog_core::{
    Diagnosis, DiagnosisCode, Diary, DiaryDay, DiaryDraft, DrugClass, Features, Intensity,
    MedicationIntake, Minutes, Patient, Sex,
};

use crate::codes::{self, ext};
use crate::export::{REPORTER_CONTAINED_ID, feature_code};
use crate::model::{self, *};
use crate::{CaseEntry, Chart, OverrideEntry, SessionEntry};

/// One resource that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// `<Type>/<id>`, `entry[<n>]` for an entry without a usable resource, or `Bundle`.
    pub resource: String,
    pub reason: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.resource, self.reason)
    }
}

/// Why a bundle cannot be imported: every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportError {
    pub issues: Vec<Issue>,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the bundle cannot be imported: {} problem(s)",
            self.issues.len()
        )?;
        for i in &self.issues {
            write!(f, "\n  {i}")?;
        }
        Ok(())
    }
}

type Res<T> = Result<T, String>;

// --- reading helpers ----------------------------------------------------------------------------

fn need_date(field: &str, v: Option<&String>) -> Res<NaiveDate> {
    let v = v.ok_or_else(|| format!("{field} is missing"))?;
    parse_date(field, v)
}

fn parse_date(field: &str, v: &str) -> Res<NaiveDate> {
    if v.len() != 10 {
        return Err(format!("{field} '{v}' is not a calendar date (YYYY-MM-DD)"));
    }
    v.parse::<NaiveDate>()
        .map_err(|_| format!("{field} '{v}' is not a calendar date (YYYY-MM-DD)"))
}

fn opt_date(field: &str, v: Option<&String>) -> Res<Option<NaiveDate>> {
    v.map(|v| parse_date(field, v)).transpose()
}

/// The code of `system` in a concept, if any.
fn code_in<'a>(cc: &'a CodeableConcept, system: &str) -> Option<&'a str> {
    cc.coding
        .iter()
        .find(|c| c.system.as_deref() == Some(system))
        .and_then(|c| c.code.as_deref())
}

fn need_code<'a>(cc: Option<&'a CodeableConcept>, system: &str, field: &str) -> Res<&'a str> {
    cc.and_then(|c| code_in(c, system))
        .ok_or_else(|| format!("{field} has no code of {system}"))
}

fn parsed<T: FromStr>(field: &str, v: &str) -> Res<T>
where
    T::Err: fmt::Display,
{
    v.parse::<T>().map_err(|e| format!("{field}: {e}"))
}

fn find_ext<'a>(exts: &'a [Extension], url: &str) -> Option<&'a Extension> {
    exts.iter().find(|e| e.url == url)
}

/// Refuses extensions Cephalog does not read here, so nothing is dropped unnoticed.
fn known_exts(exts: &[Extension], allowed: &[&str], place: &str) -> Res<()> {
    match exts.iter().find(|e| !allowed.contains(&e.url.as_str())) {
        Some(e) => Err(format!(
            "{place} has an extension Cephalog does not read: {}",
            e.url
        )),
        None => Ok(()),
    }
}

fn whole(field: &str, q: Option<&Quantity>) -> Res<u32> {
    let n = q
        .and_then(|q| q.value.as_ref())
        .ok_or_else(|| format!("{field} has no value"))?;
    n.as_u64()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| format!("{field} {n} is not a whole number"))
}

fn decimal(field: &str, q: Option<&Quantity>) -> Res<f64> {
    q.and_then(|q| q.value.as_ref())
        .and_then(serde_json::Number::as_f64)
        .ok_or_else(|| format!("{field} has no value"))
}

/// A volume in mL (the unit is checked).
fn volume(field: &'static str, q: Option<&Quantity>) -> Res<Volume> {
    if let Some(unit) = q.and_then(|q| q.code.as_deref().or(q.unit.as_deref()))
        && unit != "mL"
    {
        return Err(format!("{field} is in '{unit}', not mL"));
    }
    Volume::from_ml(field, decimal(field, q)?).map_err(|e| e.to_string())
}

fn record_id(ids: &[Identifier]) -> Res<Option<Uuid>> {
    ids.iter()
        .find(|i| i.system.as_deref() == Some(codes::RECORD_ID))
        .and_then(|i| i.value.as_deref())
        .map(|v| {
            Uuid::parse_str(v)
                .map_err(|_| format!("identifier {v} of {} is not a UUID", codes::RECORD_ID))
        })
        .transpose()
}

/// Notes as one text; white space alone is no note, as the export writes none for it.
fn notes(ns: &[Annotation]) -> String {
    let text = ns
        .iter()
        .map(|n| n.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    if text.trim().is_empty() {
        String::new()
    } else {
        text
    }
}

fn actor(performers: &[Performer], field: &str) -> Res<String> {
    performers
        .first()
        .and_then(|p| p.actor.display.clone())
        .ok_or_else(|| format!("{field}: the performer's name (actor.display) is missing"))
}

fn sub<'a>(e: &'a Extension, url: &str) -> Option<&'a Extension> {
    e.extension.iter().find(|x| x.url == url)
}

fn sub_string(e: &Extension, url: &str) -> Option<String> {
    sub(e, url).and_then(|x| x.value_string.clone())
}

fn product_of(cc: Option<&CodeableConcept>, field: &str) -> Res<Product> {
    let code = need_code(cc, codes::TOXIN_PRODUCT, field)?;
    if code == "other" {
        let name = cc.and_then(|c| c.text.as_deref()).unwrap_or_default();
        return parsed(field, &format!("other:{name}"));
    }
    parsed(field, code)
}

fn indication_of(cc: Option<&CodeableConcept>, field: &str) -> Res<Indication> {
    let code = need_code(cc, codes::INDICATION, field)?;
    if code == "other" {
        let name = cc.and_then(|c| c.text.as_deref()).unwrap_or_default();
        return Indication::other(name).map_err(|e| format!("{field}: {e}"));
    }
    parsed(field, code)
}

// --- the import ---------------------------------------------------------------------------------

/// One parsed entry.
struct Entry {
    label: String,
    resource: Resource,
}

struct Reader {
    issues: Vec<Issue>,
    /// Reference text (fullUrl, `<Type>/<id>`) → entry index.
    refs: HashMap<String, usize>,
    patient: Option<usize>,
}

impl Reader {
    fn issue(&mut self, resource: &str, reason: impl Into<String>) {
        self.issues.push(Issue {
            resource: resource.to_owned(),
            reason: reason.into(),
        });
    }

    fn resolve(&self, r: &Reference) -> Option<usize> {
        r.reference
            .as_deref()
            .and_then(|t| self.refs.get(t).copied())
    }

    fn subject(&self, r: &Reference) -> Res<()> {
        if self.patient.is_some() && self.resolve(r) == self.patient {
            Ok(())
        } else {
            Err(format!(
                "subject {} is not the bundle's Patient",
                r.reference.as_deref().unwrap_or("(none)")
            ))
        }
    }
}

/// Reads a Bundle (JSON text) into a chart: all of it, or the list of every problem.
pub fn import_bundle(text: &str) -> Result<Chart, ImportError> {
    let fail = |reason: String| ImportError {
        issues: vec![Issue {
            resource: "Bundle".to_owned(),
            reason,
        }],
    };
    let raw: RawBundle =
        serde_json::from_str(text).map_err(|e| fail(format!("not a FHIR JSON Bundle: {e}")))?;
    if raw.resource_type != "Bundle" {
        return Err(fail(format!(
            "resourceType is {}, not Bundle",
            raw.resource_type
        )));
    }
    if raw.kind.as_deref() != Some("collection") {
        return Err(fail(format!(
            "type is {}, not collection",
            raw.kind.as_deref().unwrap_or("(none)")
        )));
    }
    let mut rd = Reader {
        issues: Vec::new(),
        refs: HashMap::new(),
        patient: None,
    };
    let mut entries: Vec<Entry> = Vec::new();
    let mut labels = HashSet::new();
    for (n, e) in raw.entry.into_iter().enumerate() {
        let Some(value) = e.resource else {
            rd.issue(&format!("entry[{n}]"), "the entry has no resource");
            continue;
        };
        let kind = value
            .get("resourceType")
            .and_then(|v| v.as_str())
            .unwrap_or("(no resourceType)")
            .to_owned();
        let id = value
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or("(no id)")
            .to_owned();
        let label = format!("{kind}/{id}");
        match Resource::from_value(value) {
            Ok(resource) => {
                if !labels.insert(label.clone()) {
                    rd.issue(&label, "the bundle holds this resource twice");
                    continue;
                }
                let index = entries.len();
                if let Some(url) = e.full_url {
                    rd.refs.insert(url, index);
                }
                rd.refs.insert(label.clone(), index);
                entries.push(Entry { label, resource });
            }
            Err(reason) => rd.issue(&label, reason),
        }
    }
    let patients: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.resource, Resource::Patient(_)))
        .map(|(i, _)| i)
        .collect();
    if patients.len() != 1 {
        rd.issue(
            "Bundle",
            format!(
                "holds {} Patient resources; an import takes exactly one patient",
                patients.len()
            ),
        );
        return Err(ImportError { issues: rd.issues });
    }
    rd.patient = patients.first().copied();
    let chart = read_chart(&mut rd, &entries);
    match chart {
        Some(chart) if rd.issues.is_empty() => Ok(chart.sorted()),
        _ => Err(ImportError { issues: rd.issues }),
    }
}

/// A session half-read: the parts from its Procedure and from its MedicationAdministration.
#[derive(Default)]
struct SessionParts {
    procedure: Option<(String, ProcedurePart)>,
    administration: Option<(String, AdministrationPart)>,
}

struct ProcedurePart {
    id: Option<Uuid>,
    date: NaiveDate,
    indication: Indication,
    sites: Vec<SiteDose>,
    injector: String,
    notes: String,
    overrides: Vec<OverrideEntry>,
}

struct AdministrationPart {
    id: Option<Uuid>,
    date: NaiveDate,
    product: Product,
    vial_size: VialSize,
    vials: u32,
    lot: String,
    expiry: NaiveDate,
    diluent: Volume,
    dose: Option<u32>,
}

fn read_chart(rd: &mut Reader, entries: &[Entry]) -> Option<Chart> {
    let patient_index = rd.patient?;
    let Resource::Patient(p) = &entries[patient_index].resource else {
        return None;
    };
    let patient_label = entries[patient_index].label.clone();
    let (pid, patient) = match read_patient(p) {
        Ok(v) => v,
        Err(reason) => {
            rd.issue(&patient_label, reason);
            return None;
        }
    };
    let mut chart = Chart::new(pid.unwrap_or_else(Uuid::now_v7), patient);
    let mut diagnoses: Vec<(String, Diagnosis)> = Vec::new();
    let mut days: Vec<(String, NaiveDate, DiaryDraft)> = Vec::new();
    let mut medicines: Vec<(String, NaiveDate, MedicationIntake)> = Vec::new();
    // Keyed by the Procedure's entry index.
    let mut sessions: BTreeMap<usize, SessionParts> = BTreeMap::new();
    let mut cases: Vec<(String, &model::AdverseEvent)> = Vec::new();
    let mut ids: HashSet<Uuid> = HashSet::new();
    let mut take_id = |rd: &mut Reader, label: &str, id: Option<Uuid>| -> Uuid {
        match id {
            Some(id) if !ids.insert(id) => {
                rd.issue(label, format!("record id {id} is used twice in the bundle"));
                id
            }
            Some(id) => id,
            None => Uuid::now_v7(),
        }
    };

    for (index, e) in entries.iter().enumerate() {
        let label = e.label.as_str();
        let checked = match &e.resource {
            Resource::Patient(_) => Ok(()),
            Resource::Condition(c) => rd.subject(&c.subject),
            Resource::Observation(o) => rd.subject(&o.subject),
            Resource::MedicationStatement(m) => rd.subject(&m.subject),
            Resource::MedicationAdministration(m) => rd.subject(&m.subject),
            Resource::Procedure(p) => rd.subject(&p.subject),
            Resource::QuestionnaireResponse(q) => rd.subject(&q.subject),
            Resource::AdverseEvent(a) => rd.subject(&a.subject),
        };
        if let Err(reason) = checked {
            rd.issue(label, reason);
            continue;
        }
        let outcome: Res<()> = match &e.resource {
            Resource::Patient(_) => Ok(()),
            Resource::Condition(c) => {
                read_condition(c).map(|d| diagnoses.push((label.to_owned(), d)))
            }
            Resource::Observation(o) => {
                match code_in(&o.code, codes::DIARY).or_else(|| code_in(&o.code, codes::CARE)) {
                    Some("diary-day") => {
                        read_diary_day(o).map(|(d, draft)| days.push((label.to_owned(), d, draft)))
                    }
                    // Derived from the diary: recomputed on export.
                    Some("diary-metrics") => Ok(()),
                    Some("medication-overuse-managed") => {
                        read_attestation(o).map(|a| chart.attestations.push(a))
                    }
                    _ => Err(format!(
                        "an Observation of code {} is not one Cephalog imports (diary-day, diary-metrics, medication-overuse-managed)",
                        describe(&o.code)
                    )),
                }
            }
            Resource::MedicationStatement(m) => {
                match m
                    .category
                    .as_ref()
                    .and_then(|c| code_in(c, codes::MEDICATION_USE))
                {
                    Some("acute") => {
                        read_acute(m).map(|(d, i)| medicines.push((label.to_owned(), d, i)))
                    }
                    Some("preventive") => read_preventive(m).map(|(id, t)| {
                        let id = take_id(rd, label, id);
                        chart.preventives.push((id, t));
                    }),
                    Some("toxin-elsewhere") => {
                        read_dose_elsewhere(m).map(|d| chart.other_doses.push(d))
                    }
                    _ => Err(format!(
                        "a MedicationStatement needs a category of {} (acute, preventive or toxin-elsewhere)",
                        codes::MEDICATION_USE
                    )),
                }
            }
            Resource::MedicationAdministration(m) => read_administration(m).and_then(|part| {
                let procedure = m
                    .part_of
                    .iter()
                    .find_map(|r| rd.resolve(r))
                    .filter(|i| matches!(entries[*i].resource, Resource::Procedure(_)))
                    .ok_or_else(|| {
                        "partOf does not name the session's Procedure in this bundle".to_owned()
                    })?;
                let slot = sessions.entry(procedure).or_default();
                if slot.administration.is_some() {
                    return Err(format!(
                        "{} already has a MedicationAdministration",
                        entries[procedure].label
                    ));
                }
                slot.administration = Some((label.to_owned(), part));
                Ok(())
            }),
            Resource::Procedure(p) => match procedure_kind(p) {
                Some(ProcedureKind::Session) => read_session_procedure(p).map(|part| {
                    sessions.entry(index).or_default().procedure = Some((label.to_owned(), part));
                }),
                Some(ProcedureKind::NerveBlock) => read_nerve_block(p).map(|(id, b)| {
                    let id = take_id(rd, label, id);
                    chart.nerve_blocks.push((id, b));
                }),
                None => Err(format!(
                    "a Procedure of code {} is not one Cephalog imports (CPT 64615 or 64405, or a Cephalog procedure code)",
                    p.code
                        .as_ref()
                        .map_or_else(|| "(none)".to_owned(), describe)
                )),
            },
            Resource::QuestionnaireResponse(q) => read_questionnaire(q).map(|(id, entry)| {
                let id = take_id(rd, label, id);
                chart.questionnaires.push((id, entry));
            }),
            Resource::AdverseEvent(a) => {
                cases.push((label.to_owned(), a));
                Ok(())
            }
        };
        if let Err(reason) = outcome {
            rd.issue(label, reason);
        }
    }

    // The patient's diagnoses.
    for (label, d) in diagnoses {
        if let Err(e) = chart.patient.diagnose(d) {
            rd.issue(&label, e.to_string());
        }
    }

    // Diary days with their medicines, in bundle order.
    let mut by_date: BTreeMap<NaiveDate, (String, DiaryDraft)> = BTreeMap::new();
    for (label, date, draft) in days {
        match by_date.entry(date) {
            std::collections::btree_map::Entry::Occupied(_) => rd.issue(
                &label,
                format!("the diary day {date} is in the bundle twice"),
            ),
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert((label, draft));
            }
        }
    }
    for (label, date, intake) in medicines {
        match by_date.get_mut(&date) {
            Some((_, draft)) => draft.medications.push(intake),
            None => rd.issue(
                &label,
                format!("no diary-day Observation for {date}, the day this medicine was taken"),
            ),
        }
    }
    let mut diary_days = Vec::new();
    for (date, (label, draft)) in by_date {
        match DiaryDay::restore(date, draft) {
            Ok(day) => diary_days.push(day),
            Err(e) => rd.issue(&label, format!("{}: {e}", e.field())),
        }
    }
    match Diary::new(diary_days) {
        Ok(d) => chart.diary = d,
        Err(e) => rd.issue("Bundle", e.to_string()),
    }

    // Sessions: each Procedure with its MedicationAdministration.
    for (_, parts) in sessions {
        match (parts.procedure, parts.administration) {
            (Some((plabel, p)), Some((alabel, a))) => {
                if p.date != a.date {
                    rd.issue(
                        &alabel,
                        format!("dated {}, its Procedure {plabel} {}", a.date, p.date),
                    );
                    continue;
                }
                let id = match (p.id, a.id) {
                    (Some(x), Some(y)) if x != y => {
                        rd.issue(
                            &alabel,
                            format!("record id {y} differs from its Procedure's {x}"),
                        );
                        continue;
                    }
                    (x, y) => take_id(rd, &plabel, x.or(y)),
                };
                let draft = SessionDraft {
                    date: p.date,
                    indication: p.indication,
                    product: a.product,
                    vial_size: a.vial_size,
                    vials: a.vials,
                    lot: a.lot,
                    expiry: a.expiry,
                    diluent: a.diluent,
                    sites: p.sites,
                    injector: p.injector,
                    prescriber: None,
                    notes: p.notes,
                };
                match Session::restore(draft) {
                    Ok(session) => {
                        if let Some(dose) = a.dose
                            && dose != session.units_given()
                        {
                            rd.issue(
                                &alabel,
                                format!(
                                    "dose {dose} U differs from the {} U of its Procedure's sites",
                                    session.units_given()
                                ),
                            );
                            continue;
                        }
                        chart.sessions.push(SessionEntry {
                            id,
                            session,
                            overrides: p.overrides,
                        });
                    }
                    Err(e) => rd.issue(&plabel, e.to_string()),
                }
            }
            (Some((plabel, _)), None) => rd.issue(
                &plabel,
                "no MedicationAdministration (partOf this Procedure) gives the product, lot and expiry",
            ),
            (None, Some((alabel, _))) => rd.issue(&alabel, "partOf names no session Procedure"),
            (None, None) => {}
        }
    }

    // Adverse events.
    for (label, a) in cases {
        match read_adverse_event(a) {
            Ok((id, event, submitted_on)) => {
                let id = take_id(rd, &label, id);
                chart.adverse_events.push(CaseEntry {
                    id,
                    event,
                    submitted_on,
                });
            }
            Err(reason) => rd.issue(&label, reason),
        }
    }
    Some(chart)
}

fn describe(cc: &CodeableConcept) -> String {
    let codes: Vec<String> = cc
        .coding
        .iter()
        .map(|c| {
            format!(
                "{}|{}",
                c.system.as_deref().unwrap_or(""),
                c.code.as_deref().unwrap_or("")
            )
        })
        .collect();
    if codes.is_empty() {
        cc.text.clone().unwrap_or_else(|| "(none)".to_owned())
    } else {
        codes.join(", ")
    }
}

fn read_patient(p: &model::Patient) -> Res<(Option<Uuid>, Patient)> {
    known_exts(&p.extension, &[ext::PATIENT_NOTES], "Patient")?;
    let name = p
        .name
        .first()
        .and_then(|n| {
            n.text.clone().or_else(|| {
                let mut parts = n.given.clone();
                parts.extend(n.family.clone());
                (!parts.is_empty()).then(|| parts.join(" "))
            })
        })
        .ok_or("the patient has no name")?;
    let dob = need_date("birthDate", p.birth_date.as_ref())?;
    let sex = match p.gender.as_deref() {
        None | Some("unknown") => None,
        Some("female") => Some(Sex::Female),
        Some("male") => Some(Sex::Male),
        Some("other") => Some(Sex::Other),
        Some(g) => {
            return Err(format!(
                "gender '{g}' is not female, male, other or unknown"
            ));
        }
    };
    let mrn = p
        .identifier
        .iter()
        .find(|i| {
            i.system.as_deref() == Some(codes::MRN)
                || i.kind
                    .as_ref()
                    .and_then(|k| code_in(k, codes::IDENTIFIER_TYPE))
                    == Some("MR")
        })
        .and_then(|i| i.value.clone());
    let notes = find_ext(&p.extension, ext::PATIENT_NOTES)
        .and_then(|e| e.value_string.clone())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_default();
    let patient =
        Patient::restore(&name, dob, sex, mrn, notes, Vec::new()).map_err(|e| e.to_string())?;
    Ok((record_id(&p.identifier)?, patient))
}

fn read_condition(c: &model::Condition) -> Res<Diagnosis> {
    if let Some(status) = c
        .clinical_status
        .as_ref()
        .and_then(|s| code_in(s, codes::CONDITION_CLINICAL))
        && status != "active"
    {
        return Err(format!(
            "clinicalStatus is {status}; Cephalog keeps active diagnoses only"
        ));
    }
    let code = need_code(c.code.as_ref(), codes::ICHD3, "code")
        .map_err(|_| format!("code has no ICHD-3 code ({})", codes::ICHD3))?;
    Ok(Diagnosis {
        code: parsed::<DiagnosisCode>("code", code)?,
        onset: opt_date("onsetDateTime", c.onset_date_time.as_ref())?,
    })
}

fn need_final(status: &str) -> Res<()> {
    if status == "final" {
        Ok(())
    } else {
        Err(format!("status is {status}, not final"))
    }
}

fn read_diary_day(o: &model::Observation) -> Res<(NaiveDate, DiaryDraft)> {
    need_final(&o.status)?;
    let date = need_date("effectiveDateTime", o.effective_date_time.as_ref())?;
    let mut minutes = None;
    let mut peak = None;
    let mut features = Features::default();
    let mut paroxysms = 0;
    for c in &o.component {
        let code = code_in(&c.code, codes::DIARY).ok_or_else(|| {
            format!(
                "component {} has no code of {}",
                describe(&c.code),
                codes::DIARY
            )
        })?;
        match code {
            "headache-minutes" => {
                let m = whole("headache-minutes", c.value_quantity.as_ref())?;
                minutes = Some(Minutes::new(i64::from(m)).map_err(|e| e.to_string())?);
            }
            "peak-intensity" => {
                let v = need_code(
                    c.value_codeable_concept.as_ref(),
                    codes::PEAK_INTENSITY,
                    "peak-intensity",
                )?;
                peak = Some(parsed::<Intensity>("peak-intensity", v)?);
            }
            "paroxysms" => {
                paroxysms = c
                    .value_integer
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or("paroxysms is not a whole number")?;
            }
            other => {
                let field = Features::FIELDS
                    .into_iter()
                    .find(|f| feature_code(f) == other)
                    .ok_or_else(|| format!("component {other} is not a diary item"))?;
                let v = c
                    .value_boolean
                    .ok_or_else(|| format!("{other} has no valueBoolean"))?;
                features.set(field, v);
            }
        }
    }
    Ok((
        date,
        DiaryDraft {
            date: Some(date),
            headache_minutes: minutes.ok_or("the headache-minutes component is missing")?,
            peak_intensity: peak.ok_or("the peak-intensity component is missing")?,
            features,
            medications: Vec::new(),
            paroxysms,
            notes: notes(&o.note),
        },
    ))
}

fn read_attestation(o: &model::Observation) -> Res<Attestation> {
    need_final(&o.status)?;
    if o.value_boolean != Some(true) {
        return Err("valueBoolean must be true: the attestation says overuse was managed".into());
    }
    let by = o
        .performer
        .first()
        .and_then(|p| p.display.clone())
        .filter(|b| !b.trim().is_empty())
        .ok_or("the attesting clinician (performer.display) is missing")?;
    Ok(Attestation {
        by,
        on: need_date("effectiveDateTime", o.effective_date_time.as_ref())?,
        note: notes(&o.note),
    })
}

fn read_acute(m: &MedicationStatement) -> Res<(NaiveDate, MedicationIntake)> {
    known_exts(
        &m.extension,
        &[ext::MIGRAINE_SPECIFIC],
        "MedicationStatement",
    )?;
    let date = need_date("effectiveDateTime", m.effective_date_time.as_ref())?;
    let med = m.medication_codeable_concept.as_ref();
    let name = med
        .and_then(|c| c.text.clone())
        .filter(|n| !n.trim().is_empty())
        .ok_or("the medicine's name (medicationCodeableConcept.text) is missing")?;
    let class = parsed::<DrugClass>(
        "class",
        need_code(med, codes::ACUTE_CLASS, "medicationCodeableConcept")?,
    )?;
    let migraine_specific = find_ext(&m.extension, ext::MIGRAINE_SPECIFIC)
        .and_then(|e| e.value_boolean)
        .unwrap_or_else(|| class.is_migraine_specific());
    let dose = m.dosage.first().and_then(|d| d.text.clone());
    Ok((
        date,
        MedicationIntake {
            name,
            dose,
            class,
            migraine_specific,
        },
    ))
}

fn read_preventive(m: &MedicationStatement) -> Res<(Option<Uuid>, PreventiveTrial)> {
    known_exts(
        &m.extension,
        &[ext::PREVENTIVE_CLASS],
        "MedicationStatement",
    )?;
    let drug = m
        .medication_codeable_concept
        .as_ref()
        .and_then(|c| c.text.clone())
        .ok_or("the drug (medicationCodeableConcept.text) is missing")?;
    let class = find_ext(&m.extension, ext::PREVENTIVE_CLASS)
        .and_then(|e| e.value_coding.as_ref())
        .and_then(|c| c.code.as_deref())
        .map(|c| parsed::<PreventiveClass>("class", c))
        .transpose()?;
    let reason_concept = m.status_reason.first();
    let outcome = match reason_concept.and_then(|c| code_in(c, codes::PREVENTIVE_OUTCOME)) {
        Some(code) => parsed::<PreventiveOutcome>("statusReason", code)?,
        None if m.status == "active" => PreventiveOutcome::Ongoing,
        None => {
            return Err(format!(
                "status {} needs a statusReason coded in {}",
                m.status,
                codes::PREVENTIVE_OUTCOME
            ));
        }
    };
    let status_fits = match outcome {
        PreventiveOutcome::Ongoing => m.status == "active",
        _ => matches!(m.status.as_str(), "stopped" | "not-taken" | "completed"),
    };
    if !status_fits {
        return Err(format!(
            "status {} does not fit the outcome {outcome}",
            m.status
        ));
    }
    let period = m.effective_period.as_ref();
    let trial = PreventiveTrial::new(PreventiveDraft {
        drug,
        class,
        start: opt_date(
            "effectivePeriod.start",
            period.and_then(|p| p.start.as_ref()),
        )?,
        stop: opt_date("effectivePeriod.end", period.and_then(|p| p.end.as_ref()))?,
        dose: m.dosage.first().and_then(|d| d.text.clone()),
        outcome: Some(outcome),
        reason: reason_concept
            .and_then(|c| c.text.clone())
            .unwrap_or_default(),
    })
    .map_err(|e| e.to_string())?;
    Ok((record_id(&m.identifier)?, trial))
}

fn read_dose_elsewhere(m: &MedicationStatement) -> Res<ToxinDose> {
    known_exts(&m.extension, &[], "MedicationStatement")?;
    let date = need_date("effectiveDateTime", m.effective_date_time.as_ref())?;
    let product = product_of(m.medication_codeable_concept.as_ref(), "medication")?;
    let indication = indication_of(m.reason_code.first(), "reasonCode")?;
    let units = whole(
        "dose",
        m.dosage
            .first()
            .and_then(|d| d.dose_and_rate.first())
            .and_then(|d| d.dose_quantity.as_ref()),
    )?;
    ToxinDose::new(date, product, units, indication).map_err(|e| e.to_string())
}

fn read_administration(m: &MedicationAdministration) -> Res<AdministrationPart> {
    known_exts(
        &m.extension,
        &[ext::VIALS, ext::DILUENT],
        "MedicationAdministration",
    )?;
    if m.status != "completed" {
        return Err(format!("status is {}, not completed", m.status));
    }
    let date = need_date("effectiveDateTime", m.effective_date_time.as_ref())?;
    let target = m
        .medication_reference
        .as_ref()
        .and_then(|r| r.reference.as_deref())
        .and_then(|r| r.strip_prefix('#'))
        .ok_or("medicationReference must name the contained Medication (#id)")?;
    let med = m
        .contained
        .iter()
        .find_map(|c| match c {
            Contained::Medication(med) if med.id == target => Some(med),
            _ => None,
        })
        .ok_or_else(|| format!("no contained Medication #{target}"))?;
    let product = product_of(med.code.as_ref(), "Medication.code")?;
    let vial_units = whole(
        "Medication.amount.numerator",
        med.amount.as_ref().and_then(|a| a.numerator.as_ref()),
    )?;
    let vial_size = parsed::<VialSize>("Medication.amount", &vial_units.to_string())?;
    let batch = med.batch.as_ref();
    let lot = batch
        .and_then(|b| b.lot_number.clone())
        .ok_or("Medication.batch.lotNumber is missing")?;
    let expiry = need_date(
        "Medication.batch.expirationDate",
        batch.and_then(|b| b.expiration_date.as_ref()),
    )?;
    let vials = match find_ext(&m.extension, ext::VIALS) {
        Some(e) => e
            .value_positive_int
            .and_then(|v| u32::try_from(v).ok())
            .ok_or("vials-opened has no valuePositiveInt")?,
        None => 1,
    };
    let diluent = match find_ext(&m.extension, ext::DILUENT) {
        Some(e) => volume("diluent", e.value_quantity.as_ref())?,
        None => vial_size.protocol_diluent(),
    };
    let dose = m
        .dosage
        .as_ref()
        .and_then(|d| d.dose.as_ref())
        .map(|q| whole("dosage.dose", Some(q)))
        .transpose()?;
    Ok(AdministrationPart {
        id: record_id(&m.identifier)?,
        date,
        product,
        vial_size,
        vials,
        lot,
        expiry,
        diluent,
        dose,
    })
}

enum ProcedureKind {
    Session,
    NerveBlock,
}

fn procedure_kind(p: &model::Procedure) -> Option<ProcedureKind> {
    let code = p.code.as_ref()?;
    match (code_in(code, codes::CPT), code_in(code, codes::PROCEDURE)) {
        (Some(c), _) if c == cephalog_core::reference::CPT_CHEMODENERVATION_CHRONIC_MIGRAINE => {
            Some(ProcedureKind::Session)
        }
        (Some(c), _) if c == cephalog_core::reference::CPT_GREATER_OCCIPITAL_NERVE_BLOCK => {
            Some(ProcedureKind::NerveBlock)
        }
        (_, Some("botulinum-toxin-injection")) => Some(ProcedureKind::Session),
        (_, Some("lesser-occipital-nerve-block")) => Some(ProcedureKind::NerveBlock),
        _ => None,
    }
}

fn need_completed(status: &str) -> Res<()> {
    if status == "completed" {
        Ok(())
    } else {
        Err(format!("status is {status}, not completed"))
    }
}

fn read_session_procedure(p: &model::Procedure) -> Res<ProcedurePart> {
    known_exts(&p.extension, &[ext::SAFETY_OVERRIDE], "Procedure")?;
    need_completed(&p.status)?;
    let date = need_date("performedDateTime", p.performed_date_time.as_ref())?;
    let indication = match p.reason_code.first() {
        Some(r) => indication_of(Some(r), "reasonCode")?,
        None if matches!(
            p.code.as_ref().and_then(|c| code_in(c, codes::CPT)),
            Some(cephalog_core::reference::CPT_CHEMODENERVATION_CHRONIC_MIGRAINE)
        ) =>
        {
            Indication::ChronicMigraine
        }
        None => return Err("reasonCode (the indication) is missing".into()),
    };
    let mut sites = Vec::new();
    for (i, b) in p.body_site.iter().enumerate() {
        let field = format!("bodySite[{i}]");
        let code = need_code(Some(b), codes::INJECTION_SITE, &field)?;
        known_exts(&b.extension, &[ext::INJECTION_SITE], &field)?;
        let detail = find_ext(&b.extension, ext::INJECTION_SITE).ok_or_else(|| {
            format!("{field} has no injection-site extension (side, ordinal, units)")
        })?;
        let target = if code == "named-site" {
            let name = sub_string(detail, "name")
                .ok_or_else(|| format!("{field}: a named site needs its name"))?;
            parsed::<Target>(&field, &format!("site:{name}"))?
        } else {
            parsed::<Target>(&field, code)?
        };
        let side = parsed::<Side>(
            &field,
            sub(detail, "side")
                .and_then(|x| x.value_code.as_deref())
                .ok_or_else(|| format!("{field}: side is missing"))?,
        )?;
        let ordinal = sub(detail, "ordinal")
            .and_then(|x| x.value_positive_int)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| format!("{field}: ordinal is missing"))?;
        let units = whole(
            &format!("{field}.units"),
            sub(detail, "units").and_then(|x| x.value_quantity.as_ref()),
        )?;
        sites.push(SiteDose {
            target,
            side,
            ordinal,
            units,
        });
    }
    let mut overrides = Vec::new();
    for o in p.extension.iter().filter(|e| e.url == ext::SAFETY_OVERRIDE) {
        let check = sub(o, "check")
            .and_then(|x| x.value_code.clone())
            .ok_or("safety-override: check is missing")?;
        let reason = sub_string(o, "reason").ok_or("safety-override: reason is missing")?;
        let by = sub_string(o, "by").ok_or("safety-override: by is missing")?;
        let finding = sub_string(o, "finding").unwrap_or_default();
        let parsed_check = parsed::<Check>("safety-override", &check)?;
        Override::new(parsed_check, &reason, &by).map_err(|e| format!("safety-override: {e}"))?;
        overrides.push(OverrideEntry {
            check,
            finding,
            reason,
            by,
        });
    }
    Ok(ProcedurePart {
        id: record_id(&p.identifier)?,
        date,
        indication,
        sites,
        injector: actor(&p.performer, "performer")?,
        notes: notes(&p.note),
        overrides,
    })
}

fn read_nerve_block(p: &model::Procedure) -> Res<(Option<Uuid>, NerveBlock)> {
    known_exts(
        &p.extension,
        &[ext::NERVE_BLOCK, ext::BLOCK_RELIEF],
        "Procedure",
    )?;
    need_completed(&p.status)?;
    let date = need_date("performedDateTime", p.performed_date_time.as_ref())?;
    let nerve = match p.code.as_ref().and_then(|c| code_in(c, codes::CPT)) {
        Some(_) => OccipitalNerve::GreaterOccipital,
        None => OccipitalNerve::LesserOccipital,
    };
    let mut sides = Vec::new();
    for (i, b) in p.body_site.iter().enumerate() {
        let field = format!("bodySite[{i}]");
        let target = parsed::<Target>(&field, need_code(Some(b), codes::INJECTION_SITE, &field)?)?;
        if target != Target::Nerve(nerve) {
            return Err(format!(
                "{field} is {target}, not the {nerve} the code names"
            ));
        }
        let side = find_ext(&b.extension, ext::INJECTION_SITE)
            .and_then(|d| sub(d, "side"))
            .and_then(|x| x.value_code.as_deref())
            .ok_or_else(|| format!("{field}: side is missing"))?;
        sides.push(parsed::<Side>(&field, side)?);
    }
    sides.sort();
    sides.dedup();
    let laterality = match sides.as_slice() {
        [Side::Left] => Laterality::Left,
        [Side::Right] => Laterality::Right,
        [Side::Left, Side::Right] => Laterality::Bilateral,
        _ => return Err("bodySite must name the left side, the right side or both".into()),
    };
    let agent_concept = p.used_code.first();
    let agent_code = need_code(agent_concept, codes::ANAESTHETIC, "usedCode")?;
    let agent = if agent_code == "other" {
        let name = agent_concept
            .and_then(|c| c.text.as_deref())
            .unwrap_or_default();
        parsed::<Anaesthetic>("usedCode", &format!("other:{name}"))?
    } else {
        parsed::<Anaesthetic>("usedCode", agent_code)?
    };
    let block = find_ext(&p.extension, ext::NERVE_BLOCK)
        .ok_or("the nerve-block extension (volume per side) is missing")?;
    let volume = volume(
        "volume-per-side",
        sub(block, "volume-per-side").and_then(|x| x.value_quantity.as_ref()),
    )?;
    let steroid = match sub_string(block, "steroid") {
        Some(agent) => {
            let mg = decimal(
                "steroid-dose",
                sub(block, "steroid-dose").and_then(|x| x.value_quantity.as_ref()),
            )?;
            Some(Steroid::new(&agent, mg).map_err(|e| e.to_string())?)
        }
        None => None,
    };
    let plan = NerveBlockPlan::new(nerve, laterality, agent, volume, steroid)
        .map_err(|e| e.to_string())?;
    let relief = match find_ext(&p.extension, ext::BLOCK_RELIEF) {
        Some(r) => {
            let percent = sub(r, "percent")
                .and_then(|x| x.value_integer)
                .and_then(|v| u32::try_from(v).ok())
                .ok_or("block-relief: percent is missing")?;
            let minutes = whole(
                "block-relief duration",
                sub(r, "duration").and_then(|x| x.value_quantity.as_ref()),
            )?;
            let on = need_date(
                "block-relief recorded-on",
                sub(r, "recorded-on").and_then(|x| x.value_date.as_ref()),
            )?;
            Some((percent, minutes, on))
        }
        None => None,
    };
    let b = NerveBlock::restore(
        date,
        plan,
        &actor(&p.performer, "performer")?,
        notes(&p.note),
        relief,
    )
    .map_err(|e| e.to_string())?;
    Ok((record_id(&p.identifier)?, b))
}

fn read_questionnaire(q: &QuestionnaireResponse) -> Res<(Option<Uuid>, PromEntry)> {
    if q.status != "completed" {
        return Err(format!("status is {}, not completed", q.status));
    }
    let wanted = q.questionnaire.as_deref().unwrap_or("(none)");
    let instrument = Instrument::ALL
        .into_iter()
        .find(|i| codes::questionnaire_url(i.def()) == wanted)
        .ok_or_else(|| {
            let known: Vec<String> = Instrument::ALL
                .iter()
                .map(|i| format!("{} ({})", i.label(), codes::questionnaire_url(i.def())))
                .collect();
            format!(
                "questionnaire {wanted} is not one Cephalog scores: {}",
                known.join(", ")
            )
        })?;
    let def = instrument.def();
    let date = need_date("authored", q.authored.as_ref())?;
    let links: Vec<&str> = def
        .items
        .iter()
        .map(|i| match i.loinc {
            Some(code) if def.fhir.answers_in_loinc => code,
            _ => i.link,
        })
        .collect();
    let total_link = def.fhir.total.map_or("score", |(code, _)| code);
    let answer_system = codes::answer_system(def);
    let mut answers: BTreeMap<usize, String> = BTreeMap::new();
    let mut stated_total = None;
    for item in &q.item {
        let answer = item
            .answer
            .first()
            .ok_or_else(|| format!("item {} has no answer", item.link_id))?;
        if item.link_id == total_link {
            stated_total = answer.value_integer;
            continue;
        }
        let pos = links
            .iter()
            .position(|l| *l == item.link_id)
            .ok_or_else(|| format!("item {} is not an item of {instrument}", item.link_id))?;
        let text = match def.items[pos].scale {
            Scale::Count { .. } => answer
                .value_integer
                .map(|v| v.to_string())
                .ok_or_else(|| format!("item {} has no valueInteger", item.link_id))?,
            Scale::Choice(scale) => {
                let c = answer
                    .value_coding
                    .as_ref()
                    .ok_or_else(|| format!("item {} has no valueCoding", item.link_id))?;
                let (system, code) = (c.system.as_deref(), c.code.as_deref());
                scale
                    .choices
                    .iter()
                    .find(|ch| {
                        let loinc = def.fhir.answers_in_loinc
                            && system == Some(codes::LOINC)
                            && ch.loinc.is_some()
                            && code == ch.loinc;
                        let own = system == Some(answer_system.as_str()) && code == Some(ch.code);
                        loinc || own
                    })
                    .map(|ch| ch.code.to_owned())
                    .ok_or_else(|| {
                        let system = if def.fhir.answers_in_loinc {
                            codes::LOINC
                        } else {
                            answer_system.as_str()
                        };
                        format!(
                            "item {} has no answer coded in {system} that {} takes",
                            item.link_id, def.label
                        )
                    })?
            }
        };
        if answers.insert(pos, text).is_some() {
            return Err(format!("item {} is answered twice", item.link_id));
        }
    }
    // MIDAS item B only follows item A.
    let texts: Vec<String> = answers.values().cloned().collect();
    if answers.keys().copied().ne(0..answers.len()) {
        return Err(format!(
            "{instrument} items must be answered in order without gaps (items: {})",
            links.join(", ")
        ));
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let result = PromResult::score(instrument, &refs).map_err(|e| e.to_string())?;
    if let Some(total) = stated_total
        && total != i64::from(result.total())
    {
        return Err(format!(
            "the stated score {total} differs from the answers' {}",
            result.total()
        ));
    }
    Ok((
        record_id(q.identifier.as_slice())?,
        PromEntry { date, result },
    ))
}

fn hl7_outcome(code: &str) -> Res<EventOutcome> {
    Ok(match code {
        "resolved" => EventOutcome::Recovered,
        "recovering" => EventOutcome::Recovering,
        "ongoing" => EventOutcome::NotRecovered,
        "resolvedWithSequelae" => EventOutcome::RecoveredWithSequelae,
        "fatal" => EventOutcome::Fatal,
        "unknown" => EventOutcome::Unknown,
        other => {
            return Err(format!(
                "outcome {other} is not an R4 adverse-event outcome"
            ));
        }
    })
}

#[cfg(test)]
pub(crate) fn hl7_outcome_for_tests(code: &str) -> Res<EventOutcome> {
    hl7_outcome(code)
}

type CaseParts = (Option<Uuid>, AdverseEvent, Option<NaiveDate>);

fn read_adverse_event(a: &model::AdverseEvent) -> Res<CaseParts> {
    known_exts(
        &a.extension,
        &[
            ext::AE_RESOLUTION,
            ext::AE_ACTION,
            ext::AE_CAUSALITY,
            ext::AE_SERIOUS_CRITERION,
            ext::AE_NARRATIVE,
            ext::AE_SUBMITTED,
        ],
        "AdverseEvent",
    )?;
    if a.actuality != "actual" {
        return Err(format!(
            "actuality is {}; Cephalog records actual events only",
            a.actuality
        ));
    }
    let event = a.event.as_ref();
    let reported_term = event
        .and_then(|e| e.text.clone())
        .ok_or("event.text (the reaction as reported) is missing")?;
    let meddra_code = event
        .and_then(|e| code_in(e, codes::MEDDRA))
        .map(str::to_owned);
    let onset = need_date("date", a.date.as_ref())?;
    let awareness = opt_date("detected", a.detected.as_ref())?.unwrap_or(onset);
    let value_code = |url: &str, system: &str| -> Option<String> {
        find_ext(&a.extension, url)
            .and_then(|e| e.value_codeable_concept.as_ref())
            .and_then(|c| code_in(c, system))
            .map(str::to_owned)
    };
    let action = match value_code(ext::AE_ACTION, codes::ACTION_TAKEN) {
        Some(c) => parsed::<ActionTaken>("action-taken", &c)?,
        None => ActionTaken::NotApplicable,
    };
    let causality = match value_code(ext::AE_CAUSALITY, codes::CAUSALITY) {
        Some(c) => parsed::<Causality>("causality", &c)?,
        None => Causality::NotAssessed,
    };
    let outcome = match a
        .outcome
        .as_ref()
        .and_then(|o| code_in(o, codes::AE_OUTCOME))
    {
        Some(c) => hl7_outcome(c)?,
        None => EventOutcome::Unknown,
    };
    let severity = a.severity.as_ref();
    let grade = match severity.and_then(|s| code_in(s, codes::CTCAE_GRADE)) {
        Some(g) => g
            .parse::<i64>()
            .map_err(|_| format!("CTCAE grade '{g}' is not a number"))?,
        None => match severity.and_then(|s| code_in(s, codes::AE_SEVERITY)) {
            Some("mild") => 1,
            Some("moderate") => 2,
            Some("severe") => 3,
            _ => return Err("severity has no CTCAE grade and no R4 severity".into()),
        },
    };
    let mut seriousness = Vec::new();
    for e in a
        .extension
        .iter()
        .filter(|e| e.url == ext::AE_SERIOUS_CRITERION)
    {
        let c = e
            .value_codeable_concept
            .as_ref()
            .and_then(|c| code_in(c, codes::SERIOUS_OUTCOME))
            .ok_or_else(|| {
                format!(
                    "serious-criterion has no code of {}",
                    codes::SERIOUS_OUTCOME
                )
            })?;
        seriousness.push(parsed::<SeriousOutcome>("serious-criterion", c)?);
    }
    match a
        .seriousness
        .as_ref()
        .and_then(|s| code_in(s, codes::AE_SERIOUSNESS))
    {
        Some("Serious") if seriousness.is_empty() => {
            return Err(
                "seriousness is Serious but no serious-criterion says which outcome".into(),
            );
        }
        Some("Non-serious") if !seriousness.is_empty() => {
            return Err("seriousness is Non-serious but serious criteria are given".into());
        }
        _ => {}
    }
    let reporter = read_reporter(a)?;
    let mut suspect_products = Vec::new();
    for (i, s) in a.suspect_entity.iter().enumerate() {
        let field = format!("suspectEntity[{i}]");
        known_exts(&s.extension, &[ext::AE_SUSPECT_PRODUCT], &field)?;
        let p = find_ext(&s.extension, ext::AE_SUSPECT_PRODUCT)
            .ok_or_else(|| format!("{field}: the suspect-product extension is missing"))?;
        suspect_products.push(SuspectProductDraft {
            product_name: sub_string(p, "product")
                .ok_or_else(|| format!("{field}: product is missing"))?,
            lot_number: sub_string(p, "lot"),
            dose_units: sub(p, "dose")
                .and_then(|x| x.value_quantity.as_ref())
                .map(|q| decimal(&format!("{field}.dose"), Some(q)))
                .transpose()?,
            session_date: need_date(
                &format!("{field}.session-date"),
                sub(p, "session-date").and_then(|x| x.value_date.as_ref()),
            )?,
        });
    }
    let event = AdverseEvent::try_from(AdverseEventDraft {
        reported_term,
        meddra_code,
        onset,
        resolution: opt_date(
            "resolution-date",
            find_ext(&a.extension, ext::AE_RESOLUTION).and_then(|e| e.value_date.as_ref()),
        )?,
        ctcae_grade: grade,
        seriousness,
        action_taken: action,
        outcome,
        causality,
        reporter,
        awareness_date: awareness,
        narrative: find_ext(&a.extension, ext::AE_NARRATIVE)
            .and_then(|e| e.value_string.clone())
            .unwrap_or_default(),
        suspect_products,
    })
    .map_err(|e| format!("{}: {e}", e.field()))?;
    let submitted = opt_date(
        "submitted-on",
        find_ext(&a.extension, ext::AE_SUBMITTED).and_then(|e| e.value_date.as_ref()),
    )?;
    Ok((record_id(a.identifier.as_slice())?, event, submitted))
}

fn read_reporter(a: &model::AdverseEvent) -> Res<ReporterDraft> {
    let Some(recorder) = &a.recorder else {
        return Ok(ReporterDraft::default());
    };
    known_exts(
        &recorder.extension,
        &[ext::AE_REPORTER_QUALIFICATION],
        "recorder",
    )?;
    let qualification = find_ext(&recorder.extension, ext::AE_REPORTER_QUALIFICATION)
        .and_then(|e| e.value_coding.as_ref())
        .and_then(|c| c.code.as_deref())
        .map(|c| parsed::<ReporterQualification>("reporter-qualification", c))
        .transpose()?;
    let target = recorder
        .reference
        .as_deref()
        .and_then(|r| r.strip_prefix('#'))
        .unwrap_or(REPORTER_CONTAINED_ID);
    let (name, telecom, address) = match a.contained.iter().find(|c| c.id() == target) {
        Some(Contained::Practitioner(p)) => (&p.name, &p.telecom, &p.address),
        Some(Contained::RelatedPerson(p)) => (&p.name, &p.telecom, &p.address),
        _ => {
            return Err(format!(
                "recorder names no contained Practitioner or RelatedPerson #{target}"
            ));
        }
    };
    let name = name.first();
    Ok(ReporterDraft {
        given_name: name.and_then(|n| n.given.first().cloned()),
        family_name: name.and_then(|n| n.family.clone()),
        qualification,
        country: address.first().and_then(|a| a.country.clone()),
        email: telecom
            .iter()
            .find(|t| t.system.as_deref() == Some("email"))
            .and_then(|t| t.value.clone()),
    })
}
