//! A [`Chart`] as FHIR R4 resources.
//!
//! | record | resource | notes |
//! |---|---|---|
//! | patient | `Patient` | identifier: MRN (system [`codes::MRN`], type MR) and Cephalog's id ([`codes::RECORD_ID`]); `name.text`; gender; birthDate; notes in an extension |
//! | diagnosis | `Condition` | problem-list item, active; code: ICD-10-CM ([`codes::icd10cm`]) and ICHD-3 ([`codes::ICHD3`]); onset |
//! | diary day | `Observation` (survey) | code `diary-day`; components: headache minutes (UCUM `min`), peak intensity (LOINC 38208-5 with a [`codes::PEAK_INTENSITY`] answer), the eight features (boolean), paroxysms (integer); notes in `note` |
//! | acute medicine of a day | `MedicationStatement` (category `acute`) | medication: ICHD-3 class coding and the name as written; dose in `dosage.text`; `derivedFrom` the day's Observation |
//! | 28-day metrics | `Observation` (survey) | code `diary-metrics`; effectivePeriod; method: the day preset; counts, hours, per-28-day figures or `dataAbsentReason` when the diary is too incomplete. Derived: an import skips them |
//! | overuse attestation | `Observation` | code `medication-overuse-managed`, valueBoolean true, performer (display), note |
//! | preventive | `MedicationStatement` (category `preventive`) | status active / stopped / not-taken; statusReason: the outcome and reason; effectivePeriod; reasonCode headache prevention; an outcome note |
//! | toxin given elsewhere | `MedicationStatement` (category `toxin-elsewhere`) | product, date, dose, indication |
//! | questionnaire | `QuestionnaireResponse` | MIDAS items 1–5, A, B (integers), HIT-6 items 1–6 (coded answers), `score` |
//! | session | `Procedure` + `MedicationAdministration` | Procedure: CPT 64615 (chronic migraine) or a local code, one bodySite per site with side, ordinal and units, overrides in extensions. MedicationAdministration: contained Medication with vial size, lot and expiry; vials and diluent; dose; route IM |
//! | nerve block | `Procedure` | CPT 64405 (greater occipital nerve); bodySite per side; agent in usedCode; volume, steroid and relief in extensions |
//! | adverse event | `AdverseEvent` | actuality actual; event: MedDRA (when the clinic coded it) and the reported term; date (onset), detected (awareness); seriousness, severity (with the CTCAE grade), outcome; recorder: a contained Practitioner or RelatedPerson; suspectEntity: the session's MedicationAdministration (or a contained Medication) |

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde_json::Number;
use uuid::Uuid;

use cephalog_core::DrugClass;
use cephalog_core::metrics::{DateRange, PeriodKind, compute_metrics};
use cephalog_core::preset::DayPreset;
use cephalog_core::preventives::{PreventiveOutcome, PreventiveTrial};
use cephalog_core::prom::{AnswerValue, PromEntry};
use cephalog_core::protocol::{Anaesthetic, OccipitalNerve, Side, Target, Volume};
use cephalog_core::safety::{
    ActionTaken, Causality, EventOutcome, ReporterQualification, SeriousOutcome,
};
use cephalog_core::session::{Indication, NerveBlock, Product, ToxinDose};
use cephalog_core::{DiagnosisCode, DiaryDay, Intensity, Sex};

use crate::codes::{self, ext, resource_id};
use crate::model::*;
use crate::{CaseEntry, Chart, SessionEntry};

/// How references between resources are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefStyle {
    /// `urn:uuid:<id>`, matching the Bundle entries' `fullUrl`.
    Bundle,
    /// `<Type>/<id>`, as in bulk-data NDJSON.
    Relative,
}

impl RefStyle {
    fn to(self, kind: &str, id: &str) -> Reference {
        Reference {
            reference: Some(match self {
                RefStyle::Bundle => format!("urn:uuid:{id}"),
                RefStyle::Relative => format!("{kind}/{id}"),
            }),
            ..Reference::default()
        }
    }
}

/// The day preset the exported metrics count under (the default of every report).
pub const METRICS_PRESET: DayPreset = DayPreset::Label4h;

// --- small builders -----------------------------------------------------------------------------

pub(crate) fn coding(system: &str, code: &str, display: &str) -> Coding {
    Coding {
        system: Some(system.to_owned()),
        code: Some(code.to_owned()),
        display: (!display.is_empty()).then(|| display.to_owned()),
    }
}

fn concept(codings: Vec<Coding>, text: Option<String>) -> CodeableConcept {
    CodeableConcept {
        extension: Vec::new(),
        coding: codings,
        text,
    }
}

fn coded(system: &str, code: &str, display: &str) -> CodeableConcept {
    concept(vec![coding(system, code, display)], None)
}

fn int(v: u64) -> Number {
    Number::from(v)
}

/// A decimal rounded to `places`, written as the shortest JSON number.
fn dec(v: f64, places: i32) -> Number {
    let f = 10f64.powi(places);
    Number::from_f64((v * f).round() / f).unwrap_or_else(|| Number::from(0))
}

fn ucum(value: Number, unit: &str, code: &str) -> Quantity {
    Quantity {
        value: Some(value),
        unit: Some(unit.to_owned()),
        system: Some(codes::UCUM.to_owned()),
        code: Some(code.to_owned()),
    }
}

/// Toxin units: product-specific biological units, not convertible, so UCUM's arbitrary unit.
fn toxin_units(value: Number) -> Quantity {
    ucum(value, "U", "[arb'U]")
}

/// Millilitres from whole microlitres, exactly.
fn millilitres(v: Volume) -> Quantity {
    let micro = v.microlitres();
    let value = if micro.is_multiple_of(1000) {
        int(u64::from(micro / 1000))
    } else {
        dec(f64::from(micro) / 1000.0, 3)
    };
    ucum(value, "mL", "mL")
}

fn ext_with(url: &str, f: impl FnOnce(&mut Extension)) -> Extension {
    let mut e = Extension {
        url: url.to_owned(),
        ..Extension::default()
    };
    f(&mut e);
    e
}

fn ext_string(url: &str, v: &str) -> Extension {
    ext_with(url, |e| e.value_string = Some(v.to_owned()))
}

fn ext_date(url: &str, d: NaiveDate) -> Extension {
    ext_with(url, |e| e.value_date = Some(d.to_string()))
}

fn ext_concept(url: &str, c: CodeableConcept) -> Extension {
    ext_with(url, |e| e.value_codeable_concept = Some(c))
}

