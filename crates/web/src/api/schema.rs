//! What the API accepts, said precisely in its OpenAPI document: the value sets of fields the
//! handlers read as text (and refuse with the field named when a value is not among them), and
//! integers that arrive as JSON numbers with a zero fraction (`300.0`), which JSON Schema counts
//! as integers and the server therefore accepts.

// The value-set enums are never built: they exist for their schemas.
#![allow(dead_code)]

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// A day-definition preset.
#[derive(Serialize, ToSchema)]
pub enum Preset {
    #[serde(rename = "any")]
    Any,
    #[serde(rename = "label-4h")]
    Label4h,
    #[serde(rename = "ihs-30min")]
    Ihs30min,
}

/// 28-day periods from the first day, or calendar months.
#[derive(Serialize, ToSchema)]
pub enum Period {
    #[serde(rename = "28d")]
    Days28,
    #[serde(rename = "month")]
    Month,
}

/// A kind of clinical record with a history.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    DiaryDay,
    Session,
    AdverseEvent,
    Questionnaire,
    Preventive,
    Attestation,
}

/// A day's peak headache intensity.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Intensity {
    None,
    Mild,
    Moderate,
    Severe,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Other,
}

/// Whose patients a cohort report covers.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CohortScope {
    /// The caller's clinic.
    Clinic,
    /// Every clinic of the installation: administrators only.
    Installation,
}

/// An ICHD-3 diagnosis Cephalog works with.
#[derive(Serialize, ToSchema)]
pub enum Ichd3Code {
    #[serde(rename = "1.1")]
    MigraineWithoutAura,
    #[serde(rename = "1.2")]
    MigraineWithAura,
    #[serde(rename = "1.3")]
    ChronicMigraine,
    #[serde(rename = "1.5")]
    ProbableMigraine,
    #[serde(rename = "2.3")]
    ChronicTensionType,
    #[serde(rename = "8.2")]
    MedicationOveruse,
    #[serde(rename = "13.4")]
    OccipitalNeuralgia,
}

/// How a preventive trial ended.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrialOutcome {
    NotEffective,
    NotTolerated,
    Contraindicated,
    Ongoing,
}

/// A preventive's class.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PreventiveClass {
    BetaBlocker,
    Anticonvulsant,
    TricyclicSnri,
    Candesartan,
    Flunarizine,
    CgrpAntibody,
    GepantPrevention,
    Other,
}

/// A questionnaire Cephalog scores: its values are the registry's instrument codes.
pub struct Instrument;

impl utoipa::PartialSchema for Instrument {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use cephalog_core::prom::Instrument as Registry;
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A questionnaire Cephalog scores."))
            .enum_values(Some(Registry::ALL.map(Registry::as_str)))
            .into()
    }
}

impl ToSchema for Instrument {}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Seriousness {
    Death,
    LifeThreatening,
    Hospitalization,
    Disability,
    CongenitalAnomaly,
    RequiredIntervention,
    OtherImportantMedicalEvent,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionTaken {
    DrugWithdrawn,
    DoseReduced,
    DoseIncreased,
    DoseNotChanged,
    NotApplicable,
    Unknown,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventOutcome {
    Recovered,
    Recovering,
    NotRecovered,
    RecoveredWithSequelae,
    Fatal,
    Unknown,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Causality {
    Related,
    PossiblyRelated,
    UnlikelyRelated,
    Unrelated,
    NotAssessed,
}

/// A plan served by `/plans/{kind}`: the PREEMPT injection plan, with follow-the-pain sites, or the
/// usual greater occipital nerve block.
#[derive(Serialize, ToSchema)]
pub enum PlanKind {
    #[serde(rename = "preempt")]
    Preempt,
    #[serde(rename = "preempt-ftp")]
    PreemptFtp,
    #[serde(rename = "gon-block")]
    GonBlock,
}

/// The injection plan a session follows.
#[derive(Serialize, ToSchema)]
pub enum SessionPlan {
    #[serde(rename = "preempt")]
    Preempt,
    #[serde(rename = "preempt-ftp")]
    PreemptFtp,
}

/// A side of the head or neck.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Left,
    Right,
    Midline,
}

/// A side for a follow-the-pain site.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeftRight {
    Left,
    Right,
}

/// A PREEMPT muscle.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Muscle {
    Corrugator,
    Procerus,
    Frontalis,
    Temporalis,
    Occipitalis,
    CervicalParaspinal,
    Trapezius,
}

