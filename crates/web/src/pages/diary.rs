//! The diary: today's entry in a few taps, the month calendar, the last 28 days' figures and the
//! next appointment. The same page serves a patient (their own) and the clinic (transcribing a
//! paper diary).

use std::collections::BTreeSet;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Duration, NaiveDate};
use serde::Deserialize;
use uuid::Uuid;

use cephalog_core::metrics::{DateRange, PeriodMetrics};
use cephalog_core::preset::DayPreset;
use cephalog_core::schedule::ScheduleWindow;
use cephalog_core::{Diary, DiaryDay, DiaryDraft, Features, Intensity, MedicationIntake, Minutes};
use cephalog_store::{PatientRecord, VersionAction};

use super::{Nav, Routes, render};
use crate::AppState;
use crate::audit;
use crate::auth::Principal;
use crate::error::{PageError, WebError};
use crate::policy::Need;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/patients/{id}/diary", page)
        .post("/patients/{id}/diary", save)
        .post("/patients/{id}/diary/entered-in-error", entered_in_error)
}

/// The form field a replacement of a recorded day must carry (`replace=confirmed`): the server
/// refuses to replace a stored day without it, whatever the browser sent.
const CONFIRM_FIELD: &str = "replace";
const CONFIRM_VALUE: &str = "confirmed";

/// Days back a patient may still fill in from the diary page (older days are the clinic's to
/// correct) [unverified default].
const EDITABLE_DAYS_BACK: i64 = 7;
/// Medicines offered one tap away: those taken in this many days before the entry's date.
const RECENT_MEDICINE_DAYS: i64 = 14;

#[derive(Debug, Clone)]
pub struct CalendarCell {
    pub day: Option<u32>,
    pub date: String,
    /// CSS class: none, unrecorded, free, mild, moderate, severe.
    pub class: &'static str,
    pub label: String,
    pub migraine: bool,
    pub medication: bool,
    pub link: bool,
}

#[derive(Debug, Clone)]
pub struct Calendar {
    pub title: String,
    pub weeks: Vec<Vec<CalendarCell>>,
    pub prev: String,
    pub next: Option<String>,
}

/// A month's calendar of diary days: each day unrecorded, headache-free or coloured by peak
/// intensity, with migraine and acute-medication days marked.
pub fn calendar(
    diary: &Diary,
    has_migraine_diagnosis: bool,
    preset: DayPreset,
    month: NaiveDate,
    today: NaiveDate,
    link_base: &str,
) -> Calendar {
    let first = month.with_day(1).unwrap_or(month);
    let next_month = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    let prev_month = first
        .checked_sub_months(chrono::Months::new(1))
        .unwrap_or(first);
    let mut weeks = Vec::new();
    let mut week: Vec<CalendarCell> = (0..first.weekday().num_days_from_monday())
        .map(|_| CalendarCell {
            day: None,
            date: String::new(),
            class: "none",
            label: String::new(),
            migraine: false,
            medication: false,
            link: false,
        })
        .collect();
    let mut d = first;
    while d < next_month {
        // Spoken in full, and with the day number shown in the cell (WCAG 2.5.3, label in name).
        let name = d.format("%A %-d %B %Y");
        let cell = match diary.get(d) {
            _ if d > today => CalendarCell {
                day: Some(d.day()),
                date: d.to_string(),
                class: "none",
                label: format!("{name}: future"),
                migraine: false,
                medication: false,
                link: false,
            },
            None => CalendarCell {
                day: Some(d.day()),
                date: d.to_string(),
                class: "unrecorded",
                label: format!("{name}: not recorded"),
                migraine: false,
                medication: false,
                link: true,
            },
            Some(day) => {
                let headache = day.headache_minutes() > 0;
                let migraine = preset.migraine_basis(day, has_migraine_diagnosis).is_some();
                let class = if !headache {
                    "free"
                } else {
                    match day.peak_intensity() {
                        Intensity::Severe => "severe",
                        Intensity::Moderate => "moderate",
                        _ => "mild",
                    }
                };
                let mut label = format!(
                    "{name}: {}",
                    if headache {
                        format!(
                            "{} headache, {}",
                            day.peak_intensity(),
                            hours_text(day.headache_minutes())
                        )
                    } else {
                        "no headache".to_owned()
                    }
                );
                if migraine {
                    label.push_str(", migraine day");
                }
                if day.took_acute_medication() {
                    label.push_str(", acute medicine");
                }
                CalendarCell {
                    day: Some(d.day()),
                    date: d.to_string(),
                    class,
                    label,
                    migraine,
                    medication: day.took_acute_medication(),
                    link: true,
                }
            }
        };
        week.push(cell);
        if week.len() == 7 {
            weeks.push(std::mem::take(&mut week));
        }
        d += Duration::days(1);
    }
    if !week.is_empty() {
        while week.len() < 7 {
            week.push(CalendarCell {
                day: None,
                date: String::new(),
                class: "none",
                label: String::new(),
                migraine: false,
                medication: false,
                link: false,
            });
        }
        weeks.push(week);
    }
    Calendar {
        title: first.format("%B %Y").to_string(),
        weeks,
        prev: format!("{link_base}?month={}", prev_month.format("%Y-%m")),
        next: (next_month <= today)
            .then(|| format!("{link_base}?month={}", next_month.format("%Y-%m"))),
    }
}