fn ext_quantity(url: &str, q: Quantity) -> Extension {
    ext_with(url, |e| e.value_quantity = Some(q))
}

fn ext_complex(url: &str, parts: Vec<Extension>) -> Extension {
    ext_with(url, |e| e.extension = parts)
}

fn note(text: &str) -> Vec<Annotation> {
    if text.trim().is_empty() {
        Vec::new()
    } else {
        vec![Annotation {
            text: text.to_owned(),
        }]
    }
}

fn record_id(id: Uuid) -> Identifier {
    Identifier {
        kind: None,
        system: Some(codes::RECORD_ID.to_owned()),
        value: Some(id.to_string()),
    }
}

fn by_display(name: &str) -> Reference {
    Reference {
        display: Some(name.to_owned()),
        ..Reference::default()
    }
}

fn survey() -> Vec<CodeableConcept> {
    vec![coded(codes::OBSERVATION_CATEGORY, "survey", "Survey")]
}

// --- codes of domain values ---------------------------------------------------------------------

pub(crate) fn sex_code(s: Sex) -> &'static str {
    match s {
        Sex::Female => "female",
        Sex::Male => "male",
        Sex::Other => "other",
    }
}

/// The R4 seriousness criterion under `Serious` for a serious outcome. R4 has one code for
/// "requires intervention to prevent permanent impairment (an important medical event)", so both
/// of Cephalog's last two outcomes map to it; the Cephalog coding beside it tells them apart.
pub(crate) fn serious_code(o: SeriousOutcome) -> (&'static str, &'static str) {
    match o {
        SeriousOutcome::Death => ("SeriousResultsInDeath", "Results in death"),
        SeriousOutcome::LifeThreatening => ("SeriousIsLifeThreatening", "Is Life-threatening"),
        SeriousOutcome::Hospitalization => (
            "SeriousResultsInHospitalization",
            "Requires or prolongs inpatient hospitalization",
        ),
        SeriousOutcome::Disability => (
            "SeriousResultsInDisability",
            "Results in persistent or significant disability/incapacity",
        ),
        SeriousOutcome::CongenitalAnomaly => (
            "SeriousIsBirthDefect",
            "Is a congenital anomaly/birth defect",
        ),
        SeriousOutcome::RequiredIntervention | SeriousOutcome::OtherImportantMedicalEvent => (
            "SeriousRequiresPreventImpairment",
            "Requires intervention to prevent permanent impairment",
        ),
    }
}

/// R4 AdverseEvent.outcome for an E2B(R3) outcome: a one-to-one mapping.
pub(crate) fn outcome_code(o: EventOutcome) -> (&'static str, &'static str) {
    match o {
        EventOutcome::Recovered => ("resolved", "Resolved"),
        EventOutcome::Recovering => ("recovering", "Recovering"),
        EventOutcome::NotRecovered => ("ongoing", "Ongoing"),
        EventOutcome::RecoveredWithSequelae => ("resolvedWithSequelae", "Resolved with Sequelae"),
        EventOutcome::Fatal => ("fatal", "Fatal"),
        EventOutcome::Unknown => ("unknown", "Unknown"),
    }
}

/// R4 AdverseEvent.severity for a CTCAE grade: 1 mild, 2 moderate, 3–5 severe [U] (R4 has three
/// levels; the exact grade is written beside it in [`codes::CTCAE_GRADE`]).
pub(crate) fn severity_code(grade: u8) -> (&'static str, &'static str) {
    match grade {
        0 | 1 => ("mild", "Mild"),
        2 => ("moderate", "Moderate"),
        _ => ("severe", "Severe"),
    }
}

fn action_display(a: ActionTaken) -> &'static str {
    match a {
        ActionTaken::DrugWithdrawn => "Drug withdrawn",
        ActionTaken::DoseReduced => "Dose reduced",
        ActionTaken::DoseIncreased => "Dose increased",
        ActionTaken::DoseNotChanged => "Dose not changed",
        ActionTaken::NotApplicable => "Not applicable",
        ActionTaken::Unknown => "Unknown",
    }
}

fn causality_display(c: Causality) -> &'static str {
    match c {
        Causality::Related => "Related",
        Causality::PossiblyRelated => "Possibly related",
        Causality::UnlikelyRelated => "Unlikely related",
        Causality::Unrelated => "Unrelated",
        Causality::NotAssessed => "Not assessed",
    }
}

fn outcome_display(o: PreventiveOutcome) -> &'static str {
    match o {
        PreventiveOutcome::NotEffective => "Not effective",
        PreventiveOutcome::NotTolerated => "Not tolerated",
        PreventiveOutcome::ContraindicatedOrUnsuitable => "Contraindicated or unsuitable",
        PreventiveOutcome::Ongoing => "Ongoing",
    }
}

/// The Cephalog code of a product: its key, or `other` (named in the text).
pub(crate) fn product_concept(p: &Product) -> CodeableConcept {
    match p {
        Product::Other(name) => concept(
            vec![coding(codes::TOXIN_PRODUCT, "other", "Other product")],
            Some(name.to_string()),
        ),
        known => concept(
            vec![coding(
                codes::TOXIN_PRODUCT,
                &known.key(),
                &known.to_string(),
            )],
            Some(known.to_string()),
        ),
    }
}

pub(crate) fn indication_concept(i: &Indication) -> CodeableConcept {
    match i {
        Indication::ChronicMigraine => concept(
            vec![coding(
                codes::INDICATION,
                "chronic_migraine",
                "Chronic migraine (PREEMPT)",
            )],
            Some(i.to_string()),
        ),
        Indication::OccipitalNeuralgia => concept(
            vec![coding(
                codes::INDICATION,
                "occipital_neuralgia",
                "Occipital neuralgia (off-label)",
            )],
            Some(i.to_string()),
        ),
        Indication::Other(name) => concept(
            vec![coding(codes::INDICATION, "other", "Other indication")],
            Some(name.to_string()),
        ),
    }
}

/// The Cephalog code of an injection target (named sites: `named-site`).
pub(crate) fn target_code(t: &Target) -> (String, String) {
    match t {
        Target::Muscle(m) => (m.as_str().to_owned(), m.to_string()),
        Target::Nerve(n) => (format!("{}_nerve", n.as_str()), n.to_string()),
        Target::Named(_) => ("named-site".to_owned(), "Named site".to_owned()),
    }
}

