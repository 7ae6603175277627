//! The FHIR R4 (4.0.1) resources and data types Cephalog exchanges, with only the elements it uses.
//!
//! Serialising follows the declaration order of the fields, with `resourceType` first, so an
//! export is byte-stable. Reading is strict: an element Cephalog does not know is an error naming
//! it (nothing is dropped silently), except `meta` and `text` (the narrative), which carry no data
//! of ours and are ignored.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Number, Value};

// --- data types ---------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coding {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeableConcept {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identifier {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// A FHIR decimal, kept as the JSON number it is written as.
pub type Decimal = Number;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quantity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ratio {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numerator: Option<Quantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denominator: Option<Quantity>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Annotation {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HumanName {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactPoint {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// An extension: a URL and one value, or nested extensions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Extension {
    pub url: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_boolean: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_positive_int: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_decimal: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_coding: Option<Coding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
}

// --- resources ----------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Patient {
    pub id: String,
    #[serde(default, skip_serializing)]
    pub meta: Option<Value>,
    #[serde(default, skip_serializing)]
    pub text: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Condition {
    pub id: String,
    #[serde(default, skip_serializing)]
    pub meta: Option<Value>,
    #[serde(default, skip_serializing)]
    pub text: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clinical_status: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    pub subject: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onset_date_time: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ObservationComponent {
    pub code: CodeableConcept,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_boolean: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_absent_reason: Option<CodeableConcept>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Observation {
    pub id: String,
    #[serde(default, skip_serializing)]
    pub meta: Option<Value>,
    #[serde(default, skip_serializing)]
    pub text: Option<Value>,
    pub status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    pub code: CodeableConcept,
    pub subject: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_period: Option<Period>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub performer: Vec<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_boolean: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub component: Vec<ObservationComponent>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DoseAndRate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dose_quantity: Option<Quantity>,
}

/// The R4 `Dosage` data type (MedicationStatement).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Dosage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dose_and_rate: Vec<DoseAndRate>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MedicationStatement {
    pub id: String,
    #[serde(default, skip_serializing)]
    pub meta: Option<Value>,
    #[serde(default, skip_serializing)]
    pub text: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    pub status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_reason: Vec<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medication_codeable_concept: Option<CodeableConcept>,
    pub subject: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_period: Option<Period>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub derived_from: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reason_code: Vec<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dosage: Vec<Dosage>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Performer {
    pub actor: Reference,
}

/// `MedicationAdministration.dosage`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdministrationDosage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dose: Option<Quantity>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MedicationAdministration {
    pub id: String,
    #[serde(default, skip_serializing)]
    pub meta: Option<Value>,
    #[serde(default, skip_serializing)]
    pub text: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contained: Vec<Contained>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub part_of: Vec<Reference>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medication_codeable_concept: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medication_reference: Option<Reference>,
    pub subject: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub performer: Vec<Performer>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reason_code: Vec<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dosage: Option<AdministrationDosage>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Batch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lot_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
}

/// A contained `Medication`: the product as given, with its vial and batch.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Medication {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Ratio>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<Batch>,
}

/// A contained `Practitioner`: the reporter of an adverse event.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Practitioner {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<ContactPoint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub address: Vec<Address>,
}

/// A contained `RelatedPerson`: a reporter who is not a health professional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RelatedPerson {
    pub id: String,
    pub patient: Reference,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<ContactPoint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub address: Vec<Address>,
}

/// Resources Cephalog contains inside others.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "resourceType")]
pub enum Contained {
    Medication(Medication),
    Practitioner(Practitioner),
    RelatedPerson(RelatedPerson),
}

impl Contained {
    pub fn id(&self) -> &str {
        match self {
            Contained::Medication(r) => &r.id,
            Contained::Practitioner(r) => &r.id,
            Contained::RelatedPerson(r) => &r.id,
        }
    }
}

/// Takes `resourceType` out of a JSON object: the type and what is left.
pub(crate) fn split_type(mut value: Value) -> Result<(String, Value), String> {
    let kind = value
        .as_object_mut()
        .ok_or_else(|| "a resource must be a JSON object".to_owned())?
        .remove("resourceType")
        .ok_or_else(|| "the resource has no resourceType".to_owned())?;
    match kind {
        Value::String(s) => Ok((s, value)),
        other => Err(format!("resourceType {other} is not a string")),
    }
}

impl<'de> Deserialize<'de> for Contained {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (kind, rest) = split_type(Value::deserialize(d)?).map_err(D::Error::custom)?;
        let parsed = match kind.as_str() {
            "Medication" => serde_json::from_value(rest).map(Contained::Medication),
            "Practitioner" => serde_json::from_value(rest).map(Contained::Practitioner),
            "RelatedPerson" => serde_json::from_value(rest).map(Contained::RelatedPerson),
            other => {
                return Err(D::Error::custom(format!(
                    "a contained {other} is not one Cephalog reads (Medication, Practitioner, RelatedPerson)"
                )));
            }
        };
        parsed.map_err(|e| D::Error::custom(format!("contained {kind}: {e}")))
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Procedure {
    pub id: String,
    #[serde(default, skip_serializing)]
    pub meta: Option<Value>,
    #[serde(default, skip_serializing)]
    pub text: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    pub subject: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub performed_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub performer: Vec<Performer>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reason_code: Vec<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub body_site: Vec<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub used_code: Vec<CodeableConcept>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Answer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_coding: Option<Coding>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResponseItem {
    pub link_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answer: Vec<Answer>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct QuestionnaireResponse {
    pub id: String,
    #[serde(default, skip_serializing)]
    pub meta: Option<Value>,
    #[serde(default, skip_serializing)]
    pub text: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub questionnaire: Option<String>,
    pub status: String,
    pub subject: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authored: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<ResponseItem>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Causality {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessment: Option<CodeableConcept>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SuspectEntity {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    pub instance: Reference,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causality: Vec<Causality>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdverseEvent {
    pub id: String,
    #[serde(default, skip_serializing)]
    pub meta: Option<Value>,
    #[serde(default, skip_serializing)]
    pub text: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contained: Vec<Contained>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    pub actuality: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<CodeableConcept>,
    pub subject: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorder: Option<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seriousness: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suspect_entity: Vec<SuspectEntity>,
}

/// A resource Cephalog writes or reads; serialised with `resourceType` first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "resourceType")]
pub enum Resource {
    Patient(Patient),
    Condition(Condition),
    Observation(Observation),
    MedicationStatement(MedicationStatement),
    MedicationAdministration(MedicationAdministration),
    Procedure(Procedure),
    QuestionnaireResponse(QuestionnaireResponse),
    AdverseEvent(AdverseEvent),
}

impl Resource {
    /// The resource types Cephalog reads, in the order an export lists them in bulk.
    pub const TYPES: [&'static str; 8] = [
        "Patient",
        "Condition",
        "Observation",
        "MedicationStatement",
        "MedicationAdministration",
        "Procedure",
        "QuestionnaireResponse",
        "AdverseEvent",
    ];

    pub fn resource_type(&self) -> &'static str {
        match self {
            Resource::Patient(_) => "Patient",
            Resource::Condition(_) => "Condition",
            Resource::Observation(_) => "Observation",
            Resource::MedicationStatement(_) => "MedicationStatement",
            Resource::MedicationAdministration(_) => "MedicationAdministration",
            Resource::Procedure(_) => "Procedure",
            Resource::QuestionnaireResponse(_) => "QuestionnaireResponse",
            Resource::AdverseEvent(_) => "AdverseEvent",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Resource::Patient(r) => &r.id,
            Resource::Condition(r) => &r.id,
            Resource::Observation(r) => &r.id,
            Resource::MedicationStatement(r) => &r.id,
            Resource::MedicationAdministration(r) => &r.id,
            Resource::Procedure(r) => &r.id,
            Resource::QuestionnaireResponse(r) => &r.id,
            Resource::AdverseEvent(r) => &r.id,
        }
    }

    /// Reads one resource of a type Cephalog knows; the error says what is wrong in words.
    pub fn from_value(value: Value) -> Result<Resource, String> {
        let (kind, rest) = split_type(value)?;
        let parsed = match kind.as_str() {
            "Patient" => serde_json::from_value(rest).map(Resource::Patient),
            "Condition" => serde_json::from_value(rest).map(Resource::Condition),
            "Observation" => serde_json::from_value(rest).map(Resource::Observation),
            "MedicationStatement" => {
                serde_json::from_value(rest).map(Resource::MedicationStatement)
            }
            "MedicationAdministration" => {
                serde_json::from_value(rest).map(Resource::MedicationAdministration)
            }
            "Procedure" => serde_json::from_value(rest).map(Resource::Procedure),
            "QuestionnaireResponse" => {
                serde_json::from_value(rest).map(Resource::QuestionnaireResponse)
            }
            "AdverseEvent" => serde_json::from_value(rest).map(Resource::AdverseEvent),
            other => {
                return Err(format!(
                    "{other} is not a resource type Cephalog imports ({})",
                    Resource::TYPES.join(", ")
                ));
            }
        };
        parsed.map_err(|e| e.to_string())
    }
}

/// One entry of a Bundle as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    pub full_url: String,
    pub resource: Resource,
}

/// A Bundle as written: `resourceType` first, then id, type and the entries.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "resourceType", rename = "Bundle")]
pub struct Bundle {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub entry: Vec<BundleEntry>,
}

/// One entry of a Bundle as read: the resource is parsed on its own, so a bad one is reported
/// without hiding the others.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawEntry {
    #[serde(default)]
    pub full_url: Option<String>,
    #[serde(default)]
    pub resource: Option<Value>,
}

/// A Bundle as read.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawBundle {
    pub resource_type: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub entry: Vec<RawEntry>,
}