/// One diary day in words: "severe headache for 15 h (nausea, light bothered me); medicines:
/// sumatriptan 50 mg; notes: …", or "no headache".
pub fn day_summary(d: &DiaryDay) -> String {
    let mut out = if d.headache_minutes() == 0 {
        "No headache".to_owned()
    } else {
        let mut s = format!(
            "{} headache for {}",
            d.peak_intensity(),
            hours_text(d.headache_minutes())
        );
        if let Some(first) = s.get(0..1) {
            s = first.to_uppercase() + s.get(1..).unwrap_or("");
        }
        s
    };
    let features: Vec<&str> = FEATURES
        .iter()
        .filter(|(k, _)| d.features().get(k).unwrap_or(false))
        .map(|(_, label)| *label)
        .collect();
    if !features.is_empty() {
        out.push_str(&format!(" ({})", features.join(", ").to_lowercase()));
    }
    if !d.medications().is_empty() {
        let meds: Vec<String> = d.medications().iter().map(medicine_text).collect();
        out.push_str(&format!("; medicines: {}", meds.join(", ")));
    }
    if d.paroxysms() > 0 {
        out.push_str(&format!("; {} stabbing pains", d.paroxysms()));
    }
    if !d.notes().is_empty() {
        out.push_str(&format!("; notes: {}", d.notes()));
    }
    out
}

/// A duration as the form shows it, hours and minutes: "3:30", "15:38", "0:20".
fn duration_text(minutes: u16) -> String {
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

/// Minutes of headache from what a patient types: hours ("3", "0.5", "1,5"), hours and minutes
/// ("3:30", "1h 30min", "1 h 30"), or minutes ("90 min", "45m"); from 0 to 24 hours.
fn duration_minutes(text: &str) -> Result<i64, String> {
    let t = text.trim().to_lowercase();
    let bad = || {
        format!(
            "'{}' is not a duration: write hours (3 or 0.5), hours and minutes (3:30, 2h 15min) \
             or minutes (90 min)",
            text.trim()
        )
    };
    let number = |s: &str| -> Result<f64, String> {
        let s = s.trim().replace(',', ".");
        if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(bad());
        }
        s.parse::<f64>().map_err(|_| bad())
    };
    let minutes = if let Some((h, m)) = t.split_once(':') {
        let m = number(m)?;
        if m >= 60.0 || m.fract() != 0.0 {
            return Err(bad());
        }
        number(h)? * 60.0 + m
    } else if let Some(m) = t
        .strip_suffix("minutes")
        .or_else(|| t.strip_suffix("mins"))
        .or_else(|| t.strip_suffix("min"))
        .or_else(|| t.strip_suffix('m'))
        .filter(|rest| !rest.contains('h'))
    {
        number(m)?
    } else if let Some((h, rest)) = t.split_once('h') {
        let rest = rest
            .trim_start_matches("ours")
            .trim_start_matches("our")
            .trim_start_matches("rs")
            .trim_start_matches('r')
            .trim();
        let rest = rest
            .strip_suffix("minutes")
            .or_else(|| rest.strip_suffix("mins"))
            .or_else(|| rest.strip_suffix("min"))
            .or_else(|| rest.strip_suffix('m'))
            .unwrap_or(rest);
        let m = if rest.trim().is_empty() {
            0.0
        } else {
            number(rest)?
        };
        if m >= 60.0 {
            return Err(bad());
        }
        number(h)? * 60.0 + m
    } else {
        number(&t)? * 60.0
    };
    if !(0.0..=24.0 * 60.0).contains(&minutes) {
        return Err("hours of headache must be between 0 and 24".to_owned());
    }
    Ok(minutes.round() as i64)
}