fn anaesthetic_concept(a: &Anaesthetic) -> CodeableConcept {
    match a {
        Anaesthetic::Other(name) => concept(
            vec![coding(codes::ANAESTHETIC, "other", "Other agent")],
            Some(name.to_string()),
        ),
        known => concept(
            vec![coding(codes::ANAESTHETIC, &known.key(), &known.to_string())],
            Some(known.to_string()),
        ),
    }
}

fn intensity_display(i: Intensity) -> &'static str {
    match i {
        Intensity::None => "None",
        Intensity::Mild => "Mild",
        Intensity::Moderate => "Moderate",
        Intensity::Severe => "Severe",
    }
}

/// The diary code of a feature field (`aggravated_by_activity` → `aggravated-by-activity`).
pub(crate) fn feature_code(field: &str) -> String {
    field.replace('_', "-")
}

// --- the resources ------------------------------------------------------------------------------

struct Ctx<'a> {
    chart: &'a Chart,
    style: RefStyle,
    patient_id: String,
}

impl Ctx<'_> {
    fn subject(&self) -> Reference {
        self.style.to("Patient", &self.patient_id)
    }
    fn pid(&self) -> Uuid {
        self.chart.id
    }
}

/// Every resource of a chart, in export order.
pub fn resources(chart: &Chart, style: RefStyle) -> Vec<Resource> {
    let chart = chart.clone().sorted();
    let cx = Ctx {
        chart: &chart,
        style,
        patient_id: resource_id("Patient", &chart.id.to_string()),
    };
    let mut out = vec![Resource::Patient(patient(&cx))];
    for d in chart.patient.diagnoses() {
        out.push(Resource::Condition(condition(&cx, d.code, d.onset)));
    }
    for day in chart.diary.days() {
        let obs = diary_day(&cx, day);
        let obs_id = obs.id.clone();
        out.push(Resource::Observation(obs));
        for (pos, _) in day.medications().iter().enumerate() {
            out.push(Resource::MedicationStatement(acute_medicine(
                &cx, day, pos, &obs_id,
            )));
        }
    }
    out.extend(metrics(&cx).into_iter().map(Resource::Observation));
    for (n, a) in chart.attestations.iter().enumerate() {
        out.push(Resource::Observation(attestation(&cx, n, a)));
    }
    for (id, t) in &chart.preventives {
        out.push(Resource::MedicationStatement(preventive(&cx, *id, t)));
    }
    for (n, d) in chart.other_doses.iter().enumerate() {
        out.push(Resource::MedicationStatement(dose_elsewhere(&cx, n, d)));
    }
    for (id, q) in &chart.questionnaires {
        out.push(Resource::QuestionnaireResponse(questionnaire(&cx, *id, q)));
    }
    for s in &chart.sessions {
        out.push(Resource::Procedure(session_procedure(&cx, s)));
        out.push(Resource::MedicationAdministration(session_administration(
            &cx, s,
        )));
    }
    for (id, b) in &chart.nerve_blocks {
        out.push(Resource::Procedure(nerve_block(&cx, *id, b)));
    }
    for c in &chart.adverse_events {
        out.push(Resource::AdverseEvent(adverse_event(&cx, c)));
    }
    out
}

/// The chart as a Bundle of type `collection`; entries are addressed `urn:uuid:<id>`.
pub fn bundle(chart: &Chart) -> Bundle {
    Bundle {
        id: resource_id("Bundle", &chart.id.to_string()),
        kind: "collection".to_owned(),
        entry: resources(chart, RefStyle::Bundle)
            .into_iter()
            .map(|r| BundleEntry {
                full_url: format!("urn:uuid:{}", r.id()),
                resource: r,
            })
            .collect(),
    }
}

/// The Bundle as pretty-printed JSON with a final newline: the same chart always gives the same
/// bytes.
pub fn bundle_json(chart: &Chart) -> String {
    let mut s = serde_json::to_string_pretty(&bundle(chart))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

fn patient(cx: &Ctx<'_>) -> Patient {
    let p = &cx.chart.patient;
    let mut identifier = Vec::new();
    if let Some(mrn) = p.mrn() {
        identifier.push(Identifier {
            kind: Some(coded(codes::IDENTIFIER_TYPE, "MR", "Medical record number")),
            system: Some(codes::MRN.to_owned()),
            value: Some(mrn.to_owned()),
        });
    }
    identifier.push(record_id(cx.pid()));
    let mut extension = Vec::new();
    if !p.notes().trim().is_empty() {
        extension.push(ext_string(ext::PATIENT_NOTES, p.notes()));
    }
    Patient {
        id: cx.patient_id.clone(),
        extension,
        identifier,
        name: vec![HumanName {
            text: Some(p.name().to_owned()),
            ..HumanName::default()
        }],
        gender: p.sex().map(|s| sex_code(s).to_owned()),
        birth_date: Some(p.date_of_birth().to_string()),
        ..Patient::default()
    }
}

fn condition(cx: &Ctx<'_>, code: DiagnosisCode, onset: Option<NaiveDate>) -> Condition {
    let icd = codes::icd10cm(code);
    Condition {
        id: resource_id("Condition", &format!("{}/{}", cx.pid(), code.code())),
        clinical_status: Some(coded(codes::CONDITION_CLINICAL, "active", "Active")),
        category: vec![coded(
            codes::CONDITION_CATEGORY,
            "problem-list-item",
            "Problem List Item",
        )],
        code: Some(concept(
            vec![
                coding(codes::ICD10CM, icd.code, icd.display),
                coding(codes::ICHD3, code.code(), code.name()),
            ],
            Some(format!("ICHD-3 {code}")),
        )),
        subject: cx.subject(),
        onset_date_time: onset.map(|d| d.to_string()),
        ..Condition::default()
    }
}

fn diary_component(code: &str, display: &str) -> ObservationComponent {
    ObservationComponent {
        code: coded(codes::DIARY, code, display),
        ..ObservationComponent::default()
    }
}

pub(crate) fn diary_day_id(patient: Uuid, date: NaiveDate) -> String {
    resource_id("Observation", &format!("diary/{patient}/{date}"))
}

fn diary_day(cx: &Ctx<'_>, day: &DiaryDay) -> Observation {
    let mut component = Vec::new();
    let mut minutes = diary_component("headache-minutes", "Headache minutes");
    minutes.value_quantity = Some(ucum(int(u64::from(day.headache_minutes())), "min", "min"));
    component.push(minutes);
    let peak = day.peak_intensity();
    component.push(ObservationComponent {
        code: concept(
            vec![
                coding(
                    codes::LOINC,
                    codes::LOINC_PAIN_SEVERITY.0,
                    codes::LOINC_PAIN_SEVERITY.1,
                ),
                coding(codes::DIARY, "peak-intensity", "Peak intensity"),
            ],
            None,
        ),
        value_codeable_concept: Some(coded(
            codes::PEAK_INTENSITY,
            peak.as_str(),
            intensity_display(peak),
        )),
        ..ObservationComponent::default()
    });
    for field in cephalog_core::Features::FIELDS {
        let mut c = diary_component(&feature_code(field), &sentence_case(field));
        c.value_boolean = day.features().get(field);
        component.push(c);
    }
    let mut paroxysms = diary_component("paroxysms", "Paroxysms");
    paroxysms.value_integer = Some(i64::from(day.paroxysms()));
    component.push(paroxysms);
    Observation {
        id: diary_day_id(cx.pid(), day.date()),
        status: "final".to_owned(),
        category: survey(),
        code: concept(
            vec![coding(codes::DIARY, "diary-day", "Headache diary day")],
            Some("Headache diary day".to_owned()),
        ),
        subject: cx.subject(),
        effective_date_time: Some(day.date().to_string()),
        note: note(day.notes()),
        component,
        ..Observation::default()
    }
}

/// `aggravated_by_activity` → "Aggravated by activity".
fn sentence_case(key: &str) -> String {
    let s = key.replace('_', " ");
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => s,
    }
}

