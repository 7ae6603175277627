//! Diary days: read a range, upsert one day, or write many at once (all or nothing); a day's
//! history, and marking a day entered in error. Nothing is overwritten: a replaced day is kept in
//! its history with who replaced it, when and why, and a day is never deleted (DELETE answers 405).

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use cephalog_core::{
    DiaryDay, DiaryDraft, DiaryError, DrugDictionary, Features, Intensity, MedicationIntake,
    Minutes,
};

use crate::AppState;
use crate::audit;
use crate::auth::Principal;
use crate::error::{ApiError, ErrorBody, WebError};
use crate::policy::Need;
use cephalog_store::{Change, RecordVersion};

/// Accompanying features of the day's headache (all default to false).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FeaturesJson {
    pub unilateral: bool,
    pub pulsating: bool,
    pub aggravated_by_activity: bool,
    pub nausea: bool,
    pub vomiting: bool,
    pub photophobia: bool,
    pub phonophobia: bool,
    pub aura: bool,
}

/// One diary day. An unrecorded day is absent, never a headache-free day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiaryDayJson {
    /// Required in bulk writes; in a single-day upsert it must match the path if given.
    #[serde(default)]
    pub date: Option<NaiveDate>,
    /// Minutes of headache, 0–1440.
    #[serde(deserialize_with = "super::schema::integer")]
    #[schema(minimum = 0, maximum = 1440)]
    pub headache_minutes: i64,
    /// none, mild, moderate or severe (0–10 scores map: 1–3 mild, 4–6 moderate, 7–10 severe).
    #[serde(default)]
    #[schema(value_type = Option<super::schema::Intensity>)]
    pub peak_intensity: Option<String>,
    #[serde(default, deserialize_with = "super::schema::object")]
    pub features: FeaturesJson,
    /// Acute medicines as "name dose", e.g. "sumatriptan 50mg"; names go through the drug
    /// dictionary.
    #[serde(default)]
    pub medicines: Vec<String>,
    /// Occipital paroxysms (sudden stabbing pains) counted that day, at most 1,000.
    #[serde(default, deserialize_with = "super::schema::integer")]
    #[schema(maximum = 1000)]
    pub paroxysms: u32,
    /// At most 2,000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub notes: String,
}

impl DiaryDayJson {
    pub fn of(d: &DiaryDay) -> Self {
        let f = d.features();
        DiaryDayJson {
            date: Some(d.date()),
            headache_minutes: i64::from(d.headache_minutes()),
            peak_intensity: Some(d.peak_intensity().to_string()),
            features: FeaturesJson {
                unilateral: f.unilateral,
                pulsating: f.pulsating,
                aggravated_by_activity: f.aggravated_by_activity,
                nausea: f.nausea,
                vomiting: f.vomiting,
                photophobia: f.photophobia,
                phonophobia: f.phonophobia,
                aura: f.aura,
            },
            medicines: d
                .medications()
                .iter()
                .map(|m| match &m.dose {
                    Some(dose) => format!("{} {dose}", m.name),
                    None => m.name.clone(),
                })
                .collect(),
            paroxysms: d.paroxysms(),
            notes: d.notes().to_owned(),
        }
    }