fn hours_text(minutes: u16) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// One of the last 28 days' figures.
#[derive(Debug, Clone)]
pub struct Figure {
    pub label: &'static str,
    pub value: String,
}

/// An earlier version of the day, for the history on the page.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub version: i64,
    /// "Replaced" or "Entered in error".
    pub what: &'static str,
    pub by: String,
    pub at: String,
    pub reason: String,
    /// What the version held, in words.
    pub held: String,
}

#[derive(Debug, Clone)]
pub struct RecentMedicine {
    pub text: String,
    pub checked: bool,
}

#[derive(askama::Template)]
#[template(path = "diary.html")]
struct DiaryPage {
    nav: Option<Nav>,
    patient_name: String,
    patient_id: Uuid,
    own: bool,
    date: String,
    date_label: String,
    recorded: bool,
    /// What is stored for the day, in words (a recorded day).
    stored: Option<String>,
    /// The version in force.
    version: i64,
    /// Earlier versions of the day, newest first.
    history: Vec<HistoryRow>,
    withdrawn: bool,
    reason: String,
    saved: bool,
    hours: String,
    intensity: &'static str,
    features: Vec<(&'static str, &'static str, bool)>,
    recent: Vec<RecentMedicine>,
    other_medicines: String,
    paroxysms: u32,
    notes: String,
    earliest: String,
    today: String,
    calendar: Calendar,
    figures: Vec<Figure>,
    figures_note: String,
    next_appointment: Option<String>,
    error: Option<String>,
    /// The share links, for those who may make them.
    share: Option<super::reports::ShareLinks>,
}

#[derive(Deserialize)]
pub(crate) struct DiaryQuery {
    date: Option<NaiveDate>,
    month: Option<String>,
    saved: Option<String>,
    withdrawn: Option<String>,
}

const FEATURES: [(&str, &str); 8] = [
    ("unilateral", "On one side"),
    ("pulsating", "Throbbing or pulsating"),
    ("aggravated_by_activity", "Worse with moving about"),
    ("nausea", "Nausea"),
    ("vomiting", "Vomiting"),
    ("photophobia", "Light bothered me"),
    ("phonophobia", "Noise bothered me"),
    ("aura", "Aura (visual or other warning signs)"),
];

fn medicine_text(m: &MedicationIntake) -> String {
    match &m.dose {
        Some(d) => format!("{} {d}", m.name),
        None => m.name.clone(),
    }
}

fn intensity_key(i: Intensity) -> &'static str {
    match i {
        Intensity::None => "none",
        Intensity::Mild => "mild",
        Intensity::Moderate => "moderate",
        Intensity::Severe => "severe",
    }
}

fn earliest_editable(who: &Principal, today: NaiveDate) -> NaiveDate {
    if who.user.role == cephalog_auth::Role::Patient {
        today - Duration::days(EDITABLE_DAYS_BACK)
    } else {
        NaiveDate::MIN
    }
}

async fn next_appointment(state: &AppState, patient: Uuid) -> Result<Option<String>, WebError> {
    let last = cephalog_app::treatment::last_headache_session(&state.store, patient).await?;
    Ok(last.map(|date| {
        let (from, to) = ScheduleWindow::default().due_dates(date);
        format!("Next treatment due between {from} and {to} (last session {date})")
    }))
}