/// A muscle follow-the-pain sites may be added to.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FtpMuscle {
    Temporalis,
    Occipitalis,
    Trapezius,
}

/// A session check a clinician may override with a reason.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OverridableCheck {
    RetreatmentInterval,
    CumulativeUnits,
    UnitsNotComparable,
    PreemptMaximum,
    PreemptExtraOutsideFollowThePain,
    FollowThePainCaps,
    PreemptBelowProtocol,
    PreemptSiteDose,
    Concentration,
    UnderAge,
    VialCount,
    Diagnosis,
    Diary,
    Eligibility,
    Continuation,
    SeriousAdverseEvent,
    UrgentReview,
}

/// An integer sent as a JSON integer or as a number with a zero fraction (`300.0`).
pub(crate) fn integer<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    let n = serde_json::Number::deserialize(d)?;
    let whole = match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => i,
        (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => f as i64,
        _ => {
            return Err(serde::de::Error::custom(format!(
                "invalid type: {n} is not an integer"
            )));
        }
    };
    T::try_from(whole)
        .map_err(|_| serde::de::Error::custom(format!("{whole} is out of range for this field")))
}

/// [`integer`] for an optional field.
pub(crate) fn optional_integer<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    #[derive(Deserialize)]
    struct Wrapped<T: TryFrom<i64>>(#[serde(deserialize_with = "integer")] T);
    Ok(Option::<Wrapped<T>>::deserialize(d)?.map(|Wrapped(v)| v))
}

/// A nested record read only from a JSON object: serde's derived structs also take an array of
/// the fields in order (`"reporter": [null, null]`), which the API document does not allow. The
/// fields are read through the same deserializer, so an error still names its path
/// (`days[3].headache_minutes`).
pub(crate) fn object<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    ObjectOnly::<T>::deserialize(d).map(|o| o.0)
}

/// [`object`] for each item of a list.
pub(crate) fn objects<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Vec::<ObjectOnly<T>>::deserialize(d)?
        .into_iter()
        .map(|o| o.0)
        .collect())
}