    /// A validated day; errors name the field, prefixed by `at` (e.g. "days[3].").
    fn validate(
        self,
        date: NaiveDate,
        today: NaiveDate,
        dictionary: &DrugDictionary,
        at: &str,
    ) -> Result<DiaryDay, WebError> {
        let headache_minutes = Minutes::new(self.headache_minutes)
            .map_err(|e| WebError::invalid(format!("{at}headache_minutes"), e))?;
        let peak_intensity: Intensity = self
            .peak_intensity
            .as_deref()
            .unwrap_or("none")
            .parse()
            .map_err(|e| WebError::invalid(format!("{at}peak_intensity"), e))?;
        let medications = self
            .medicines
            .iter()
            .enumerate()
            .map(|(i, m)| {
                MedicationIntake::parse(m, dictionary)
                    .map_err(|e| WebError::invalid(format!("{at}medicines[{i}]"), e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let f = self.features;
        let draft = DiaryDraft {
            date: Some(date),
            headache_minutes,
            peak_intensity,
            features: Features {
                unilateral: f.unilateral,
                pulsating: f.pulsating,
                aggravated_by_activity: f.aggravated_by_activity,
                nausea: f.nausea,
                vomiting: f.vomiting,
                photophobia: f.photophobia,
                phonophobia: f.phonophobia,
                aura: f.aura,
            },
            medications,
            paroxysms: self.paroxysms,
            notes: self.notes,
        };
        DiaryDay::record(date, draft, today).map_err(|e| {
            let field = match &e {
                DiaryError::FeaturesWithoutHeadache(_) => format!("features.{}", e.field()),
                DiaryError::Medication(_) => "medicines".to_owned(),
                other => other.field().to_owned(),
            };
            WebError::invalid(format!("{at}{field}"), e)
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RangeQuery {
    /// First day (default: the first recorded).
    pub from: Option<NaiveDate>,
    /// Last day (default: the last recorded).
    pub to: Option<NaiveDate>,
}

/// The recorded days in a range, oldest first.
#[utoipa::path(get, path = "/patients/{id}/diary", tag = "diary",
    params(("id" = Uuid, Path, description = "patient id"), RangeQuery),
    responses((status = 200, body = Vec<DiaryDayJson>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<RangeQuery>,
) -> Result<Json<Vec<DiaryDayJson>>, ApiError> {
    let r = audit::patient(&state, &who, id, Need::ReadDiary, "diary.read").await?;
    let diary = match (q.from, q.to) {
        (None, None) => cephalog_app::diary::diary(&state.store, r.id).await?,
        (from, to) => {
            cephalog_app::diary::between(
                &state.store,
                r.id,
                from.unwrap_or(NaiveDate::MIN),
                to.unwrap_or(NaiveDate::MAX),
            )
            .await?
        }
    };
    Ok(Json(diary.days().map(DiaryDayJson::of).collect()))
}

/// One day, if recorded.
#[utoipa::path(get, path = "/patients/{id}/diary/{date}", tag = "diary",
    params(("id" = Uuid, Path, description = "patient id"), ("date" = NaiveDate, Path, description = "YYYY-MM-DD")),
    responses((status = 200, body = DiaryDayJson), (status = 404, body = ErrorBody)))]
pub async fn get_day(
    State(state): State<AppState>,
    who: Principal,
    Path((id, date)): Path<(Uuid, NaiveDate)>,
) -> Result<Json<DiaryDayJson>, ApiError> {
    let r = audit::patient(&state, &who, id, Need::ReadDiary, "diary.read").await?;
    let diary = cephalog_app::diary::between(&state.store, r.id, date, date).await?;
    diary
        .get(date)
        .map(|d| Json(DiaryDayJson::of(d)))
        .ok_or_else(|| ApiError(WebError::NotFound(format!("{date} is not recorded"))))
}

/// Who changes a record (as the audit trail names them) and why; `fallback` when no reason was
/// given (a replacing upsert or import needs none; an entry in error does).
pub(crate) fn change(who: &Principal, reason: Option<&str>, fallback: &str) -> Change {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    Change {
        by: format!("{}:{}", who.user.role.as_str(), who.user.username),
        reason: reason.unwrap_or(fallback).to_owned(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ReasonQuery {
    /// Why a recorded day is replaced (kept in the day's history; default "replaced through the
    /// API").
    pub reason: Option<String>,
}

/// Records or replaces one day. A day already recorded is kept in the day's history (see
/// `GET /patients/{id}/diary/{date}/history`) with who replaced it, when and the reason given.
#[utoipa::path(put, path = "/patients/{id}/diary/{date}", tag = "diary",
    params(("id" = Uuid, Path, description = "patient id"), ("date" = NaiveDate, Path, description = "YYYY-MM-DD"), ReasonQuery),
    request_body = DiaryDayJson,
    responses((status = 200, body = DiaryDayJson), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upsert(
    State(state): State<AppState>,
    who: Principal,
    Path((id, date)): Path<(Uuid, NaiveDate)>,
    Query(q): Query<ReasonQuery>,
    Json(day): Json<DiaryDayJson>,
) -> Result<Json<DiaryDayJson>, ApiError> {
    let r = audit::patient(&state, &who, id, Need::WriteDiary, "diary.write").await?;
    if day.date.is_some_and(|d| d != date) {
        return Err(WebError::invalid("date", "the body's date differs from the path's").into());
    }
    let dictionary = cephalog_app::diary::dictionary(&state.store).await?;
    let valid = day.validate(date, state.today(), &dictionary, "")?;
    cephalog_app::diary::record(
        &state.store,
        r.id,
        std::slice::from_ref(&valid),
        Some(&change(
            &who,
            q.reason.as_deref(),
            "replaced through the API",
        )),
        &mut |_| {},
    )
    .await?;
    audit::record(
        &state,
        &who,
        "diary.upsert",
        "diary_day",
        &date.to_string(),
        Some(r.id),
    )
    .await?;
    Ok(Json(DiaryDayJson::of(&valid)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkDiary {
    #[serde(deserialize_with = "super::schema::objects")]
    pub days: Vec<DiaryDayJson>,
    /// Replace days already recorded (otherwise any such day refuses the whole request); each
    /// replaced day is kept in its history.
    #[serde(default)]
    pub replace: bool,
    /// Why recorded days are replaced (kept in their history; default "replaced by a bulk write
    /// through the API").
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    pub inserted: usize,
    pub replaced: usize,
}

/// Writes many days in one transaction: every day is valid and stored, or nothing is.
#[utoipa::path(post, path = "/patients/{id}/diary/bulk", tag = "diary",
    params(("id" = Uuid, Path, description = "patient id")),
    request_body = BulkDiary,
    responses((status = 200, body = BulkResult), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn bulk(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Json(b): Json<BulkDiary>,
) -> Result<Json<BulkResult>, ApiError> {
    let r = audit::patient(&state, &who, id, Need::WriteDiary, "diary.bulk").await?;
    let dictionary = cephalog_app::diary::dictionary(&state.store).await?;
    let today = state.today();
    let mut days = Vec::with_capacity(b.days.len());
    let mut seen = std::collections::BTreeSet::new();
    for (i, d) in b.days.into_iter().enumerate() {
        let at = format!("days[{i}].");
        let date = d
            .date
            .ok_or_else(|| WebError::invalid(format!("{at}date"), "each day needs its date"))?;
        if !seen.insert(date) {
            return Err(
                WebError::invalid(format!("{at}date"), format!("{date} is given twice")).into(),
            );
        }
        days.push(d.validate(date, today, &dictionary, &at)?);
    }
    let s = cephalog_app::diary::record(
        &state.store,
        r.id,
        &days,
        b.replace
            .then(|| {
                change(
                    &who,
                    b.reason.as_deref(),
                    "replaced by a bulk write through the API",
                )
            })
            .as_ref(),
        &mut |_| {},
    )
    .await?;
    audit::record(
        &state,
        &who,
        "diary.bulk",
        "diary",
        &format!("{} days", days.len()),
        Some(r.id),
    )
    .await?;
    Ok(Json(BulkResult {
        inserted: s.inserted,
        replaced: s.replaced,
    }))
}

/// A superseded version of a diary day: what it held and the change that superseded it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiaryVersionJson {
    /// 1 is the version first recorded.
    pub version: i64,
    /// corrected (a later version replaced it) or entered_in_error (withdrawn).
    pub action: String,
    pub changed_at: chrono::DateTime<chrono::Utc>,
    /// Who changed it, as the audit trail names them (e.g. "clinician:dr.lee", "cli:alice").
    pub changed_by: String,
    pub reason: String,
    /// The day as it was.
    pub day: DiaryDayJson,
}

impl DiaryVersionJson {
    pub fn of(v: &RecordVersion) -> Result<Self, WebError> {
        Ok(DiaryVersionJson {
            version: v.version,
            action: v.action.as_str().to_owned(),
            changed_at: v.changed_at,
            changed_by: v.changed_by.clone(),
            reason: v.reason.clone(),
            day: DiaryDayJson::of(&v.diary_day()?),
        })
    }
}

/// One diary day's history: the version in force (if any) and every earlier one.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiaryHistoryJson {
    pub date: NaiveDate,
    /// The version in force; absent when the day is unrecorded (never recorded, or entered in
    /// error).
    pub current: Option<DiaryDayJson>,
    /// The number of the version in force.
    pub current_version: Option<i64>,
    /// Earlier versions, oldest first.
    pub versions: Vec<DiaryVersionJson>,
}

/// The day's history: every earlier version with who changed it, when and why.
#[utoipa::path(get, path = "/patients/{id}/diary/{date}/history", tag = "diary",
    params(("id" = Uuid, Path, description = "patient id"), ("date" = NaiveDate, Path, description = "YYYY-MM-DD")),
    responses((status = 200, body = DiaryHistoryJson), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    who: Principal,
    Path((id, date)): Path<(Uuid, NaiveDate)>,
) -> Result<Json<DiaryHistoryJson>, ApiError> {
    let r = audit::patient(&state, &who, id, Need::ReadDiary, "diary.history").await?;
    Ok(Json(day_history(&state, r.id, date).await?))
}

pub(crate) async fn day_history(
    state: &AppState,
    patient: Uuid,
    date: NaiveDate,
) -> Result<DiaryHistoryJson, WebError> {
    let current = cephalog_app::diary::between(&state.store, patient, date, date)
        .await?
        .get(date)
        .map(DiaryDayJson::of);
    let kept = cephalog_app::diary::day_history(&state.store, patient, date).await?;
    let versions = kept
        .iter()
        .map(DiaryVersionJson::of)
        .collect::<Result<Vec<_>, _>>()?;
    let next = kept.last().map_or(1, |v| v.version + 1);
    Ok(DiaryHistoryJson {
        date,
        current_version: current.is_some().then_some(next),
        current,
        versions,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnteredInError {
    /// Why the day is withdrawn (required), e.g. "entered on the wrong date".
    #[schema(min_length = 1, pattern = r"\S")]
    pub reason: String,
}

/// Marks a recorded day entered in error. The day is never deleted: it is kept in its history
/// with who withdrew it, when and why, and from then on counts in no figure or classification and
/// reads as unrecorded. (DELETE on a day answers 405.)
#[utoipa::path(post, path = "/patients/{id}/diary/{date}/entered-in-error", tag = "diary",
    params(("id" = Uuid, Path, description = "patient id"), ("date" = NaiveDate, Path, description = "YYYY-MM-DD")),
    request_body = EnteredInError,
    responses((status = 200, body = DiaryHistoryJson), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn entered_in_error(
    State(state): State<AppState>,
    who: Principal,
    Path((id, date)): Path<(Uuid, NaiveDate)>,
    Json(body): Json<EnteredInError>,
) -> Result<Json<DiaryHistoryJson>, ApiError> {
    let r = audit::patient(&state, &who, id, Need::WriteDiary, "diary.write").await?;
    if body.reason.trim().is_empty() {
        return Err(
            WebError::invalid("reason", "give the reason the day was entered in error").into(),
        );
    }
    cephalog_app::diary::enter_day_in_error(
        &state.store,
        r.id,
        date,
        &change(&who, Some(&body.reason), ""),
    )
    .await?;
    audit::record(
        &state,
        &who,
        "diary.entered_in_error",
        "diary_day",
        &date.to_string(),
        Some(r.id),
    )
    .await?;
    Ok(Json(day_history(&state, r.id, date).await?))
}