#[allow(clippy::too_many_arguments)]
async fn build_page(
    state: &AppState,
    who: &Principal,
    r: &PatientRecord,
    date: NaiveDate,
    month: NaiveDate,
    draft: Option<DiaryDraft>,
    saved: bool,
    error: Option<String>,
) -> Result<DiaryPage, WebError> {
    let today = state.today();
    let window_start = today - Duration::days(27);
    let recent_from = date - Duration::days(RECENT_MEDICINE_DAYS);
    // Only the days the page shows or counts: the month's calendar, the last 28 days' figures,
    // the day itself and the days its recent medicines come from.
    let month_first = month.with_day(1).unwrap_or(month);
    let month_last = month_first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(month_first);
    let diary = cephalog_app::diary::between(
        &state.store,
        r.id,
        month_first.min(window_start).min(recent_from),
        month_last.max(today).max(date),
    )
    .await?;
    let existing = diary.get(date);
    let recorded = existing.is_some();
    let stored = existing.map(day_summary);
    let kept = cephalog_app::diary::day_history(&state.store, r.id, date).await?;
    let version = kept.last().map_or(1, |v| v.version + 1);
    let history = kept
        .iter()
        .rev()
        .map(|v| {
            Ok(HistoryRow {
                version: v.version,
                what: match v.action {
                    VersionAction::Corrected => "Replaced",
                    VersionAction::EnteredInError => "Entered in error",
                },
                by: v.changed_by.clone(),
                at: v.changed_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                reason: v.reason.clone(),
                held: day_summary(&v.diary_day()?),
            })
        })
        .collect::<Result<Vec<_>, WebError>>()?;
    let draft = draft.or_else(|| existing.map(DiaryDay::to_draft));
    let mut seen = BTreeSet::new();
    let taken: BTreeSet<String> = draft
        .as_ref()
        .map(|d| d.medications.iter().map(medicine_text).collect())
        .unwrap_or_default();
    let mut recent: Vec<RecentMedicine> = diary
        .days()
        .rev()
        .filter(|d| d.date() < date && d.date() >= recent_from)
        .flat_map(|d| {
            d.medications()
                .iter()
                .map(medicine_text)
                .collect::<Vec<_>>()
        })
        .filter(|t| seen.insert(t.clone()))
        .map(|text| RecentMedicine {
            checked: taken.contains(&text),
            text,
        })
        .collect();
    let others: Vec<String> = taken
        .iter()
        .filter(|t| !recent.iter().any(|r| &r.text == *t))
        .cloned()
        .collect();
    recent.truncate(8);
    let has_migraine = r.patient.has_migraine_diagnosis();
    let preset = DayPreset::default();
    let m = DateRange::new(window_start, today)
        .map(|range| PeriodMetrics::compute(&diary, range, preset, has_migraine));
    let (figures, figures_note) = match m {
        Some(m) => (
            vec![
                Figure {
                    label: "Days recorded",
                    value: format!("{} of {}", m.recorded_days, m.days),
                },
                Figure {
                    label: "Headache days",
                    value: m.headache_days.to_string(),
                },
                Figure {
                    label: "Migraine days",
                    value: m.migraine_days.to_string(),
                },
                Figure {
                    label: "Moderate or severe days",
                    value: m.moderate_severe_days.to_string(),
                },
                Figure {
                    label: "Headache hours",
                    value: format!("{:.1}", m.headache_hours),
                },
                Figure {
                    label: "Days with acute medicine",
                    value: m.acute_medication_days.any.to_string(),
                },
            ],
            format!(
                "{window_start} to {today}, {}. {}",
                preset.definition(),
                m.insufficient.unwrap_or("")
            ),
        ),
        None => (Vec::new(), String::new()),
    };
    let link_base = format!("/patients/{}/diary", r.id);
    let d = draft.unwrap_or_default();
    Ok(DiaryPage {
        nav: Some(Nav::for_user(who, &link_base)),
        patient_name: r.patient.name().to_owned(),
        patient_id: r.id,
        own: who.user.patient_id == Some(r.id),
        date: date.to_string(),
        date_label: if date == today {
            "today".to_owned()
        } else {
            date.format("%A %-d %B %Y").to_string()
        },
        recorded,
        stored,
        version,
        history,
        withdrawn: false,
        reason: String::new(),
        saved,
        hours: if d.headache_minutes.get() == 0 {
            String::new()
        } else {
            duration_text(d.headache_minutes.get())
        },
        intensity: intensity_key(d.peak_intensity),
        features: FEATURES
            .iter()
            .map(|(k, label)| (*k, *label, d.features.get(k).unwrap_or(false)))
            .collect(),
        recent,
        other_medicines: others.join(", "),
        paroxysms: d.paroxysms,
        notes: d.notes.clone(),
        earliest: earliest_editable(who, today)
            .max(today - Duration::days(3650))
            .max(r.patient.date_of_birth())
            .to_string(),
        today: today.to_string(),
        calendar: calendar(&diary, has_migraine, preset, month, today, &link_base),
        figures,
        figures_note,
        next_appointment: next_appointment(state, r.id).await?,
        error,
        share: if crate::policy::patient_access(&who.user, r, crate::policy::Need::Share).is_ok() {
            Some(super::reports::share_links(state, r, "diary").await?)
        } else {
            None
        },
    })
}