fn class_display(c: DrugClass) -> String {
    sentence_case(&c.as_str().replace('_', "-"))
}

fn acute_medicine(cx: &Ctx<'_>, day: &DiaryDay, pos: usize, obs_id: &str) -> MedicationStatement {
    let m = &day.medications()[pos];
    MedicationStatement {
        id: resource_id(
            "MedicationStatement",
            &format!("acute/{}/{}/{pos}", cx.pid(), day.date()),
        ),
        extension: vec![ext_with(ext::MIGRAINE_SPECIFIC, |e| {
            e.value_boolean = Some(m.migraine_specific)
        })],
        status: "completed".to_owned(),
        category: Some(coded(
            codes::MEDICATION_USE,
            "acute",
            "Acute medicine (diary)",
        )),
        medication_codeable_concept: Some(concept(
            vec![coding(
                codes::ACUTE_CLASS,
                m.class.as_str(),
                &class_display(m.class),
            )],
            Some(m.name.clone()),
        )),
        subject: cx.subject(),
        effective_date_time: Some(day.date().to_string()),
        derived_from: vec![cx.style.to("Observation", obs_id)],
        dosage: m
            .dose
            .as_ref()
            .map(|d| Dosage {
                text: Some(d.clone()),
                ..Dosage::default()
            })
            .into_iter()
            .collect(),
        ..MedicationStatement::default()
    }
}

fn metric_count(code: &str, display: &str, n: u32) -> ObservationComponent {
    let mut c = diary_component(code, display);
    c.value_integer = Some(i64::from(n));
    c
}

fn per_28(code: &str, display: &str, v: Option<f64>, why: Option<&str>) -> ObservationComponent {
    let mut c = diary_component(code, display);
    match v {
        Some(v) => c.value_quantity = Some(ucum(dec(v, 2), "days per 28 days", "d/(28.d)")),
        None => {
            c.data_absent_reason = Some(concept(
                vec![coding(codes::DATA_ABSENT_REASON, "unknown", "Unknown")],
                why.map(str::to_owned),
            ));
        }
    }
    c
}

fn metrics(cx: &Ctx<'_>) -> Vec<Observation> {
    let diary = &cx.chart.diary;
    let (Some(first), Some(last)) = (diary.first_date(), diary.last_date()) else {
        return Vec::new();
    };
    let Some(range) = DateRange::new(first, last) else {
        return Vec::new();
    };
    let report = compute_metrics(
        diary,
        cx.chart.patient.has_migraine_diagnosis(),
        range,
        PeriodKind::Days28,
        METRICS_PRESET,
    );
    report
        .periods
        .iter()
        .map(|p| {
            let mut component = vec![
                metric_count("days-in-period", "Days in the period", p.days),
                metric_count("recorded-days", "Recorded diary days", p.recorded_days),
            ];
            let mut completeness = diary_component("completeness", "Diary completeness");
            completeness.value_quantity = Some(ucum(dec(p.completeness * 100.0, 1), "%", "%"));
            component.push(completeness);
            component.push(metric_count(
                "headache-days",
                "Headache days",
                p.headache_days,
            ));
            component.push(metric_count(
                "migraine-days",
                "Migraine days",
                p.migraine_days,
            ));
            component.push(metric_count(
                "moderate-severe-days",
                "Moderate or severe headache days",
                p.moderate_severe_days,
            ));
            let mut hours = diary_component("headache-hours", "Cumulative headache hours");
            hours.value_quantity = Some(ucum(dec(p.headache_hours, 2), "h", "h"));
            component.push(hours);
            component.push(metric_count(
                "acute-medication-days",
                "Acute medication days",
                p.acute_medication_days.any,
            ));
            for class in DrugClass::ALL {
                component.push(metric_count(
                    &format!("acute-medication-days-{}", class.as_str().replace('_', "-")),
                    &format!("Acute medication days: {}", class_display(class)),
                    p.acute_medication_days.get(class),
                ));
            }
            component.push(metric_count(
                "paroxysm-days",
                "Days with paroxysms",
                p.paroxysm_days,
            ));
            component.push(per_28(
                "headache-days-per-28",
                "Headache days per 28 days",
                p.headache_days_per_28,
                p.insufficient,
            ));
            component.push(per_28(
                "migraine-days-per-28",
                "Migraine days per 28 days",
                p.migraine_days_per_28,
                p.insufficient,
            ));
            Observation {
                id: resource_id(
                    "Observation",
                    &format!("metrics/{}/{}/{}", cx.pid(), METRICS_PRESET.name(), p.start),
                ),
                status: "final".to_owned(),
                category: survey(),
                code: concept(
                    vec![coding(
                        codes::DIARY,
                        "diary-metrics",
                        "Headache diary metrics over a period",
                    )],
                    Some("Headache diary metrics over a period".to_owned()),
                ),
                subject: cx.subject(),
                effective_period: Some(Period {
                    start: Some(p.start.to_string()),
                    end: Some(p.end.to_string()),
                }),
                note: note(&report.completeness_floor),
                method: Some(concept(
                    vec![coding(
                        codes::DAY_PRESET,
                        METRICS_PRESET.name(),
                        METRICS_PRESET.name(),
                    )],
                    Some(report.preset_definition.clone()),
                )),
                component,
                ..Observation::default()
            }
        })
        .collect()
}

