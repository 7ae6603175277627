//! The field set of MedWatch Form FDA 3500, the voluntary report by health professionals and
//! consumers, keyed by the form's section and item numbers (sections as in the FDA's
//! "Instructions for Completing Form FDA 3500": A patient, B adverse event, C product
//! availability, D suspect products, G reporter; sections E device and F concomitant products do
//! not apply) [V2]. Dates are written dd-mmm-yyyy as the form asks (e.g. 03-Feb-2026).
//!
//! | item | form label | from |
//! |---|---|---|
//! | A.1 | patient identifier (in confidence) | initials, else the patient identifier |
//! | A.2 | age or date of birth | age in years at onset; date of birth |
//! | A.3 | sex | the clinic's record: Female, Male, Other |
//! | A.4 | weight | kg, when known |
//! | B.1 | type of report | "Adverse Event" |
//! | B.2 | outcome attributed to adverse event | one checkbox per serious outcome; date of death = resolution date of a fatal event |
//! | B.3 | date of event | onset |
//! | B.4 | date of this report | [`MedWatchReport::report_date`] |
//! | B.5 | describe event or problem | reported term, CTCAE grade, outcome, action, causality, narrative |
//! | C.1 | product available for evaluation? | [`MedWatchReport::product_available`] |
//! | D.1 | name, strength, manufacturer/compounder; lot # | product name as reported; lot number |
//! | D.2 | dose or amount, frequency, route | units per session, once, intramuscular |
//! | D.3 | therapy dates (start, stop) | session date |
//! | G.1 | reporter name and address | name, country, email |
//! | G.2 | health professional? | from the qualification |
//! | G.3 | occupation | the qualification |
//!
//! One D entry per administration; the paper form holds two per page.

use cephalog_core::Sex;
use cephalog_core::safety::{
    AdverseEvent, IcsrPatient, ReporterQualification, SeriousOutcome, SuspectProduct,
};
use chrono::NaiveDate;
use serde::Serialize;

use crate::{ExportError, require_valid_icsr};

/// What the 3500 needs beyond the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MedWatchReport {
    /// B.4: the date of this report.
    pub report_date: NaiveDate,
    /// C.1: whether the product is available for evaluation; `None` leaves the item unanswered.
    pub product_available: Option<bool>,
}

/// The Form FDA 3500 field set of one adverse event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MedWatch3500 {
    pub form: &'static str,
    #[serde(rename = "A")]
    pub patient: SectionA,
    #[serde(rename = "B")]
    pub event: SectionB,
    #[serde(rename = "C")]
    pub availability: SectionC,
    #[serde(rename = "D")]
    pub products: Vec<SectionD>,
    #[serde(rename = "G")]
    pub reporter: SectionG,
}

/// Section A, patient information.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionA {
    #[serde(rename = "A.1")]
    pub patient_identifier: Option<String>,
    #[serde(rename = "A.2")]
    pub age: AgeOrBirthDate,
    #[serde(rename = "A.3")]
    pub sex: Option<&'static str>,
    #[serde(rename = "A.4")]
    pub weight: Option<Weight>,
}

/// Item A.2: age at the time of the event, or date of birth (both when known).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgeOrBirthDate {
    pub age: Option<u32>,
    pub unit: Option<&'static str>,
    pub date_of_birth: Option<String>,
}

/// Item A.4.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weight {
    pub value: f64,
    pub unit: &'static str,
}

/// Section B, adverse event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionB {
    #[serde(rename = "B.1")]
    pub type_of_report: Vec<&'static str>,
    #[serde(rename = "B.2")]
    pub outcomes: Outcomes,
    #[serde(rename = "B.3")]
    pub date_of_event: String,
    #[serde(rename = "B.4")]
    pub date_of_this_report: String,
    #[serde(rename = "B.5")]
    pub description: String,
}

/// Item B.2, outcome attributed to the adverse event: the checkboxes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcomes {
    pub death: bool,
    pub date_of_death: Option<String>,
    pub life_threatening: bool,
    pub hospitalization_initial_or_prolonged: bool,
    pub disability_or_permanent_damage: bool,
    pub congenital_anomaly_birth_defects: bool,
    pub required_intervention_to_prevent_permanent_impairment: bool,
    pub other_serious_or_important_medical_events: bool,
}

/// Section C, product availability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionC {
    #[serde(rename = "C.1")]
    pub product_available_for_evaluation: Option<bool>,
}

/// Section D, one suspect product administration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionD {
    #[serde(rename = "D.1")]
    pub product: ProductIdentity,
    #[serde(rename = "D.2")]
    pub dose: Dose,
    #[serde(rename = "D.3")]
    pub therapy_dates: TherapyDates,
}

/// Item D.1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductIdentity {
    pub name: String,
    pub strength: Option<String>,
    pub manufacturer_compounder: Option<String>,
    pub lot_number: Option<String>,
}

/// Item D.2.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dose {
    pub dose_or_amount: Option<f64>,
    pub unit: &'static str,
    pub frequency: &'static str,
    pub route: &'static str,
}

/// Item D.3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TherapyDates {
    pub start: String,
    pub stop: String,
}