fn parse_month(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok()
}

async fn page(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<DiaryQuery>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::ReadDiary, "diary.read").await?;
    let today = state.today();
    let date = q.date.unwrap_or(today).min(today);
    let month = q.month.as_deref().and_then(parse_month).unwrap_or(date);
    let mut page = build_page(&state, &who, &r, date, month, None, q.saved.is_some(), None).await?;
    page.withdrawn = q.withdrawn.is_some();
    Ok(render(&page))
}

/// The form's fields, read from the raw pairs (checkboxes repeat a name).
fn draft_from_form(
    pairs: &[(String, String)],
    dictionary: &cephalog_core::DrugDictionary,
) -> Result<(NaiveDate, DiaryDraft), WebError> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let date: NaiveDate = get("date")
        .ok_or_else(|| WebError::invalid("date", "give the date of the entry"))?
        .parse()
        .map_err(|_| WebError::invalid("date", "the date must be written YYYY-MM-DD"))?;
    let no_headache = get("no_headache").is_some();
    let intensity: Intensity = if no_headache {
        Intensity::None
    } else {
        get("intensity")
            .unwrap_or("none")
            .parse()
            .map_err(|e| WebError::invalid("intensity", e))?
    };
    let minutes = if no_headache {
        0
    } else {
        match get("hours") {
            None => 0,
            Some(h) => duration_minutes(h).map_err(|e| WebError::invalid("hours", e))?,
        }
    };
    let headache_minutes = Minutes::new(minutes).map_err(|e| WebError::invalid("hours", e))?;
    let on = |k: &str| !no_headache && pairs.iter().any(|(n, _)| n == k);
    let features = Features {
        unilateral: on("unilateral"),
        pulsating: on("pulsating"),
        aggravated_by_activity: on("aggravated_by_activity"),
        nausea: on("nausea"),
        vomiting: on("vomiting"),
        photophobia: on("photophobia"),
        phonophobia: on("phonophobia"),
        aura: pairs.iter().any(|(n, _)| n == "aura"),
    };
    let mut medications = Vec::new();
    if !no_headache {
        for (_, text) in pairs.iter().filter(|(n, _)| n == "medicine") {
            medications.push(
                MedicationIntake::parse(text, dictionary)
                    .map_err(|e| WebError::invalid("medicine", e))?,
            );
        }
        if let Some(list) = get("other_medicines") {
            medications.extend(
                MedicationIntake::parse_list(list, dictionary)
                    .map_err(|e| WebError::invalid("other_medicines", e))?,
            );
        }
    }
    let paroxysms = match get("paroxysms") {
        None => 0,
        Some(p) => p
            .parse()
            .map_err(|_| WebError::invalid("paroxysms", format!("'{p}' is not a whole number")))?,
    };
    Ok((
        date,
        DiaryDraft {
            date: Some(date),
            headache_minutes,
            peak_intensity: intensity,
            features,
            medications,
            paroxysms,
            notes: get("notes").unwrap_or_default().to_owned(),
        },
    ))
}

