//! Code systems, identifier systems, extension URLs and the code mappings Cephalog writes.
//!
//! Standard systems are used where one truly fits; everything else is a Cephalog code system under
//! `https://cephalog.org/fhir/CodeSystem/` whose codes are the storage keys of the domain (listed
//! here and in the README). Status marks as in `cephalog_core::reference`: **[V2]** checked in
//! secondary sources consistent with each other, **[U]** a mapping choice Cephalog makes that no
//! source states.

use uuid::Uuid;

// --- standard systems ---------------------------------------------------------------------------

/// ICD-10-CM in FHIR (HL7 terminology registry).
pub const ICD10CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
/// CPT, as the FHIR terminology registry names it.
pub const CPT: &str = "http://www.ama-assn.org/go/cpt";
/// LOINC.
pub const LOINC: &str = "http://loinc.org";
/// MedDRA (HL7 terminology). Cephalog ships no MedDRA: codes are the clinic's own.
pub const MEDDRA: &str = "http://terminology.hl7.org/CodeSystem/mdr";
/// UCUM units.
pub const UCUM: &str = "http://unitsofmeasure.org";
pub const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
pub const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
pub const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
pub const DATA_ABSENT_REASON: &str = "http://terminology.hl7.org/CodeSystem/data-absent-reason";
pub const IDENTIFIER_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
/// HL7 v3 route of administration (`IM`: injection, intramuscular).
pub const ROUTE: &str = "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration";
/// R4 AdverseEvent.seriousness codes (`Serious`, `Non-serious` and the criteria under `Serious`).
pub const AE_SERIOUSNESS: &str = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness";
/// R4 AdverseEvent.severity: mild, moderate, severe.
pub const AE_SEVERITY: &str = "http://terminology.hl7.org/CodeSystem/adverse-event-severity";
/// R4 AdverseEvent.outcome: resolved, recovering, ongoing, resolvedWithSequelae, fatal, unknown.
pub const AE_OUTCOME: &str = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome";

/// LOINC 38208-5 "Pain severity - Reported" [V2] (the IHE pain score template codes reported pain
/// severity with it). It names what the component measures; the answer is coded in
/// [`PEAK_INTENSITY`], the 4-point PREEMPT scale, because LOINC's own answer lists are for
/// numeric scales.
pub const LOINC_PAIN_SEVERITY: (&str, &str) = ("38208-5", "Pain severity - Reported");

// --- Cephalog systems ---------------------------------------------------------------------------

macro_rules! cephalog_uri {
    ($name:ident, $kind:literal, $path:literal, $doc:literal) => {
        #[doc = $doc]
        pub const $name: &str = concat!("https://cephalog.org/fhir/", $kind, "/", $path);
    };
}