fn attestation(cx: &Ctx<'_>, n: usize, a: &cephalog_core::eligibility::Attestation) -> Observation {
    Observation {
        id: resource_id(
            "Observation",
            &format!("attestation/{}/{}/{n}", cx.pid(), a.on),
        ),
        status: "final".to_owned(),
        code: concept(
            vec![coding(
                codes::CARE,
                "medication-overuse-managed",
                "Medication overuse managed",
            )],
            Some("Medication overuse has been appropriately managed".to_owned()),
        ),
        subject: cx.subject(),
        effective_date_time: Some(a.on.to_string()),
        performer: vec![by_display(&a.by)],
        value_boolean: Some(true),
        note: note(&a.note),
        ..Observation::default()
    }
}

fn preventive(cx: &Ctx<'_>, id: Uuid, t: &PreventiveTrial) -> MedicationStatement {
    let outcome = t.outcome();
    let status = match outcome {
        PreventiveOutcome::Ongoing => "active",
        PreventiveOutcome::ContraindicatedOrUnsuitable if t.start().is_none() => "not-taken",
        _ => "stopped",
    };
    let status_reason = (outcome.is_failure() || !t.reason().is_empty())
        .then(|| {
            concept(
                vec![coding(
                    codes::PREVENTIVE_OUTCOME,
                    outcome.as_str(),
                    outcome_display(outcome),
                )],
                (!t.reason().is_empty()).then(|| t.reason().to_owned()),
            )
        })
        .into_iter()
        .collect();
    let outcome_note = if t.reason().is_empty() {
        format!("Outcome: {}.", outcome_display(outcome).to_lowercase())
    } else {
        format!(
            "Outcome: {}. Reason: {}",
            outcome_display(outcome).to_lowercase(),
            t.reason()
        )
    };
    MedicationStatement {
        id: resource_id("MedicationStatement", &format!("preventive/{id}")),
        extension: vec![ext_with(ext::PREVENTIVE_CLASS, |e| {
            e.value_coding = Some(coding(
                codes::PREVENTIVE_CLASS,
                t.class().as_str(),
                &sentence_case(t.class().as_str()),
            ))
        })],
        identifier: vec![record_id(id)],
        status: status.to_owned(),
        status_reason,
        category: Some(coded(
            codes::MEDICATION_USE,
            "preventive",
            "Preventive medicine",
        )),
        medication_codeable_concept: Some(concept(Vec::new(), Some(t.drug().to_owned()))),
        subject: cx.subject(),
        effective_period: (t.start().is_some() || t.stop().is_some()).then(|| Period {
            start: t.start().map(|d| d.to_string()),
            end: t.stop().map(|d| d.to_string()),
        }),
        reason_code: vec![coded(
            codes::MEDICATION_PURPOSE,
            "headache-prevention",
            "Headache prevention",
        )],
        note: note(&outcome_note),
        dosage: t
            .dose()
            .map(|d| Dosage {
                text: Some(d.to_owned()),
                ..Dosage::default()
            })
            .into_iter()
            .collect(),
        ..MedicationStatement::default()
    }
}

fn dose_elsewhere(cx: &Ctx<'_>, n: usize, d: &ToxinDose) -> MedicationStatement {
    MedicationStatement {
        id: resource_id(
            "MedicationStatement",
            &format!("toxin-elsewhere/{}/{}/{n}", cx.pid(), d.date()),
        ),
        status: "completed".to_owned(),
        category: Some(coded(
            codes::MEDICATION_USE,
            "toxin-elsewhere",
            "Botulinum toxin given elsewhere",
        )),
        medication_codeable_concept: Some(product_concept(d.product())),
        subject: cx.subject(),
        effective_date_time: Some(d.date().to_string()),
        reason_code: vec![indication_concept(d.indication())],
        dosage: vec![Dosage {
            dose_and_rate: vec![DoseAndRate {
                dose_quantity: Some(toxin_units(int(u64::from(d.units())))),
            }],
            ..Dosage::default()
        }],
        ..MedicationStatement::default()
    }
}

fn int_item(link: &str, v: u64) -> ResponseItem {
    ResponseItem {
        link_id: link.to_owned(),
        text: None,
        answer: vec![Answer {
            value_integer: i64::try_from(v).ok(),
            value_coding: None,
        }],
    }
}

fn questionnaire(cx: &Ctx<'_>, id: Uuid, q: &PromEntry) -> QuestionnaireResponse {
    let def = q.result.def();
    let canonical = codes::questionnaire_url(def);
    let mut item: Vec<ResponseItem> = q
        .result
        .answers()
        .map(|a| {
            let link = match a.item.loinc {
                Some(code) if def.fhir.answers_in_loinc => code,
                _ => a.item.link,
            };
            match a.value {
                AnswerValue::Count(n) => int_item(link, u64::from(n)),
                AnswerValue::Choice(c) => {
                    let value = match c.loinc {
                        Some(code) if def.fhir.answers_in_loinc => {
                            coding(codes::LOINC, code, c.label)
                        }
                        _ => coding(&codes::answer_system(def), c.code, c.label),
                    };
                    ResponseItem {
                        link_id: link.to_owned(),
                        text: None,
                        answer: vec![Answer {
                            value_integer: None,
                            value_coding: Some(value),
                        }],
                    }
                }
            }
        })
        .collect();
    let total_link = def.fhir.total.map_or("score", |(code, _)| code);
    item.push(ResponseItem {
        text: Some(format!("Total score ({})", q.result.interpretation())),
        ..int_item(total_link, u64::from(q.result.total()))
    });
    QuestionnaireResponse {
        id: resource_id("QuestionnaireResponse", &id.to_string()),
        identifier: Some(record_id(id)),
        questionnaire: Some(canonical),
        status: "completed".to_owned(),
        subject: cx.subject(),
        authored: Some(q.date.to_string()),
        item,
        ..QuestionnaireResponse::default()
    }
}

pub(crate) fn session_procedure_id(session: Uuid) -> String {
    resource_id("Procedure", &session.to_string())
}