async fn save(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::WriteDiary, "diary.write").await?;
    let today = state.today();
    let dictionary = cephalog_app::diary::dictionary(&state.store).await?;
    let (date, draft) = match draft_from_form(&pairs, &dictionary) {
        Ok(x) => x,
        Err(e) => {
            let date = pairs
                .iter()
                .find(|(k, _)| k == "date")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(today);
            let mut page = build_page(
                &state,
                &who,
                &r,
                date,
                date,
                None,
                false,
                Some(e.to_string()),
            )
            .await?;
            page.error = Some(e.to_string());
            return Ok((e.status(), render(&page)).into_response());
        }
    };
    if date < earliest_editable(&who, today) {
        return Err(PageError(WebError::invalid(
            "date",
            format!("days more than {EDITABLE_DAYS_BACK} days back are corrected by the clinic"),
        )));
    }
    let stored = cephalog_app::diary::between(&state.store, r.id, date, date).await?;
    let confirmed = pairs
        .iter()
        .any(|(k, v)| k == CONFIRM_FIELD && v == CONFIRM_VALUE);
    if stored.get(date).is_some() && !confirmed {
        // A recorded day is replaced only when asked for in so many words: a one-tap "No
        // headache" or a form for another day never overwrites what is stored.
        let message = format!(
            "{} is already recorded. Check what is stored below, then tick \"Replace the stored entry\" to replace it.",
            date.format("%A %-d %B %Y")
        );
        let mut page = build_page(
            &state,
            &who,
            &r,
            date,
            date,
            Some(draft),
            false,
            Some(message),
        )
        .await?;
        page.reason = reason_of(&pairs);
        return Ok((axum::http::StatusCode::CONFLICT, render(&page)).into_response());
    }
    let born = r.patient.date_of_birth();
    let day = match DiaryDay::record(date, draft.clone(), today)
        .and_then(|d| d.check_new_for(born).map(|()| d))
    {
        Ok(d) => d,
        Err(e) => {
            let page = build_page(
                &state,
                &who,
                &r,
                date,
                date,
                Some(draft),
                false,
                Some(e.to_string()),
            )
            .await?;
            return Ok(
                (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response(),
            );
        }
    };
    let change = crate::api::change(&who, Some(&reason_of(&pairs)), "replaced on the diary page");
    cephalog_app::diary::record(&state.store, r.id, &[day], Some(&change), &mut |_| {}).await?;
    audit::record(
        &state,
        &who,
        "diary.upsert",
        "diary_day",
        &date.to_string(),
        Some(r.id),
    )
    .await?;
    Ok(Redirect::to(&format!("/patients/{}/diary?date={date}&saved=1", r.id)).into_response())
}

fn reason_of(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == "reason")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

/// Marks the day entered in error (a reason is required): it stays in the day's history and
/// counts nowhere.
async fn entered_in_error(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::WriteDiary, "diary.write").await?;
    let today = state.today();
    let date: NaiveDate = pairs
        .iter()
        .find(|(k, _)| k == "date")
        .and_then(|(_, v)| v.trim().parse().ok())
        .ok_or_else(|| WebError::invalid("date", "the date must be written YYYY-MM-DD"))?;
    if date < earliest_editable(&who, today) {
        return Err(PageError(WebError::invalid(
            "date",
            format!("days more than {EDITABLE_DAYS_BACK} days back are corrected by the clinic"),
        )));
    }
    let reason = reason_of(&pairs);
    if reason.is_empty() {
        let page = build_page(
            &state,
            &who,
            &r,
            date,
            date,
            None,
            false,
            Some("Give the reason the entry was made in error.".to_owned()),
        )
        .await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    cephalog_app::diary::enter_day_in_error(
        &state.store,
        r.id,
        date,
        &crate::api::change(&who, Some(&reason), ""),
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
    Ok(Redirect::to(&format!("/patients/{}/diary?date={date}&withdrawn=1", r.id)).into_response())
}

#[cfg(test)]
mod tests {
    use super::{duration_minutes, duration_text};

    #[test]
    fn durations_as_patients_write_them() {
        for (text, minutes) in [
            ("3", 180),
            ("0.5", 30),
            ("1,5", 90),
            ("3:30", 210),
            ("15:38", 938),
            ("0:05", 5),
            ("2h", 120),
            ("2 h", 120),
            ("2 hours", 120),
            ("1h 30min", 90),
            ("1 h 30", 90),
            ("90 min", 90),
            ("45m", 45),
            ("90 minutes", 90),
            ("24", 1440),
            ("24:00", 1440),
            ("0", 0),
        ] {
            assert_eq!(duration_minutes(text), Ok(minutes), "{text}");
        }
        for bad in [
            "", "abc", "3:75", "-1", "24:01", "25", "1500 min", "2h 60", "1e2",
        ] {
            assert!(duration_minutes(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn stored_minutes_show_as_hours_and_minutes_and_read_back() {
        for minutes in [0u16, 5, 59, 60, 938, 1439, 1440] {
            let text = duration_text(minutes);
            assert_eq!(duration_minutes(&text), Ok(i64::from(minutes)), "{text}");
        }
        assert_eq!(duration_text(938), "15:38");
    }
}