cephalog_uri!(
    MRN,
    "sid",
    "mrn",
    "The clinic's medical record number (Patient.identifier, type MR)."
);
cephalog_uri!(
    RECORD_ID,
    "sid",
    "id",
    "Cephalog's own record id (a UUID) of a patient, session, case and so on, kept so that a re-import keeps every id."
);
cephalog_uri!(
    DIARY,
    "CodeSystem",
    "diary",
    "Diary items and diary metrics: `diary-day`, `headache-minutes`, `peak-intensity`, the eight features (`unilateral`, `pulsating`, `aggravated-by-activity`, `nausea`, `vomiting`, `photophobia`, `phonophobia`, `aura`), `paroxysms`; `diary-metrics` and its components (see [`crate::export`])."
);
cephalog_uri!(
    PEAK_INTENSITY,
    "CodeSystem",
    "peak-intensity",
    "The 4-point PREEMPT scale: none, mild, moderate, severe."
);
cephalog_uri!(
    DAY_PRESET,
    "CodeSystem",
    "day-preset",
    "The day definition a metric counts under: any, label-4h, ihs-30min."
);
cephalog_uri!(
    CARE,
    "CodeSystem",
    "care",
    "Clinic statements: `medication-overuse-managed` (a clinician's attestation)."
);
cephalog_uri!(
    ICHD3,
    "CodeSystem",
    "ichd-3",
    "ICHD-3 codes (Cephalalgia 2018;38(1):1–211) as ICHD-3 writes them: 1.1, 1.2, 1.3, 1.5, 2.3, 8.2, 13.4."
);
cephalog_uri!(
    MEDICATION_USE,
    "CodeSystem",
    "medication-use",
    "What a MedicationStatement records: `acute` (a diary medicine), `preventive` (the ledger), `toxin-elsewhere` (botulinum toxin given elsewhere)."
);
cephalog_uri!(
    ACUTE_CLASS,
    "CodeSystem",
    "acute-medication-class",
    "ICHD-3 acute-medication classes: triptan, ergot, opioid, non_opioid, combination, gepant, ditan, other."
);
cephalog_uri!(
    PREVENTIVE_CLASS,
    "CodeSystem",
    "preventive-class",
    "Preventive classes: beta_blocker, anticonvulsant, tricyclic_snri, candesartan, flunarizine, cgrp_antibody, gepant_prevention, other."
);
cephalog_uri!(
    PREVENTIVE_OUTCOME,
    "CodeSystem",
    "preventive-outcome",
    "How a preventive trial ended: not_effective, not_tolerated, contraindicated, ongoing."
);
cephalog_uri!(
    MEDICATION_PURPOSE,
    "CodeSystem",
    "medication-purpose",
    "Why a medicine was taken: `headache-prevention`."
);
cephalog_uri!(
    TOXIN_PRODUCT,
    "CodeSystem",
    "toxin-product",
    "Botulinum toxin products by nonproprietary name (onabotulinumtoxina, …) or `other`."
);
cephalog_uri!(
    INDICATION,
    "CodeSystem",
    "toxin-indication",
    "Why botulinum toxin was given: chronic_migraine, occipital_neuralgia, other (named in the text)."
);
cephalog_uri!(
    PROCEDURE,
    "CodeSystem",
    "procedure",
    "Procedures without a CPT code Cephalog has checked: `botulinum-toxin-injection`, `lesser-occipital-nerve-block`."
);
cephalog_uri!(
    INJECTION_SITE,
    "CodeSystem",
    "injection-site",
    "Where an injection goes: the PREEMPT muscles (corrugator, procerus, frontalis, temporalis, occipitalis, cervical_paraspinal, trapezius), the occipital nerves (greater_occipital_nerve, lesser_occipital_nerve), or `named-site` (named in the text)."
);
cephalog_uri!(
    ANAESTHETIC,
    "CodeSystem",
    "anaesthetic",
    "Nerve-block agents: bupivacaine_0.5, lidocaine_1, lidocaine_2, other (named in the text)."
);
cephalog_uri!(
    HIT6_ANSWER,
    "CodeSystem",
    "hit6-answer",
    "HIT-6 answers: never, rarely, sometimes, very_often, always."
);
cephalog_uri!(
    CTCAE_GRADE,
    "CodeSystem",
    "ctcae-grade",
    "CTCAE v5 grade of an adverse event: 1–5."
);
cephalog_uri!(
    SERIOUS_OUTCOME,
    "CodeSystem",
    "serious-outcome",
    "Serious outcomes (21 CFR 312.32, MedWatch): death, life_threatening, hospitalization, disability, congenital_anomaly, required_intervention, other_important_medical_event."
);
cephalog_uri!(
    ACTION_TAKEN,
    "CodeSystem",
    "action-taken",
    "E2B(R3) G.k.8 action taken with the product: drug_withdrawn, dose_reduced, dose_increased, dose_not_changed, not_applicable, unknown."
);
cephalog_uri!(
    CAUSALITY,
    "CodeSystem",
    "causality",
    "The clinic's causality assessment: related, possibly_related, unlikely_related, unrelated, not_assessed."
);
cephalog_uri!(
    REPORTER_QUALIFICATION,
    "CodeSystem",
    "reporter-qualification",
    "E2B(R3) C.2.r.4 reporter qualification: physician, pharmacist, other_health_professional, lawyer, consumer."
);
cephalog_uri!(
    QUESTIONNAIRE_MIDAS,
    "Questionnaire",
    "midas",
    "The MIDAS questionnaire Cephalog scores (items 1–5, A, B)."
);
cephalog_uri!(
    QUESTIONNAIRE_HIT6,
    "Questionnaire",
    "hit6",
    "The HIT-6 questionnaire Cephalog scores (items 1–6; item wording is the clinic's, under its licence)."
);

use cephalog_core::prom::InstrumentDef;

/// The Questionnaire canonical of a registry instrument:
/// `https://cephalog.org/fhir/Questionnaire/{midas,hit6,phq9,gad7}` (PHQ-9 and GAD-7 are the
/// LOINC panels 44249-1 and 69737-5: their item linkIds, answers and total are LOINC codes).
pub fn questionnaire_url(def: &InstrumentDef) -> String {
    format!(
        "https://cephalog.org/fhir/Questionnaire/{}",
        def.fhir.questionnaire
    )
}

/// The code system of an instrument's answers where LOINC does not code them:
/// `https://cephalog.org/fhir/CodeSystem/{code}-answer` ([`HIT6_ANSWER`] for HIT-6).
pub fn answer_system(def: &InstrumentDef) -> String {
    format!("https://cephalog.org/fhir/CodeSystem/{}-answer", def.code)
}