pub(crate) fn session_administration_id(session: Uuid) -> String {
    resource_id("MedicationAdministration", &session.to_string())
}

fn side_display(s: Side) -> &'static str {
    match s {
        Side::Left => "left",
        Side::Right => "right",
        Side::Midline => "midline",
    }
}

fn session_procedure(cx: &Ctx<'_>, e: &SessionEntry) -> Procedure {
    let s = &e.session;
    let code = if *s.indication() == Indication::ChronicMigraine {
        concept(
            vec![coding(
                codes::CPT,
                cephalog_core::reference::CPT_CHEMODENERVATION_CHRONIC_MIGRAINE,
                "Chemodenervation of muscle(s); muscle(s) innervated by facial, trigeminal, cervical spinal and accessory nerves, bilateral (eg, for chronic migraine)",
            )],
            Some("Botulinum toxin injection for chronic migraine (PREEMPT)".to_owned()),
        )
    } else {
        concept(
            vec![coding(
                codes::PROCEDURE,
                "botulinum-toxin-injection",
                "Botulinum toxin injection",
            )],
            Some(format!("Botulinum toxin injection: {}", s.indication())),
        )
    };
    let body_site = s
        .sites()
        .iter()
        .map(|site| {
            let (code, display) = target_code(site.target());
            let mut parts = Vec::new();
            if let Target::Named(name) = site.target() {
                parts.push(ext_string("name", name.as_str()));
            }
            parts.push(ext_with("side", |x| {
                x.value_code = Some(side_display(site.side()).to_owned())
            }));
            parts.push(ext_with("ordinal", |x| {
                x.value_positive_int = Some(u64::from(site.ordinal()))
            }));
            parts.push(ext_quantity(
                "units",
                toxin_units(int(u64::from(site.units()))),
            ));
            CodeableConcept {
                extension: vec![ext_complex(ext::INJECTION_SITE, parts)],
                coding: vec![coding(codes::INJECTION_SITE, &code, &display)],
                text: Some(format!(
                    "{}, {}, site {}: {} U",
                    site.target(),
                    side_display(site.side()),
                    site.ordinal(),
                    site.units()
                )),
            }
        })
        .collect();
    let extension = e
        .overrides
        .iter()
        .map(|o| {
            ext_complex(
                ext::SAFETY_OVERRIDE,
                vec![
                    ext_with("check", |x| x.value_code = Some(o.check.clone())),
                    ext_string("finding", &o.finding),
                    ext_string("reason", &o.reason),
                    ext_string("by", &o.by),
                ],
            )
        })
        .collect();
    Procedure {
        id: session_procedure_id(e.id),
        extension,
        identifier: vec![record_id(e.id)],
        status: "completed".to_owned(),
        code: Some(code),
        subject: cx.subject(),
        performed_date_time: Some(s.date().to_string()),
        performer: vec![Performer {
            actor: by_display(s.injector().as_str()),
        }],
        reason_code: vec![indication_concept(s.indication())],
        body_site,
        note: note(s.notes()),
        ..Procedure::default()
    }
}

/// The id of the contained Medication of a session's administration.
pub(crate) const TOXIN_CONTAINED_ID: &str = "toxin";

fn session_administration(cx: &Ctx<'_>, e: &SessionEntry) -> MedicationAdministration {
    let s = &e.session;
    let medication = Medication {
        id: TOXIN_CONTAINED_ID.to_owned(),
        code: Some(product_concept(s.product())),
        amount: Some(Ratio {
            numerator: Some(toxin_units(int(u64::from(s.vial_size().units())))),
            denominator: Some(Quantity {
                value: Some(int(1)),
                unit: Some("vial".to_owned()),
                ..Quantity::default()
            }),
        }),
        batch: Some(Batch {
            lot_number: Some(s.lot().as_str().to_owned()),
            expiration_date: Some(s.expiry().to_string()),
        }),
    };
    MedicationAdministration {
        id: session_administration_id(e.id),
        contained: vec![Contained::Medication(medication)],
        extension: vec![
            ext_with(ext::VIALS, |x| {
                x.value_positive_int = Some(u64::from(s.vials()))
            }),
            ext_quantity(ext::DILUENT, millilitres(s.diluent())),
        ],
        identifier: vec![record_id(e.id)],
        part_of: vec![cx.style.to("Procedure", &session_procedure_id(e.id))],
        status: "completed".to_owned(),
        medication_reference: Some(Reference {
            reference: Some(format!("#{TOXIN_CONTAINED_ID}")),
            ..Reference::default()
        }),
        subject: cx.subject(),
        effective_date_time: Some(s.date().to_string()),
        performer: vec![Performer {
            actor: by_display(s.injector().as_str()),
        }],
        reason_code: vec![indication_concept(s.indication())],
        dosage: Some(AdministrationDosage {
            text: Some(format!(
                "{} U at {} sites ({})",
                s.units_given(),
                s.site_count(),
                s.concentration()
            )),
            route: Some(coded(codes::ROUTE, "IM", "Injection, intramuscular")),
            dose: Some(toxin_units(int(u64::from(s.units_given())))),
        }),
        ..MedicationAdministration::default()
    }
}

