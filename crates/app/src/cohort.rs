//! The clinic cohort report: which patients, loaded how, handed to
//! [`cephalog_core::cohort::cohort_report`].
//!
//! The clinic is read a slice of patients at a time ([`patient_courses`]): sessions,
//! questionnaires and packed diaries in a handful of queries per slice, each patient's course
//! computed as their diary arrives, so no diary is held longer than its own computation and no
//! more than one slice's records at once.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use cephalog_core::cohort::{
    CohortOptions, CohortReport, CourseInput, PatientCourse, Selection, cohort_report as report,
    course,
};
use cephalog_core::prom::PromEntry;
use cephalog_core::rules::RuleSet;
use cephalog_core::safety::AdverseEvent;
use cephalog_core::session::Session;
use cephalog_core::{DiagnosisCode, Diary, Sex};
use cephalog_store::{PatientRecord, Patients, Store};

use crate::{AppError, find_rule_set};

/// Which patients the cohort report covers, and under which rule set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CohortFilter {
    /// One clinic's patients; `None`: the whole installation's.
    pub clinic: Option<Uuid>,
    /// First chronic-migraine session from … to, inclusive.
    pub first_session: Option<(NaiveDate, NaiveDate)>,
    pub diagnosis: Option<DiagnosisCode>,
    /// The rule set whose preset the figures use and whose stop decisions end time on treatment.
    pub rules: String,
    /// Age at the first session from … to, inclusive.
    pub age: Option<(u32, u32)>,
    pub sex: Option<Sex>,
}

impl CohortFilter {
    /// Every patient under `rules`.
    pub fn new(rules: &str) -> Self {
        CohortFilter {
            clinic: None,
            first_session: None,
            diagnosis: None,
            rules: rules.to_owned(),
            age: None,
            sex: None,
        }
    }

    /// The filters in words, for messages and the audit trail: "rules nice-ta260, clinic Main
    /// clinic, sex female". `clinic_name` names the clinic (else its id is given).
    pub fn describe(&self, clinic_name: Option<&str>) -> String {
        let mut parts = vec![format!("rules {}", self.rules)];
        if let Some(c) = self.clinic {
            parts.push(format!(
                "clinic {}",
                clinic_name.map_or_else(|| c.to_string(), str::to_owned)
            ));
        }
        if let Some((from, to)) = self.first_session {
            parts.push(format!("first session {from}..{to}"));
        }
        if let Some(d) = self.diagnosis {
            parts.push(format!("diagnosis {}", d.code()));
        }
        if let Some((low, high)) = self.age {
            parts.push(format!("age {low}..{high}"));
        }
        if let Some(s) = self.sex {
            parts.push(format!("sex {}", s.as_str()));
        }
        parts.join(", ")
    }

    /// The core's selection.
    pub(crate) fn selection(&self) -> Selection {
        Selection {
            first_session: self.first_session,
            diagnosis: self.diagnosis,
            age: self.age,
            sex: self.sex,
        }
    }
}

fn refused(filter: &'static str, reason: String) -> AppError {
    AppError::Filter { filter, reason }
}

/// Checks the filter against the rule sets and the clinics: a reversed range, an unknown rule
/// set or an unknown clinic is refused, naming the filter.
pub async fn validate<'a>(
    store: &Store,
    rules: &'a [RuleSet],
    filter: &CohortFilter,
) -> Result<&'a RuleSet, AppError> {
    if let Some((from, to)) = filter.first_session
        && from > to
    {
        return Err(refused(
            "first-session",
            format!("the range {from}..{to} runs backwards: give the earlier date first"),
        ));
    }
    if let Some((low, high)) = filter.age
        && low > high
    {
        return Err(refused(
            "age",
            format!("the range {low}..{high} runs backwards: give the lower age first"),
        ));
    }
    let set = find_rule_set(rules, &filter.rules).map_err(|e| refused("rules", e.to_string()))?;
    if let Some(c) = filter.clinic
        && !store.clinics().await?.iter().any(|k| k.id == c)
    {
        return Err(refused("clinic", format!("no clinic with id {c}")));
    }
    Ok(set)
}