struct ObjectOnly<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Fields<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Fields(std::marker::PhantomData))
            .map(ObjectOnly)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cephalog_core::safety;

    #[test]
    fn nested_records_are_objects_never_arrays() {
        #[derive(Debug, Default, Deserialize, PartialEq)]
        struct Inner {
            a: Option<u32>,
        }
        #[derive(Debug, Deserialize)]
        struct Outer {
            #[serde(default, deserialize_with = "object")]
            one: Inner,
            #[serde(default, deserialize_with = "objects")]
            many: Vec<Inner>,
        }
        let ok: Outer =
            serde_json::from_str(r#"{"one": {"a": 1}, "many": [{"a": 2}, {}]}"#).expect("objects");
        assert_eq!(ok.one, Inner { a: Some(1) });
        assert_eq!(ok.many.len(), 2);
        let none: Outer = serde_json::from_str("{}").expect("defaults");
        assert!(none.one == Inner::default() && none.many.is_empty());
        // serde's derive alone would read these arrays as the fields in order.
        assert!(serde_json::from_str::<Inner>("[1]").is_ok());
        let err = serde_json::from_str::<Outer>(r#"{"one": [1]}"#).expect_err("array");
        assert!(err.to_string().contains("expected an object"), "{err}");
        let err = serde_json::from_str::<Outer>(r#"{"many": [{"a": 1}, [2]]}"#).expect_err("array");
        assert!(err.to_string().contains("expected an object"), "{err}");
        // Errors inside keep their place.
        let mut de = serde_json::Deserializer::from_str(r#"{"many": [{"a": 1}, {"a": "x"}]}"#);
        let err = serde_path_to_error::deserialize::<_, Outer>(&mut de).expect_err("a string");
        assert_eq!(err.path().to_string(), "many[1].a");
    }

    /// The values a documented enum lists.
    fn listed<T: utoipa::PartialSchema>() -> Vec<String> {
        let schema = serde_json::to_value(T::schema()).expect("schema as JSON");
        schema["enum"]
            .as_array()
            .expect("an enum")
            .iter()
            .map(|v| v.as_str().expect("text").to_owned())
            .collect()
    }

    fn words<T: Copy>(all: &[T], word: fn(T) -> &'static str) -> Vec<String> {
        all.iter().map(|v| word(*v).to_owned()).collect()
    }

    #[test]
    fn the_documented_value_sets_are_the_cores() {
        use cephalog_core::preventives::{PreventiveClass as Class, PreventiveOutcome};
        use cephalog_core::protocol::Muscle as CoreMuscle;
        use cephalog_core::session::Check;
        use cephalog_core::{DayPreset, DiagnosisCode, Sex as CoreSex};
        assert_eq!(listed::<Preset>(), words(&DayPreset::ALL, DayPreset::name));
        assert_eq!(
            listed::<Ichd3Code>(),
            words(&DiagnosisCode::ALL, DiagnosisCode::code)
        );
        assert_eq!(
            listed::<Sex>(),
            words(
                &[CoreSex::Female, CoreSex::Male, CoreSex::Other],
                CoreSex::as_str
            )
        );
        assert_eq!(
            listed::<PreventiveClass>(),
            words(&Class::ALL, Class::as_str)
        );
        assert_eq!(
            listed::<TrialOutcome>(),
            words(&PreventiveOutcome::ALL, PreventiveOutcome::as_str)
        );
        assert_eq!(
            listed::<Muscle>(),
            words(&CoreMuscle::ALL, CoreMuscle::as_str)
        );
        assert_eq!(
            listed::<OverridableCheck>(),
            words(&Check::ALL, Check::as_str)
        );
        assert_eq!(
            listed::<Seriousness>(),
            words(safety::SeriousOutcome::ALL, safety::SeriousOutcome::as_str)
        );
        assert_eq!(
            listed::<ActionTaken>(),
            words(safety::ActionTaken::ALL, safety::ActionTaken::as_str)
        );
        assert_eq!(
            listed::<EventOutcome>(),
            words(safety::EventOutcome::ALL, safety::EventOutcome::as_str)
        );
        assert_eq!(
            listed::<Causality>(),
            words(safety::Causality::ALL, safety::Causality::as_str)
        );
    }

    #[derive(Debug, Deserialize)]
    struct Day {
        #[serde(deserialize_with = "integer")]
        minutes: u32,
        #[serde(default, deserialize_with = "optional_integer")]
        grade: Option<i64>,
    }

    #[test]
    fn integers_may_arrive_with_a_zero_fraction_and_nothing_else() {
        let d: Day = serde_json::from_str(r#"{"minutes": 300.0, "grade": 2}"#).expect("whole");
        assert_eq!((d.minutes, d.grade), (300, Some(2)));
        let d: Day = serde_json::from_str(r#"{"minutes": 5}"#).expect("no grade");
        assert_eq!((d.minutes, d.grade), (5, None));
        let d: Day = serde_json::from_str(r#"{"minutes": 5, "grade": null}"#).expect("null");
        assert_eq!(d.grade, None);
        for bad in [
            r#"{"minutes": 300.5}"#,
            r#"{"minutes": -1}"#,
            r#"{"minutes": 1e300}"#,
            r#"{"minutes": "300"}"#,
            r#"{"minutes": 5, "grade": 1.5}"#,
        ] {
            assert!(serde_json::from_str::<Day>(bad).is_err(), "{bad}");
        }
    }
}