fn nerve_block(cx: &Ctx<'_>, id: Uuid, b: &NerveBlock) -> Procedure {
    let g = b.given();
    let nerve = Target::Nerve(g.nerve());
    let (site_code, site_display) = target_code(&nerve);
    let code = match g.nerve() {
        OccipitalNerve::GreaterOccipital => concept(
            vec![coding(
                codes::CPT,
                cephalog_core::reference::CPT_GREATER_OCCIPITAL_NERVE_BLOCK,
                "Injection, anesthetic agent; greater occipital nerve",
            )],
            Some("Greater occipital nerve block".to_owned()),
        ),
        OccipitalNerve::LesserOccipital => concept(
            vec![coding(
                codes::PROCEDURE,
                "lesser-occipital-nerve-block",
                "Lesser occipital nerve block",
            )],
            Some("Lesser occipital nerve block".to_owned()),
        ),
    };
    let body_site = g
        .laterality()
        .sides()
        .iter()
        .map(|side| CodeableConcept {
            extension: vec![ext_complex(
                ext::INJECTION_SITE,
                vec![ext_with("side", |x| {
                    x.value_code = Some(side_display(*side).to_owned())
                })],
            )],
            coding: vec![coding(codes::INJECTION_SITE, &site_code, &site_display)],
            text: Some(format!("{nerve}, {}", side_display(*side))),
        })
        .collect();
    let mut block = vec![ext_quantity(
        "volume-per-side",
        millilitres(g.volume_per_side()),
    )];
    if let Some(st) = g.steroid() {
        block.push(ext_string("steroid", st.agent().as_str()));
        block.push(ext_quantity(
            "steroid-dose",
            ucum(
                Number::from_f64(st.dose_mg()).unwrap_or_else(|| int(0)),
                "mg",
                "mg",
            ),
        ));
    }
    let mut extension = vec![ext_complex(ext::NERVE_BLOCK, block)];
    let mut outcome = None;
    if let Some(r) = b.relief() {
        extension.push(ext_complex(
            ext::BLOCK_RELIEF,
            vec![
                ext_with("percent", |x| {
                    x.value_integer = Some(i64::from(r.percent()))
                }),
                ext_quantity(
                    "duration",
                    ucum(int(u64::from(r.duration_minutes())), "min", "min"),
                ),
                ext_date("recorded-on", r.recorded_on()),
            ],
        ));
        outcome = Some(concept(
            Vec::new(),
            Some(format!(
                "{} % relief lasting {} min (recorded {})",
                r.percent(),
                r.duration_minutes(),
                r.recorded_on()
            )),
        ));
    }
    Procedure {
        id: resource_id("Procedure", &format!("block/{id}")),
        extension,
        identifier: vec![record_id(id)],
        status: "completed".to_owned(),
        code: Some(code),
        subject: cx.subject(),
        performed_date_time: Some(b.date().to_string()),
        performer: vec![Performer {
            actor: by_display(b.injector().as_str()),
        }],
        body_site,
        outcome,
        note: note(b.notes()),
        used_code: vec![anaesthetic_concept(g.agent())],
        ..Procedure::default()
    }
}

fn reporter_qualification_display(q: ReporterQualification) -> &'static str {
    match q {
        ReporterQualification::Physician => "Physician",
        ReporterQualification::Pharmacist => "Pharmacist",
        ReporterQualification::OtherHealthProfessional => "Other health professional",
        ReporterQualification::Lawyer => "Lawyer",
        ReporterQualification::Consumer => "Consumer or other non-health professional",
    }
}

/// The id of the contained reporter of an adverse event.
pub(crate) const REPORTER_CONTAINED_ID: &str = "reporter";

fn adverse_event(cx: &Ctx<'_>, c: &CaseEntry) -> AdverseEvent {
    let e = &c.event;
    let mut contained = Vec::new();
    let mut extension = Vec::new();
    if let Some(r) = e.resolution() {
        extension.push(ext_date(ext::AE_RESOLUTION, r));
    }
    extension.push(ext_concept(
        ext::AE_ACTION,
        coded(
            codes::ACTION_TAKEN,
            e.action_taken().as_str(),
            action_display(e.action_taken()),
        ),
    ));
    let causality = coded(
        codes::CAUSALITY,
        e.causality().as_str(),
        causality_display(e.causality()),
    );
    extension.push(ext_concept(ext::AE_CAUSALITY, causality.clone()));
    for o in e.seriousness().outcomes() {
        let (code, display) = serious_code(o);
        extension.push(ext_concept(
            ext::AE_SERIOUS_CRITERION,
            concept(
                vec![
                    coding(codes::AE_SERIOUSNESS, code, display),
                    coding(
                        codes::SERIOUS_OUTCOME,
                        o.as_str(),
                        &sentence_case(o.as_str()),
                    ),
                ],
                None,
            ),
        ));
    }
    if !e.narrative().is_empty() {
        extension.push(ext_string(ext::AE_NARRATIVE, e.narrative()));
    }
    if let Some(d) = c.submitted_on {
        extension.push(ext_date(ext::AE_SUBMITTED, d));
    }
    // The reporter, when anything is known of them.
    let r = e.reporter();
    let mut recorder = None;
    if r.given_name().is_some()
        || r.family_name().is_some()
        || r.qualification().is_some()
        || r.country().is_some()
        || r.email().is_some()
    {
        let name: Vec<HumanName> = (r.given_name().is_some() || r.family_name().is_some())
            .then(|| HumanName {
                text: None,
                family: r.family_name().map(str::to_owned),
                given: r.given_name().map(str::to_owned).into_iter().collect(),
            })
            .into_iter()
            .collect();
        let telecom: Vec<ContactPoint> = r
            .email()
            .map(|m| ContactPoint {
                system: Some("email".to_owned()),
                value: Some(m.to_owned()),
            })
            .into_iter()
            .collect();
        let address: Vec<Address> = r
            .country()
            .map(|c| Address {
                country: Some(c.as_str().to_owned()),
            })
            .into_iter()
            .collect();
        let professional = r.qualification().is_none_or(|q| q.is_health_professional());
        contained.push(if professional {
            Contained::Practitioner(Practitioner {
                id: REPORTER_CONTAINED_ID.to_owned(),
                name,
                telecom,
                address,
            })
        } else {
            Contained::RelatedPerson(RelatedPerson {
                id: REPORTER_CONTAINED_ID.to_owned(),
                patient: cx.subject(),
                name,
                telecom,
                address,
            })
        });
        recorder = Some(Reference {
            extension: r
                .qualification()
                .map(|q| {
                    ext_with(ext::AE_REPORTER_QUALIFICATION, |x| {
                        x.value_coding = Some(coding(
                            codes::REPORTER_QUALIFICATION,
                            q.as_str(),
                            reporter_qualification_display(q),
                        ))
                    })
                })
                .into_iter()
                .collect(),
            reference: Some(format!("#{REPORTER_CONTAINED_ID}")),
            display: r.display_name(),
        });
    }
    // Suspect products: the session's administration when the session is in the chart.
    let mut suspect_entity = Vec::new();
    for (i, p) in e.suspect_products().iter().enumerate() {
        let session = cx.chart.sessions.iter().find(|s| {
            s.session.date() == p.session_date()
                && p.lot_number().is_none_or(|l| l == s.session.lot().as_str())
        });
        let instance = match session {
            Some(s) => {
                let mut r = cx
                    .style
                    .to("MedicationAdministration", &session_administration_id(s.id));
                r.display = Some(p.product_name().to_owned());
                r
            }
            None => {
                let id = format!("product-{}", i + 1);
                contained.push(Contained::Medication(Medication {
                    id: id.clone(),
                    code: Some(concept(Vec::new(), Some(p.product_name().to_owned()))),
                    amount: None,
                    batch: p.lot_number().map(|l| Batch {
                        lot_number: Some(l.to_owned()),
                        expiration_date: None,
                    }),
                }));
                Reference {
                    reference: Some(format!("#{id}")),
                    display: Some(p.product_name().to_owned()),
                    ..Reference::default()
                }
            }
        };
        let mut parts = vec![ext_string("product", p.product_name())];
        if let Some(l) = p.lot_number() {
            parts.push(ext_string("lot", l));
        }
        if let Some(d) = p.dose_units() {
            parts.push(ext_quantity(
                "dose",
                toxin_units(Number::from_f64(d.get()).unwrap_or_else(|| int(0))),
            ));
        }
        parts.push(ext_date("session-date", p.session_date()));
        suspect_entity.push(SuspectEntity {
            extension: vec![ext_complex(ext::AE_SUSPECT_PRODUCT, parts)],
            instance,
            causality: vec![crate::model::Causality {
                assessment: Some(causality.clone()),
            }],
        });
    }
    let grade = e.ctcae_grade().get();
    let (sev_code, sev_display) = severity_code(grade);
    let (out_code, out_display) = outcome_code(e.outcome());
    AdverseEvent {
        id: resource_id("AdverseEvent", &c.id.to_string()),
        contained,
        extension,
        identifier: Some(record_id(c.id)),
        actuality: "actual".to_owned(),
        event: Some(concept(
            e.meddra_code()
                .map(|m| coding(codes::MEDDRA, m.as_str(), ""))
                .into_iter()
                .collect(),
            Some(e.reported_term().to_owned()),
        )),
        subject: cx.subject(),
        date: Some(e.onset().to_string()),
        detected: Some(e.awareness_date().to_string()),
        recorder,
        seriousness: Some(if e.is_serious() {
            coded(codes::AE_SERIOUSNESS, "Serious", "Serious")
        } else {
            coded(codes::AE_SERIOUSNESS, "Non-serious", "Non-serious")
        }),
        severity: Some(concept(
            vec![
                coding(codes::AE_SEVERITY, sev_code, sev_display),
                coding(
                    codes::CTCAE_GRADE,
                    &grade.to_string(),
                    &format!("CTCAE grade {grade}"),
                ),
            ],
            None,
        )),
        outcome: Some(coded(codes::AE_OUTCOME, out_code, out_display)),
        suspect_entity,
        ..AdverseEvent::default()
    }
}