/// The id of the clinic named `name` (never created): an unknown name is refused as the
/// `clinic` filter, listing the known ones.
pub async fn clinic_named(store: &Store, name: &str) -> Result<Uuid, AppError> {
    let clinics = store.clinics().await?;
    clinics
        .iter()
        .find(|c| c.name == name.trim())
        .map(|c| c.id)
        .ok_or_else(|| {
            refused(
                "clinic",
                format!(
                    "no clinic named '{name}' (known: {})",
                    clinics
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
}

/// What is read per patient before the diaries stream past.
struct Records {
    record: PatientRecord,
    sessions: Vec<Session>,
    questionnaires: Vec<PromEntry>,
    adverse_events: Vec<AdverseEvent>,
}

fn course_of(
    r: &Records,
    diary: &Diary,
    set: &RuleSet,
    rules: &[RuleSet],
    on: NaiveDate,
) -> PatientCourse {
    course(
        CourseInput {
            id: &r.record.id.to_string(),
            patient: &r.record.patient,
            diary,
            sessions: &r.sessions,
            questionnaires: &r.questionnaires,
            adverse_events: &r.adverse_events,
            as_of: on,
        },
        set,
        rules,
    )
}

/// Patients read together: their sessions, questionnaires and diaries come in a few queries per
/// slice, and only one slice's records are held at a time.
const SLICE_PATIENTS: usize = 1000;

/// Each patient's course (see [`cephalog_core::cohort::course`]) as of `on` under the filter's
/// rule set, with the decisions of every rule set in `rules` per cycle, for the filter's clinic
/// (or the installation). No selection but the clinic is applied here.
///
/// The patients are read in slices of [`SLICE_PATIENTS`] in order of id: each slice's sessions
/// (three queries), questionnaires (one) and diaries (two, packed) are read, its courses
/// computed and its records dropped before the next; adverse events are read in one query.
pub async fn patient_courses(
    store: &Store,
    rules: &[RuleSet],
    filter: &CohortFilter,
    on: NaiveDate,
) -> Result<Vec<PatientCourse>, AppError> {
    let set = validate(store, rules, filter).await?;
    let mut patients = match filter.clinic {
        Some(c) => store.clinic_patients(c).await?,
        None => store.patients().await?,
    };
    patients.sort_by_key(|r| r.id);
    let mut events: HashMap<Uuid, Vec<AdverseEvent>> = HashMap::new();
    for e in store.adverse_events(None).await? {
        events.entry(e.patient).or_default().push(e.event);
    }
    let mut courses: Vec<PatientCourse> = Vec::with_capacity(patients.len());
    let empty = Diary::default();
    let mut slices = patients.into_iter().peekable();
    while slices.peek().is_some() {
        let slice: Vec<PatientRecord> = slices.by_ref().take(SLICE_PATIENTS).collect();
        let ids: Vec<Uuid> = slice.iter().map(|r| r.id).collect();
        let mut sessions: HashMap<Uuid, Vec<Session>> = HashMap::new();
        for (patient, s) in store.sessions_of(&ids).await? {
            sessions.entry(patient).or_default().push(s.session);
        }
        let mut questionnaires: HashMap<Uuid, Vec<PromEntry>> = HashMap::new();
        for (patient, _, q) in store.proms_of(&ids).await? {
            questionnaires.entry(patient).or_default().push(q);
        }
        let mut records: HashMap<Uuid, Records> = slice
            .into_iter()
            .map(|record| {
                let id = record.id;
                let r = Records {
                    sessions: sessions.remove(&id).unwrap_or_default(),
                    questionnaires: questionnaires.remove(&id).unwrap_or_default(),
                    adverse_events: events.remove(&id).unwrap_or_default(),
                    record,
                };
                (id, r)
            })
            .collect();
        store
            .each_diary_of(Patients::These(&ids), |patient, diary| {
                if let Some(r) = records.remove(&patient) {
                    courses.push(course_of(&r, &diary, set, rules, on));
                }
            })
            .await?;
        // Patients without a diary.
        let mut rest: Vec<Records> = records.into_values().collect();
        rest.sort_by_key(|r| r.record.id);
        courses.extend(rest.iter().map(|r| course_of(r, &empty, set, rules, on)));
    }
    courses.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(courses)
}

/// The cohort report of the patients `filter` selects, as of `on`, with the default options
/// (a discontinuation gap of [`cephalog_core::reference::DISCONTINUATION_GAP_DAYS`] days). An
/// empty selection is a report with no patients (`patients.selected` is 0), not an error.
pub async fn cohort_report(
    store: &Store,
    rules: &[RuleSet],
    filter: &CohortFilter,
    on: NaiveDate,
) -> Result<CohortReport, AppError> {
    cohort_report_with(store, rules, filter, &CohortOptions::default(), on).await
}

/// [`cohort_report`] with other options (another discontinuation gap, another at-risk table).
pub async fn cohort_report_with(
    store: &Store,
    rules: &[RuleSet],
    filter: &CohortFilter,
    options: &CohortOptions,
    on: NaiveDate,
) -> Result<CohortReport, AppError> {
    let courses = patient_courses(store, rules, filter, on).await?;
    Ok(report(
        &courses,
        &filter.selection(),
        options,
        &filter.rules,
        on,
    )?)
}