/// Section G, reporter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionG {
    #[serde(rename = "G.1")]
    pub name_and_address: ReporterContact,
    #[serde(rename = "G.2")]
    pub health_professional: Option<bool>,
    #[serde(rename = "G.3")]
    pub occupation: Option<&'static str>,
}

/// Item G.1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReporterContact {
    pub name: Option<String>,
    pub country: Option<String>,
    pub email: Option<String>,
}

fn form_date(d: NaiveDate) -> String {
    d.format("%d-%b-%Y").to_string()
}

fn occupation(q: ReporterQualification) -> &'static str {
    match q {
        ReporterQualification::Physician => "Physician",
        ReporterQualification::Pharmacist => "Pharmacist",
        ReporterQualification::OtherHealthProfessional => "Other health professional",
        ReporterQualification::Lawyer => "Lawyer",
        ReporterQualification::Consumer => "Consumer",
    }
}

fn description(e: &AdverseEvent) -> String {
    let mut text = format!(
        "{} (CTCAE v5 grade {}); outcome: {}; action taken with the product: {}; causality \
         (clinic assessment): {}.",
        e.reported_term(),
        e.ctcae_grade().get(),
        e.outcome().as_str().replace('_', " "),
        e.action_taken().as_str().replace('_', " "),
        e.causality().as_str().replace('_', " "),
    );
    if !e.narrative().is_empty() {
        text.push(' ');
        text.push_str(e.narrative());
    }
    text
}

fn product(p: &SuspectProduct) -> SectionD {
    let day = form_date(p.session_date());
    SectionD {
        product: ProductIdentity {
            name: p.product_name().to_owned(),
            strength: None,
            manufacturer_compounder: None,
            lot_number: p.lot_number().map(str::to_owned),
        },
        dose: Dose {
            dose_or_amount: p.dose_units().map(|u| u.get()),
            unit: "Units",
            frequency: "Once",
            route: "Intramuscular",
        },
        therapy_dates: TherapyDates {
            start: day.clone(),
            stop: day,
        },
    }
}

/// The 3500 field set of a valid ICSR; refuses a case that lacks a minimum element.
pub fn medwatch_3500(
    event: &AdverseEvent,
    patient: &IcsrPatient,
    report: &MedWatchReport,
) -> Result<MedWatch3500, ExportError> {
    require_valid_icsr(event, patient)?;
    if report.report_date < event.awareness_date() {
        return Err(ExportError::InvalidInput {
            field: "B.4 date of this report",
            reason: format!(
                "{} is before the clinic learned of the event ({})",
                report.report_date,
                event.awareness_date()
            ),
        });
    }
    let s = event.seriousness();
    let death = s.contains(SeriousOutcome::Death);
    let age = patient.age_at(event.onset());
    let reporter = event.reporter();
    Ok(MedWatch3500 {
        form: "FDA 3500",
        patient: SectionA {
            patient_identifier: patient
                .initials()
                .or(patient.identifier())
                .map(str::to_owned),
            age: AgeOrBirthDate {
                age,
                unit: age.map(|_| "Year(s)"),
                date_of_birth: patient.date_of_birth().map(form_date),
            },
            sex: patient.sex().map(|sex| match sex {
                Sex::Female => "Female",
                Sex::Male => "Male",
                Sex::Other => "Other",
            }),
            weight: patient
                .weight_kg()
                .map(|value| Weight { value, unit: "kg" }),
        },
        event: SectionB {
            type_of_report: vec!["Adverse Event"],
            outcomes: Outcomes {
                death,
                date_of_death: event.resolution().filter(|_| death).map(form_date),
                life_threatening: s.contains(SeriousOutcome::LifeThreatening),
                hospitalization_initial_or_prolonged: s.contains(SeriousOutcome::Hospitalization),
                disability_or_permanent_damage: s.contains(SeriousOutcome::Disability),
                congenital_anomaly_birth_defects: s.contains(SeriousOutcome::CongenitalAnomaly),
                required_intervention_to_prevent_permanent_impairment: s
                    .contains(SeriousOutcome::RequiredIntervention),
                other_serious_or_important_medical_events: s
                    .contains(SeriousOutcome::OtherImportantMedicalEvent),
            },
            date_of_event: form_date(event.onset()),
            date_of_this_report: form_date(report.report_date),
            description: description(event),
        },
        availability: SectionC {
            product_available_for_evaluation: report.product_available,
        },
        products: event.suspect_products().iter().map(product).collect(),
        reporter: SectionG {
            name_and_address: ReporterContact {
                name: reporter.display_name(),
                country: reporter.country().map(|c| c.as_str().to_owned()),
                email: reporter.email().map(str::to_owned),
            },
            health_professional: reporter
                .qualification()
                .map(ReporterQualification::is_health_professional),
            occupation: reporter.qualification().map(occupation),
        },
    })
}

/// [`medwatch_3500`] as pretty-printed JSON.
pub fn medwatch_3500_json(
    event: &AdverseEvent,
    patient: &IcsrPatient,
    report: &MedWatchReport,
) -> Result<String, ExportError> {
    let form = medwatch_3500(event, patient, report)?;
    let mut json = serde_json::to_string_pretty(&form)?;
    json.push('\n');
    Ok(json)
}