/// Extension URLs (`https://cephalog.org/fhir/StructureDefinition/…`).
pub mod ext {
    macro_rules! ext {
        ($name:ident, $path:literal, $doc:literal) => {
            #[doc = $doc]
            pub const $name: &str =
                concat!("https://cephalog.org/fhir/StructureDefinition/", $path);
        };
    }
    ext!(
        PATIENT_NOTES,
        "patient-notes",
        "Patient: the clinic's free-text notes (valueString)."
    );
    ext!(
        MIGRAINE_SPECIFIC,
        "migraine-specific",
        "Acute MedicationStatement: the medicine counts towards migraine days (valueBoolean)."
    );
    ext!(
        PREVENTIVE_CLASS,
        "preventive-class",
        "Preventive MedicationStatement: the class payers count (valueCoding)."
    );
    ext!(
        VIALS,
        "vials-opened",
        "MedicationAdministration: single-dose vials opened (valuePositiveInt)."
    );
    ext!(
        DILUENT,
        "diluent-per-vial",
        "MedicationAdministration: saline per vial (valueQuantity, mL)."
    );
    ext!(
        INJECTION_SITE,
        "injection-site",
        "Procedure.bodySite: `side` (valueCode left|right|midline), `ordinal` (valuePositiveInt), `units` (valueQuantity)."
    );
    ext!(
        SAFETY_OVERRIDE,
        "safety-override",
        "Procedure: a recording-time refusal let through: `check` (valueCode), `finding`, `reason`, `by` (valueString)."
    );
    ext!(
        NERVE_BLOCK,
        "nerve-block",
        "Procedure: `volume-per-side` (valueQuantity, mL), `steroid` (valueString) and `steroid-dose` (valueQuantity, mg)."
    );
    ext!(
        BLOCK_RELIEF,
        "block-relief",
        "Procedure: relief after a nerve block: `percent` (valueInteger), `duration` (valueQuantity, min), `recorded-on` (valueDate)."
    );
    ext!(
        AE_RESOLUTION,
        "resolution-date",
        "AdverseEvent: the day the event resolved (valueDate)."
    );
    ext!(
        AE_ACTION,
        "action-taken",
        "AdverseEvent: action taken with the product (valueCodeableConcept)."
    );
    ext!(
        AE_CAUSALITY,
        "causality",
        "AdverseEvent: the clinic's causality assessment (valueCodeableConcept)."
    );
    ext!(
        AE_SERIOUS_CRITERION,
        "serious-criterion",
        "AdverseEvent: one serious outcome (valueCodeableConcept), repeated."
    );
    ext!(
        AE_NARRATIVE,
        "case-narrative",
        "AdverseEvent: the case narrative (valueString)."
    );
    ext!(
        AE_SUBMITTED,
        "submitted-on",
        "AdverseEvent: the day the case was submitted to the regulator (valueDate)."
    );
    ext!(
        AE_REPORTER_QUALIFICATION,
        "reporter-qualification",
        "AdverseEvent.recorder: the reporter's qualification (valueCoding)."
    );
    ext!(
        AE_SUSPECT_PRODUCT,
        "suspect-product",
        "AdverseEvent.suspectEntity: the product as recorded: `product` (valueString), `lot` (valueString), `dose` (valueQuantity), `session-date` (valueDate)."
    );
}

/// Cephalog's UUID v5 namespace for FHIR resource ids. Ids are `v5(namespace, "<Type>/<key>")`
/// with the key built from Cephalog's own ids (or a patient id and a date), so one record always
/// gets the same id.
pub const ID_NAMESPACE: Uuid = Uuid::from_u128(0x6c1f_3a57_92d4_4c0e_8f61_2b7d_e905_a3c4);

/// The resource id of `kind` for `key`.
pub fn resource_id(kind: &str, key: &str) -> String {
    Uuid::new_v5(&ID_NAMESPACE, format!("{kind}/{key}").as_bytes()).to_string()
}

// --- ICD-10-CM ----------------------------------------------------------------------------------

/// The ICD-10-CM mapping lives in the core (billing lines name it too).
pub use cephalog_core::patient::{Icd10Cm, icd10cm};

#[cfg(test)]
mod tests {
    use super::*;
    use cephalog_core::DiagnosisCode;

    #[test]
    fn every_diagnosis_has_an_icd10cm_code_and_a_status() {
        let codes: Vec<&str> = DiagnosisCode::ALL
            .iter()
            .map(|c| icd10cm(*c).code)
            .collect();
        assert_eq!(
            codes,
            [
                "G43.009", "G43.109", "G43.709", "G43.909", "G44.229", "G44.40", "M54.81"
            ]
        );
        for c in DiagnosisCode::ALL {
            let m = icd10cm(c);
            assert!(
                m.status.starts_with("[V2]") || m.status.starts_with("[U]"),
                "{c}"
            );
        }
    }

    #[test]
    fn resource_ids_are_name_based_and_stable() {
        let a = resource_id("Patient", "0190d7a0-0000-7000-8000-000000000001");
        assert_eq!(
            a,
            resource_id("Patient", "0190d7a0-0000-7000-8000-000000000001")
        );
        assert_ne!(
            a,
            resource_id("Condition", "0190d7a0-0000-7000-8000-000000000001")
        );
        assert_eq!(
            Uuid::parse_str(&a).map(|u| u.get_version_num()),
            Ok(5),
            "{a}"
        );
    }
}