// --- bulk NDJSON --------------------------------------------------------------------------------

/// A whole-clinic export in the bulk-data style: one NDJSON file per resource type, one resource
/// per line, references `<Type>/<id>`. Charts are added one at a time, so a clinic need not be
/// held in memory at once.
#[derive(Debug, Default)]
pub struct BulkExport {
    lines: BTreeMap<&'static str, Vec<String>>,
    patients: usize,
}

impl BulkExport {
    pub fn new() -> BulkExport {
        BulkExport::default()
    }

    /// Adds one patient's resources.
    pub fn add(&mut self, chart: &Chart) {
        for r in resources(chart, RefStyle::Relative) {
            let line = serde_json::to_string(&r).unwrap_or_default();
            self.lines.entry(r.resource_type()).or_default().push(line);
        }
        self.patients += 1;
    }

    /// Patients added so far.
    pub fn patients(&self) -> usize {
        self.patients
    }

    /// The NDJSON text of each resource type with at least one resource, by type name.
    pub fn files(&self) -> Vec<(String, String)> {
        crate::model::Resource::TYPES
            .iter()
            .filter_map(|t| {
                let lines = self.lines.get(t)?;
                let mut text = lines.join("\n");
                text.push('\n');
                Some((format!("{t}.ndjson"), text))
            })
            .collect()
    }

    /// Writes the files into `dir` (created if missing); returns each path with its line count.
    pub fn write_to(&self, dir: &Path) -> io::Result<Vec<(PathBuf, usize)>> {
        fs::create_dir_all(dir)?;
        let mut written = Vec::new();
        for (name, text) in self.files() {
            let path = dir.join(&name);
            let mut f = fs::File::create(&path)?;
            f.write_all(text.as_bytes())?;
            written.push((path, text.lines().count()));
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adverse_event_outcomes_map_one_to_one() {
        let codes: std::collections::BTreeSet<&str> = EventOutcome::ALL
            .iter()
            .map(|o| outcome_code(*o).0)
            .collect();
        assert_eq!(codes.len(), EventOutcome::ALL.len());
        for o in EventOutcome::ALL {
            assert_eq!(
                crate::import::hl7_outcome_for_tests(outcome_code(*o).0),
                Ok(*o)
            );
        }
    }

    #[test]
    fn ctcae_grades_fall_into_r4_severities() {
        let bins: Vec<&str> = (1..=5).map(|g| severity_code(g).0).collect();
        assert_eq!(bins, ["mild", "moderate", "severe", "severe", "severe"]);
    }

    #[test]
    fn every_serious_outcome_has_an_r4_criterion() {
        for o in SeriousOutcome::ALL {
            assert!(serious_code(*o).0.starts_with("Serious"), "{o}");
        }
        assert_eq!(
            serious_code(SeriousOutcome::Death).0,
            "SeriousResultsInDeath"
        );
    }

    #[test]
    fn volumes_are_written_in_exact_millilitres() {
        let v = |micro| millilitres(Volume::from_microlitres(micro)).value;
        assert_eq!(v(4000), Some(Number::from(4)));
        assert_eq!(v(2500).map(|n| n.to_string()), Some("2.5".to_owned()));
        assert_eq!(v(1).map(|n| n.to_string()), Some("0.001".to_owned()));
    }

    #[test]
    fn injection_targets_have_cephalog_codes() {
        use cephalog_core::protocol::{Muscle, Name};
        assert_eq!(
            target_code(&Target::Muscle(Muscle::CervicalParaspinal)).0,
            "cervical_paraspinal"
        );
        assert_eq!(
            target_code(&Target::Nerve(OccipitalNerve::GreaterOccipital)).0,
            "greater_occipital_nerve"
        );
        let named = Target::Named(Name::new("site", "splenius capitis").expect("name"));
        assert_eq!(target_code(&named).0, "named-site");
        // Every code reads back as its target.
        for m in Muscle::ALL {
            let t = Target::Muscle(m);
            assert_eq!(target_code(&t).0.parse::<Target>(), Ok(t));
        }
    }
}
