//! What patients, clinicians and administrators do, in a real browser.

use chrono::{Duration, NaiveDate};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::json;

use cephalog_core::Intensity;

use crate::harness::{self, Ctx, DESKTOP, PHONE};
use crate::seed::{self, today};

fn long_date(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

/// The "Last 28 days" figure with that label on the diary page.
async fn figure(b: &Ctx, label: &str) -> String {
    for f in b.find_all("dl.figures > div").await {
        let dt = f
            .find(fantoccini::Locator::Css("dt"))
            .await
            .expect("dt")
            .text()
            .await
            .expect("text");
        if dt == label {
            return f
                .find(fantoccini::Locator::Css("dd"))
                .await
                .expect("dd")
                .text()
                .await
                .expect("text");
        }
    }
    panic!("no figure {label:?} on the diary page");
}

async fn figure_number(b: &Ctx, label: &str) -> u32 {
    let text = figure(b, label).await;
    text.parse()
        .unwrap_or_else(|_| panic!("figure {label:?} is {text:?}, not a number"))
}

/// One headache day as entered through the diary form.
struct Entry {
    date: NaiveDate,
    intensity: &'static str,
    hours: &'static str,
    features: &'static [&'static str],
    /// Medicines ticked among the recent ones, one tap each.
    recent: &'static [&'static str],
    other: &'static str,
    notes: &'static str,
}

async fn enter_headache_day(b: &Ctx, patient: uuid::Uuid, e: &Entry) {
    b.goto(&format!("/patients/{patient}/diary?date={}", e.date))
        .await;
    assert_eq!(
        b.find("#date")
            .await
            .prop("value")
            .await
            .expect("date value")
            .as_deref(),
        Some(e.date.to_string().as_str()),
        "the form is for the day asked for"
    );
    b.click(&format!("input[name=intensity][value={}]", e.intensity))
        .await;
    b.fill("#hours", e.hours).await;
    for f in [
        "unilateral",
        "pulsating",
        "aggravated_by_activity",
        "nausea",
        "vomiting",
        "photophobia",
        "phonophobia",
        "aura",
    ] {
        b.set_checked(&format!("input[name={f}]"), e.features.contains(&f))
            .await;
    }
    for m in e.recent {
        b.set_checked(&format!("input[name=medicine][value=\"{m}\"]"), true)
            .await;
    }
    b.fill("#other_medicines", e.other).await;
    b.fill("#notes", e.notes).await;
    b.click("form.diary-form button[type=submit]").await;
    b.wait_for_path(&format!(
        "/patients/{patient}/diary?date={}&saved=1",
        e.date
    ))
    .await;
    assert!(
        b.text("p.ok[role=status]").await.contains("Saved"),
        "no confirmation after saving {}",
        e.date
    );
}

async fn one_tap_no_headache(b: &Ctx, patient: uuid::Uuid, date: NaiveDate) {
    b.goto(&format!("/patients/{patient}/diary?date={date}"))
        .await;
    let button = b.find("form.quick button[type=submit]").await;
    assert_eq!(
        button.text().await.expect("button text"),
        format!("No headache on {}", long_date(date))
    );
    button.click().await.expect("one tap");
    b.wait_for_path(&format!("/patients/{patient}/diary?date={date}&saved=1"))
        .await;
}

/// A patient signs in and records a week: headache days through the form (the medicine typed on
/// the first day is one tap away on the next), headache-free days with the one-tap button. The
/// days are stored as entered and the last-28-days figures move.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patient_records_a_week_of_diary() {
    harness::run("patient_records_a_week_of_diary", |b| async move {
        let me = b.seeded.patient;
        b.sign_in(seed::PATIENT).await;
        assert_eq!(b.path().await, format!("/patients/{me}/diary"));
        assert_eq!(b.text("h1").await, "My headache diary");
        b.axe("the diary page").await;
        assert_eq!(figure(&b, "Days recorded").await, "21 of 28");
        let headache_before = figure_number(&b, "Headache days").await;
        let medicine_before = figure_number(&b, "Days with acute medicine").await;

        let day = |n: i64| today() - Duration::days(seed::OPEN_DAYS - 1 - n);
        enter_headache_day(
            &b,
            me,
            &Entry {
                date: day(0),
                intensity: "severe",
                hours: "8",
                features: &[
                    "unilateral",
                    "pulsating",
                    "aggravated_by_activity",
                    "nausea",
                    "photophobia",
                    "phonophobia",
                ],
                recent: &[],
                other: "naproxen 500 mg",
                notes: "woke with it",
            },
        )
        .await;
        one_tap_no_headache(&b, me, day(1)).await;
        // The medicine typed on the first day is now among the recent ones.
        b.goto(&format!("/patients/{me}/diary?date={}", day(2)))
            .await;
        b.axe("the diary form with recent medicines").await;
        enter_headache_day(
            &b,
            me,
            &Entry {
                date: day(2),
                intensity: "moderate",
                hours: "5",
                features: &["pulsating", "photophobia", "nausea", "unilateral"],
                recent: &["naproxen 500 mg"],
                other: "",
                notes: "",
            },
        )
        .await;
        one_tap_no_headache(&b, me, day(3)).await;
        enter_headache_day(
            &b,
            me,
            &Entry {
                date: day(4),
                intensity: "mild",
                hours: "1.5",
                features: &[],
                recent: &[],
                other: "",
                notes: "after a long drive",
            },
        )
        .await;
        enter_headache_day(
            &b,
            me,
            &Entry {
                date: day(5),
                intensity: "severe",
                hours: "12",
                features: &[
                    "unilateral",
                    "pulsating",
                    "nausea",
                    "vomiting",
                    "photophobia",
                    "phonophobia",
                    "aura",
                ],
                recent: &["sumatriptan 50 mg", "naproxen 500 mg"],
                other: "",
                notes: "",
            },
        )
        .await;
        enter_headache_day(
            &b,
            me,
            &Entry {
                date: day(6),
                intensity: "moderate",
                hours: "4",
                features: &["pulsating", "photophobia"],
                recent: &["sumatriptan 50 mg"],
                other: "",
                notes: "",
            },
        )
        .await;
        b.axe("the diary page after saving").await;

        // Stored as entered.
        let diary = b.store.diary(me).await.expect("diary");
        let stored = |n: i64| diary.get(day(n)).expect("the day is stored");
        let meds = |n: i64| -> Vec<String> {
            stored(n)
                .medications()
                .iter()
                .map(|m| m.display_text())
                .collect()
        };
        assert_eq!(stored(0).peak_intensity(), Intensity::Severe);
        assert_eq!(stored(0).headache_minutes(), 8 * 60);
        assert!(stored(0).features().nausea && !stored(0).features().vomiting);
        assert_eq!(stored(0).notes(), "woke with it");
        assert_eq!(meds(0).len(), 1, "{:?}", meds(0));
        assert!(meds(0)[0].contains("naproxen"), "{:?}", meds(0));
        for free in [1, 3] {
            assert_eq!(stored(free).headache_minutes(), 0);
            assert!(stored(free).medications().is_empty());
        }
        assert_eq!(meds(2), meds(0), "the one-tap medicine is the one typed");
        assert_eq!(stored(4).peak_intensity(), Intensity::Mild);
        assert_eq!(stored(4).headache_minutes(), 90);
        assert!(stored(5).features().aura && stored(5).features().vomiting);
        assert_eq!(meds(5).len(), 2, "{:?}", meds(5));
        assert_eq!(stored(6).headache_minutes(), 4 * 60);
        assert_eq!(meds(6).len(), 1, "{:?}", meds(6));

        // The figures and the calendar show the week.
        b.goto(&format!("/patients/{me}/diary")).await;
        assert_eq!(figure(&b, "Days recorded").await, "28 of 28");
        // Four new headache days: the 1.5-hour one is under the 4 hours the figures' day
        // definition asks for.
        assert_eq!(
            figure_number(&b, "Headache days").await,
            headache_before + 4
        );
        assert_eq!(
            figure_number(&b, "Days with acute medicine").await,
            medicine_before + 4
        );
        let cell = b
            .find(&format!("td.day a[href=\"?date={}\"]", day(5)))
            .await;
        let label = cell.attr("aria-label").await.expect("label");
        assert_eq!(
            label.as_deref(),
            Some(
                format!(
                    "{}: severe headache, 12 h, migraine day, acute medicine",
                    long_date(day(5))
                )
                .as_str()
            )
        );
        let free = b
            .find(&format!("td.day a[href=\"?date={}\"]", day(1)))
            .await;
        assert_eq!(
            free.attr("aria-label").await.expect("label").as_deref(),
            Some(format!("{}: no headache", long_date(day(1))).as_str())
        );

        // A day more than a week back is the clinic's to correct.
        let old = today() - Duration::days(10);
        b.goto(&format!("/patients/{me}/diary?date={old}")).await;
        assert_eq!(
            b.find("#date")
                .await
                .attr("min")
                .await
                .expect("min")
                .as_deref(),
            Some((today() - Duration::days(7)).to_string().as_str())
        );
    })
    .await;
}

/// A patient opens a past day that holds a 15-hour severe migraine: she sees what is stored and
/// no one-tap "No headache"; saving without confirming replaces nothing; after confirming, the
/// day is replaced and the old version shows in the day's history, axe-clean at desktop and phone
/// widths.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patient_replaces_a_recorded_day_only_after_confirming() {
    harness::run(
        "patient_replaces_a_recorded_day_only_after_confirming",
        |b| async move {
            let me = b.seeded.patient;
            let day = today() - Duration::days(seed::OPEN_DAYS - 1);
            let migraine = cephalog_core::DiaryDay::restore(
                day,
                cephalog_core::DiaryDraft {
                    date: Some(day),
                    headache_minutes: cephalog_core::Minutes::new(15 * 60).expect("minutes"),
                    peak_intensity: Intensity::Severe,
                    features: cephalog_core::Features {
                        unilateral: true,
                        pulsating: true,
                        nausea: true,
                        ..Default::default()
                    },
                    medications: Vec::new(),
                    paroxysms: 0,
                    notes: "the worst in months".into(),
                },
            )
            .expect("valid day");
            b.store
                .import_days(me, std::slice::from_ref(&migraine), None, &mut |_| {})
                .await
                .expect("stored");
            b.sign_in(seed::PATIENT).await;
            b.goto(&format!("/patients/{me}/diary?date={day}")).await;
            // What is stored is shown; "No headache" is not offered for a recorded day.
            let stored = b.text("#stored-entry").await;
            assert!(stored.starts_with("Severe headache for 15 h"), "{stored}");
            assert!(stored.contains("the worst in months"), "{stored}");
            assert!(
                b.find_all("form.quick").await.is_empty(),
                "no one-tap button"
            );
            assert!(!b.main_text().await.contains("No headache on"));
            for width in [DESKTOP, PHONE] {
                b.set_width(width).await;
                b.axe(&format!("a recorded day at {width} px")).await;
                b.fits_the_screen(&format!("a recorded day at {width} px"))
                    .await;
                b.screenshot("diary-recorded-day", width).await;
            }
            b.set_width(DESKTOP).await;

            // The patient corrects it to a headache-free day but forgets to confirm: nothing is
            // replaced, and the page asks.
            b.click("input[name=intensity][value=none]").await;
            b.fill("#hours", "").await;
            for f in ["unilateral", "pulsating", "nausea"] {
                b.set_checked(&format!("input[name={f}]"), false).await;
            }
            b.fill("#notes", "").await;
            b.click("form.diary-form button[type=submit]").await;
            let alert = b
                .wait_for("p.error[role=alert]")
                .await
                .text()
                .await
                .expect("text");
            assert!(alert.contains("already recorded"), "{alert}");
            let kept = b.store.diary(me).await.expect("diary");
            assert_eq!(
                kept.get(day),
                Some(&migraine),
                "nothing replaced without confirming"
            );

            // Confirmed, with a reason: replaced, and the old version is in the history.
            b.set_checked("#replace", true).await;
            b.fill("#reason", "I mixed up the days").await;
            b.click("form.diary-form button[type=submit]").await;
            b.wait_for_path(&format!("/patients/{me}/diary?date={day}&saved=1"))
                .await;
            assert_eq!(b.text("#stored-entry").await, "No headache");
            let history = b.text("section.history").await;
            assert!(history.contains("Version 1"), "{history}");
            assert!(history.contains("Severe headache for 15 h"), "{history}");
            assert!(history.contains("Replaced by patient:maria"), "{history}");
            assert!(history.contains("I mixed up the days"), "{history}");
            for width in [DESKTOP, PHONE] {
                b.set_width(width).await;
                b.axe(&format!("a day's history at {width} px")).await;
                b.fits_the_screen(&format!("a day's history at {width} px"))
                    .await;
                b.screenshot("diary-history", width).await;
            }
            let diary = b.store.diary(me).await.expect("diary");
            assert_eq!(diary.get(day).map(|d| d.headache_minutes()), Some(0));
            let versions = b.store.diary_day_history(me, day).await.expect("history");
            assert_eq!(versions.len(), 1);
            assert_eq!(versions[0].diary_day().expect("kept"), migraine);
            assert_eq!(versions[0].changed_by, "patient:maria");
        },
    )
    .await;
}

/// A patient reaches nothing of another patient's: pages about them answer "not found" and show
/// none of their data, a form posted from the page for them is refused and changes nothing, and
/// clinic and admin pages answer 403.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patient_cannot_open_another_patients_record() {
    harness::run(
        "patient_cannot_open_another_patients_record",
        |b| async move {
            let me = b.seeded.patient;
            b.sign_in(seed::PATIENT).await;
            let others = [b.seeded.other_patient, b.seeded.other_clinic_patient];
            let secrets = [
                seed::OTHER_PATIENT_NAME,
                "H-1002",
                seed::OTHER_CLINIC_PATIENT_NAME,
                "N-2001",
                "rizatriptan",
                "zolmitriptan",
            ];
            for other in others {
                for path in [
                    format!("/patients/{other}/diary"),
                    format!("/patients/{other}/diary?date={}", today()),
                    format!("/patients/{other}"),
                    format!("/patients/{other}/access-log"),
                ] {
                    b.goto(&path).await;
                    assert_eq!(b.text("h1").await, "404 — Not Found", "{path}");
                    let page = b.source().await;
                    for s in secrets {
                        assert!(!page.contains(s), "{path} shows {s:?}");
                    }
                    assert!(
                        b.find_all("form.diary-form").await.is_empty(),
                        "{path} offers a diary form"
                    );
                }
            }
            b.axe("the not-found page").await;

            // Own record, but not the clinical overview.
            b.goto(&format!("/patients/{me}")).await;
            assert_eq!(b.text("h1").await, "403 — Forbidden");
            for path in ["/worklist", "/patients", "/admin/users"] {
                b.goto(path).await;
                assert_eq!(b.text("h1").await, "403 — Forbidden", "{path}");
                let page = b.source().await;
                for s in secrets {
                    assert!(!page.contains(s), "{path} shows {s:?}");
                }
            }
            b.axe("the forbidden page").await;

            // A diary entry for someone else, posted from the patient's own page, is refused.
            let other = b.seeded.other_patient;
            let before = b.store.diary(other).await.expect("diary");
            b.goto(&format!("/patients/{me}/diary")).await;
            let status = b
                .client
                .execute_async(
                    "const [url, body, done] = arguments;
                 fetch(url, { method: 'POST', body: new URLSearchParams(body),
                              credentials: 'same-origin', redirect: 'manual' })
                   .then((r) => done(r.status)).catch((e) => done(String(e)));",
                    vec![
                        json!(format!("/patients/{other}/diary")),
                        json!({"date": today().to_string(), "intensity": "severe", "hours": "3"}),
                    ],
                )
                .await
                .expect("fetch");
            assert_eq!(status, json!(404));
            assert_eq!(b.store.diary(other).await.expect("diary"), before);

            // Each refusal is in the other patient's access log.
            let denied: Vec<String> = b
                .store
                .audit_trail(Some(other))
                .await
                .expect("audit trail")
                .into_iter()
                .filter(|e| e.fields.actor == format!("patient:{}", seed::PATIENT))
                .map(|e| e.fields.action)
                .collect();
            assert!(denied.iter().all(|a| a.ends_with(".denied")), "{denied:?}");
            assert!(
                denied.contains(&"diary.write.denied".to_owned()),
                "{denied:?}"
            );
            assert!(
                denied.contains(&"diary.read.denied".to_owned()),
                "{denied:?}"
            );
        },
    )
    .await;
}

/// A clinician signs in, finds the patient awaiting an eligibility decision on the worklist and
/// opens his record (patients of another clinic appear nowhere), sees every criterion of the FDA
/// label met, records a PREEMPT session with two follow-the-pain sites (checked, then saved) and
/// sees the response table start from it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clinician_treats_a_patient_from_the_worklist() {
    harness::run(
        "clinician_treats_a_patient_from_the_worklist",
        |b| async move {
            let tom = b.seeded.other_patient;
            b.sign_in(seed::CLINICIAN).await;
            assert_eq!(b.path().await, "/worklist");
            b.axe("the worklist").await;
            for section in [
                "overdue",
                "due",
                "too-early",
                "awaiting-eligibility",
                "flagged-events",
                "quiet-diaries",
            ] {
                b.find(&format!("section#{section} h2")).await;
            }
            let page = b.source().await;
            assert!(!page.contains(seed::OTHER_CLINIC_PATIENT_NAME));
            let link = b
                .find(&format!(
                    "#awaiting-eligibility a[href=\"/patients/{tom}\"]"
                ))
                .await;
            assert_eq!(link.text().await.expect("text"), seed::OTHER_PATIENT_NAME);
            link.click().await.expect("open the patient");
            b.wait_for_path(&format!("/patients/{tom}")).await;
            assert_eq!(b.text(".patient-head h1").await, seed::OTHER_PATIENT_NAME);
            let head = b.text(".patient-head p").await;
            assert!(head.contains("MRN H-1002"), "{head}");
            assert!(head.contains("1.3"), "{head}");
            let findings = b.text("section[aria-labelledby=cls-h] dl.findings").await;
            assert!(findings.contains("Chronic migraine"), "{findings}");
            b.axe("the patient overview").await;

            // The diary tab: the clinic's view of the same diary.
            b.click(&format!(".patient-head a[href=\"/patients/{tom}/diary\"]"))
                .await;
            b.wait_for_path(&format!("/patients/{tom}/diary")).await;
            assert_eq!(
                b.text("h1").await,
                format!("Diary of {}", seed::OTHER_PATIENT_NAME)
            );
            b.axe("the clinic's view of the diary").await;

            // Another clinic's patient is not found.
            b.goto(&format!("/patients/{}", b.seeded.other_clinic_patient))
                .await;
            assert_eq!(b.text("h1").await, "404 — Not Found");

            // Eligibility: every criterion of the FDA label met, with the preventives tried.
            b.goto(&format!("/patients/{tom}")).await;
            b.click(&format!(
                ".patient-head a[href=\"/patients/{tom}/eligibility\"]"
            ))
            .await;
            b.wait_for_path(&format!("/patients/{tom}/eligibility"))
                .await;
            let verdict = b.text("#verdict").await;
            assert!(verdict.starts_with("Eligible"), "{verdict}");
            let ledger = b.text("#preventives").await;
            for drug in ["propranolol", "topiramate", "amitriptyline"] {
                assert!(ledger.contains(drug), "{ledger}");
            }
            b.axe("the eligibility page").await;

            // A PREEMPT session with two follow-the-pain sites: checked, then saved.
            b.goto(&format!("/patients/{tom}/sessions/new?plan=preempt-ftp"))
                .await;
            let fixed = b.find_all("input[name=site]:not([data-ftp]):checked").await;
            assert_eq!(fixed.len(), 31, "the 31 PREEMPT sites are ticked");
            assert!(
                b.find_all("input[name=site][data-ftp]:checked")
                    .await
                    .is_empty(),
                "no follow-the-pain site is ticked to start with"
            );
            if b.find("details#ftp")
                .await
                .attr("open")
                .await
                .expect("open")
                .is_none()
            {
                b.click("details#ftp > summary").await;
            }
            let mut extra = Vec::new();
            for muscle in ["temporalis-left-", "occipitalis-right-"] {
                let mut first = None;
                for cb in b.find_all("input[name=site][data-ftp]").await {
                    let value = cb.attr("value").await.expect("value").unwrap_or_default();
                    if value.starts_with(muscle) {
                        first = Some((cb, value));
                        break;
                    }
                }
                let (cb, value) =
                    first.unwrap_or_else(|| panic!("no follow-the-pain site {muscle}*"));
                cb.click().await.expect("tick a follow-the-pain site");
                extra.push(value);
            }
            assert_eq!(b.text("#running-total").await, "165 U at 33 sites");
            b.fill("#lot", "C4021AB").await;
            // A date field's typing order follows the browser's locale: set the value directly.
            b.client
                .execute(
                    "document.getElementById('expiry').value = arguments[0];",
                    vec![json!((today() + Duration::days(300)).to_string())],
                )
                .await
                .expect("expiry");
            b.axe("the session form").await;
            b.click("button[name=action][value=check]").await;
            b.wait_for("#check-result").await;
            assert_eq!(b.text("#units-given").await, "165 U");
            assert_eq!(b.text("#sites-given").await, "33");
            assert_eq!(b.text("#waste").await, "35 U");
            let billing = b.text("#billing").await;
            assert!(billing.contains("J0585"), "{billing}");
            assert!(
                b.text("#check-result p.ok[role=status]")
                    .await
                    .contains("may be saved"),
                "the checks refuse nothing"
            );
            b.axe("the session check").await;
            b.click("button[name=action][value=save]").await;
            b.wait_until_left(&format!("/patients/{tom}/sessions"))
                .await;
            let detail = b.path().await;
            assert!(
                detail.starts_with(&format!("/patients/{tom}/sessions/")),
                "after saving: {detail}"
            );
            assert_eq!(b.text("#units-given").await, "165 U");
            assert_eq!(b.text("#sites-given").await, "33");
            for key in &extra {
                b.find(&format!("tr[data-site-row=\"{key}\"]")).await;
            }
            for width in [DESKTOP, PHONE] {
                b.set_width(width).await;
                b.axe(&format!("the session page at {width} px")).await;
                b.screenshot("session", width).await;
            }
            b.set_width(DESKTOP).await;
            let sessions = b.store.sessions(tom).await.expect("sessions");
            assert_eq!(sessions.len(), 1);
            assert_eq!(sessions[0].session.date(), today());
            assert_eq!(sessions[0].session.units_given(), 165);

            // The response page counts from the new session.
            b.click(&format!(
                ".patient-head a[href=\"/patients/{tom}/response\"]"
            ))
            .await;
            b.wait_for_path(&format!("/patients/{tom}/response")).await;
            let baseline = b.text("#baseline").await;
            assert!(!baseline.contains("insufficient"), "{baseline}");
            let table = b.text("#response-table").await;
            assert!(table.contains(&today().to_string()), "{table}");
            for width in [DESKTOP, PHONE] {
                b.set_width(width).await;
                b.axe(&format!("the response page at {width} px")).await;
                b.screenshot("response", width).await;
            }
        },
    )
    .await;
}

/// The pages people use, at desktop and phone widths: axe-core finds no serious or critical
/// violation, nothing is wider than the screen, and each is saved as a screenshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_accessible_at_desktop_and_phone_widths() {
    harness::run(
        "pages_are_accessible_at_desktop_and_phone_widths",
        |b| async move {
            let maria = b.seeded.patient;
            let tour: Vec<(Option<&str>, &str, String)> = vec![
                (None, "login", "/login".to_owned()),
                (
                    Some(seed::PATIENT),
                    "diary",
                    format!("/patients/{maria}/diary"),
                ),
                (
                    Some(seed::PATIENT),
                    "not-found",
                    format!("/patients/{}/diary", b.seeded.other_patient),
                ),
                (Some(seed::CLINICIAN), "worklist", "/worklist".to_owned()),
                (Some(seed::CLINICIAN), "patients", "/patients".to_owned()),
                (
                    Some(seed::CLINICIAN),
                    "patient",
                    format!("/patients/{maria}"),
                ),
                (
                    Some(seed::CLINICIAN),
                    "clinic-diary",
                    format!("/patients/{maria}/diary"),
                ),
                (
                    Some(seed::CLINICIAN),
                    "access-log",
                    format!("/patients/{maria}/access-log"),
                ),
                (
                    Some(seed::CLINICIAN),
                    "eligibility",
                    format!("/patients/{maria}/eligibility"),
                ),
                (
                    Some(seed::CLINICIAN),
                    "sessions",
                    format!("/patients/{maria}/sessions"),
                ),
                (
                    Some(seed::CLINICIAN),
                    "session-form",
                    format!("/patients/{maria}/sessions/new?plan=preempt-ftp"),
                ),
                (
                    Some(seed::CLINICIAN),
                    "questionnaires",
                    format!("/patients/{maria}/questionnaires"),
                ),
                (
                    Some(seed::CLINICIAN),
                    "response-untreated",
                    format!("/patients/{maria}/response"),
                ),
                (
                    Some(seed::CLINICIAN),
                    "adverse-events",
                    format!("/patients/{maria}/adverse-events"),
                ),
                (
                    Some(seed::CLINICIAN),
                    "adverse-event-form",
                    format!("/patients/{maria}/adverse-events/new"),
                ),
                (
                    Some(seed::CLINICIAN),
                    "clinic-adverse-events",
                    "/adverse-events".to_owned(),
                ),
                (Some(seed::CLINICIAN), "cohort", "/cohort".to_owned()),
                (Some(seed::NURSE), "nurse-worklist", "/worklist".to_owned()),
                (Some(seed::ADMIN), "users", "/admin/users".to_owned()),
                (
                    Some(seed::ADMIN),
                    "admin-patients",
                    "/admin/patients".to_owned(),
                ),
                (
                    Some(seed::ADMIN),
                    "cohort-installation",
                    "/cohort?scope=installation".to_owned(),
                ),
                (Some(seed::ADMIN), "forbidden", "/worklist".to_owned()),
            ];
            let mut signed_in: Option<&str> = None;
            for (user, page, path) in &tour {
                if signed_in != *user {
                    if signed_in.is_some() {
                        b.sign_out().await;
                    }
                    if let Some(u) = user {
                        b.sign_in(u).await;
                    }
                    signed_in = *user;
                }
                for width in [DESKTOP, PHONE] {
                    b.set_width(width).await;
                    b.goto(path).await;
                    b.axe(&format!("{page} at {width} px")).await;
                    b.fits_the_screen(&format!("{page} at {width} px")).await;
                    b.screenshot(page, width).await;
                }
            }
        },
    )
    .await;
}

/// The sign-in form works from the keyboard alone: Tab from the top of the page reaches the
/// username after the skip link and the brand, Tab moves to the password, Enter signs in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_works_with_the_keyboard_alone() {
    harness::run("sign_in_works_with_the_keyboard_alone", |b| async move {
        b.goto("/login").await;
        let focused = async || -> String {
            b.client
                .execute(
                    "const e = document.activeElement;
                     return e.id || e.className || e.tagName.toLowerCase();",
                    vec![],
                )
                .await
                .expect("script")
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        let press = async |keys: &str| {
            let mut actions = KeyActions::new("keyboard".to_owned());
            for c in keys.chars() {
                actions = actions
                    .then(KeyAction::Down { value: c })
                    .then(KeyAction::Up { value: c });
            }
            b.client
                .perform_actions(actions)
                .await
                .expect("key presses");
        };
        let tab = char::from(Key::Tab);
        let mut order = Vec::new();
        for _ in 0..3 {
            press(&tab.to_string()).await;
            order.push(focused().await);
        }
        assert_eq!(order, ["skip", "brand", "username"]);
        press(seed::PATIENT).await;
        press(&tab.to_string()).await;
        assert_eq!(focused().await, "password");
        press(seed::PASSWORD).await;
        press(&char::from(Key::Enter).to_string()).await;
        b.wait_until_left("/login").await;
        assert_eq!(
            b.path().await,
            format!("/patients/{}/diary", b.seeded.patient)
        );
    })
    .await;
}

/// The pages' Content-Security-Policy is in force in the browser: the app's own script file is the
/// only script on a page, and a script written into the page does not run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_script_is_blocked_by_the_content_security_policy() {
    harness::run(
        "inline_script_is_blocked_by_the_content_security_policy",
        |b| async move {
            b.goto("/login").await;
            let own = b
                .client
                .execute("return [...document.scripts].map((s) => s.src);", vec![])
                .await
                .expect("script");
            assert_eq!(own, json!([b.url("/static/app.js")]));
            let outcome = b
                .client
                .execute_async(
                    "const done = arguments[arguments.length - 1];
                     let refused = null;
                     document.addEventListener('securitypolicyviolation',
                       (e) => { refused = e.violatedDirective; });
                     const s = document.createElement('script');
                     s.textContent = 'window.injected = true;';
                     document.body.appendChild(s);
                     setTimeout(() => done({ ran: window.injected === true, refused }), 200);",
                    vec![],
                )
                .await
                .expect("script");
            assert_eq!(outcome["ran"], json!(false), "{outcome}");
            assert_eq!(outcome["refused"], json!("script-src-elem"), "{outcome}");
        },
    )
    .await;
}

/// A patient injected ten days ago reports dysphagia five days later: the worklist flags it for
/// urgent review. The clinician opens the case, says what was decided and acknowledges it; the
/// acknowledgement (who, when, decision) shows on the case and the flag leaves the worklist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clinician_acknowledges_an_urgent_review() {
    use cephalog_core::protocol::Plan;
    use cephalog_core::safety::{
        ActionTaken, AdverseEvent, AdverseEventDraft, Causality, EventOutcome, ReporterDraft,
    };
    use cephalog_core::session::{
        CheckPolicy, Indication, Product, Session, SessionDraft, SiteDose, VialSize,
    };
    harness::run("clinician_acknowledges_an_urgent_review", |b| async move {
        let tom = b.seeded.other_patient;
        let given = today() - Duration::days(10);
        let session = Session::record(
            SessionDraft {
                date: given,
                indication: Indication::ChronicMigraine,
                product: Product::OnabotulinumtoxinA,
                vial_size: VialSize::U200,
                vials: 1,
                lot: "C4021AB".to_owned(),
                expiry: today() + Duration::days(300),
                diluent: VialSize::U200.protocol_diluent(),
                sites: SiteDose::from_plan(&Plan::preempt()),
                injector: "Dr Ana Ruiz".to_owned(),
                prescriber: Some("Dr Ana Ruiz".to_owned()),
                notes: String::new(),
            },
            today(),
        )
        .expect("session");
        b.store
            .record_session(tom, &session, None, &[], &CheckPolicy::default())
            .await
            .expect("recorded");
        let event = AdverseEvent::try_from(AdverseEventDraft {
            reported_term: "dysphagia".to_owned(),
            meddra_code: None,
            onset: given + Duration::days(5),
            resolution: None,
            ctcae_grade: 2,
            seriousness: Vec::new(),
            action_taken: ActionTaken::NotApplicable,
            outcome: EventOutcome::Recovering,
            causality: Causality::PossiblyRelated,
            reporter: ReporterDraft::default(),
            awareness_date: given + Duration::days(6),
            narrative: "Difficulty swallowing solids from day 5.".to_owned(),
            suspect_products: Vec::new(),
        })
        .expect("event");
        let case = b.store.add_adverse_event(tom, &event).await.expect("case");

        b.sign_in(seed::CLINICIAN).await;
        assert_eq!(b.path().await, "/worklist");
        let flagged = b.text("section#flagged-events").await;
        assert!(flagged.contains("URGENT REVIEW"), "{flagged}");
        assert!(flagged.contains("dysphagia"), "{flagged}");

        b.goto(&format!("/adverse-events/{case}")).await;
        let alert = b.text("#urgent-review").await;
        assert!(alert.contains("URGENT REVIEW"), "{alert}");
        for width in [DESKTOP, PHONE] {
            b.set_width(width).await;
            b.axe(&format!("the urgent review at {width} px")).await;
            b.screenshot("urgent-review", width).await;
        }
        b.set_width(DESKTOP).await;
        let decision = "Seen in clinic today; swallow recovered; next session without the \
                            cervical paraspinal sites.";
        b.fill("#decision", decision).await;
        b.click("#acknowledge button[type=submit]").await;
        b.wait_for("#ack-by").await;
        assert_eq!(b.text("#ack-by").await, "Dr Ana Ruiz");
        assert_eq!(b.text("#ack-decision").await, decision);
        assert!(
            b.find_all("#acknowledge").await.is_empty(),
            "an acknowledged review offers no second acknowledgement"
        );
        for width in [DESKTOP, PHONE] {
            b.set_width(width).await;
            b.axe(&format!("the acknowledged review at {width} px"))
                .await;
            b.screenshot("urgent-review-acknowledged", width).await;
        }
        b.set_width(DESKTOP).await;

        b.goto("/worklist").await;
        let flagged = b.text("section#flagged-events").await;
        assert!(!flagged.contains("URGENT REVIEW"), "{flagged}");
        let acks = b
            .store
            .urgent_review_acks(Some(tom))
            .await
            .expect("acknowledgements");
        assert_eq!(acks.len(), 1);
        assert_eq!(acks[0].event, case);
        assert_eq!(acks[0].decision, decision);
    })
    .await;
}

/// A clinician opens the cohort report from the navigation after two patients' first sessions:
/// every section is a table, axe-clean at desktop and phone widths; a reversed age range is
/// refused on the page (422) naming the field, with the form kept as it was filled in; a filter
/// nobody matches says so and names the filters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clinician_reads_the_cohort_report() {
    use cephalog_core::protocol::Plan;
    use cephalog_core::session::{
        CheckPolicy, Indication, Product, Session, SessionDraft, SiteDose, VialSize,
    };
    harness::run("clinician_reads_the_cohort_report", |b| async move {
        for (patient, days_ago) in [(b.seeded.other_patient, 70), (b.seeded.patient, 42)] {
            let session = Session::record(
                SessionDraft {
                    date: today() - Duration::days(days_ago),
                    indication: Indication::ChronicMigraine,
                    product: Product::OnabotulinumtoxinA,
                    vial_size: VialSize::U200,
                    vials: 1,
                    lot: "C4021AB".to_owned(),
                    expiry: today() + Duration::days(300),
                    diluent: VialSize::U200.protocol_diluent(),
                    sites: SiteDose::from_plan(&Plan::preempt()),
                    injector: "Dr Ana Ruiz".to_owned(),
                    prescriber: Some("Dr Ana Ruiz".to_owned()),
                    notes: String::new(),
                },
                today(),
            )
            .expect("session");
            b.store
                .record_session(patient, &session, None, &[], &CheckPolicy::default())
                .await
                .expect("recorded");
        }

        b.sign_in(seed::CLINICIAN).await;
        b.click("header nav a[href='/cohort']").await;
        b.wait_for("#selection").await;
        assert_eq!(b.path().await, "/cohort");
        let selection = b
            .text("#selection-table")
            .await
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(selection.contains("Selected 2"), "{selection}");
        for section in [
            "#cycles-table",
            "#comparators-table",
            "#at-risk-table",
            "#sessions-table",
            "#safety-table",
            "#safety-published-table",
        ] {
            b.find(section).await;
        }
        let cycles = b.text("#cycles-table").await;
        assert!(cycles.contains("95 % CI"), "{cycles}");
        assert!(
            b.text("#comparators-table")
                .await
                .contains("[unverified default]"),
            "the unverified comparators are marked"
        );
        let main = b.main_text().await.to_lowercase();
        for word in ["responder", "has chronic", "is a responder"] {
            assert!(!main.contains(word), "the page says '{word}'");
        }
        for width in [DESKTOP, PHONE] {
            b.set_width(width).await;
            b.axe(&format!("the cohort report at {width} px")).await;
            b.fits_the_screen(&format!("the cohort report at {width} px"))
                .await;
            b.screenshot("cohort-report", width).await;
        }
        b.set_width(DESKTOP).await;

        // A reversed age range: refused on the page, the form kept.
        b.fill("#age_min", "60").await;
        b.fill("#age_max", "40").await;
        b.click("#filters button[type=submit]").await;
        b.wait_for("#cohort-error").await;
        let error = b.text("#cohort-error").await;
        assert!(error.contains("age_min"), "{error}");
        assert_eq!(
            b.find("#age_min")
                .await
                .attr("aria-invalid")
                .await
                .expect("attribute")
                .as_deref(),
            Some("true")
        );
        assert_eq!(
            b.find("#age_max")
                .await
                .prop("value")
                .await
                .expect("value")
                .as_deref(),
            Some("40")
        );
        assert!(b.find_all("#selection").await.is_empty());
        for width in [DESKTOP, PHONE] {
            b.set_width(width).await;
            b.axe(&format!("the refused cohort filter at {width} px"))
                .await;
            b.fits_the_screen(&format!("the refused cohort filter at {width} px"))
                .await;
        }
        b.set_width(DESKTOP).await;

        // Nobody matches: said, with the filters named.
        b.goto("/cohort?first_session_from=2020-01-01&first_session_to=2020-12-31")
            .await;
        let none = b.text("#no-match").await;
        assert!(none.contains("No patients match"), "{none}");
        assert!(
            none.contains("first session 2020-01-01..2020-12-31"),
            "{none}"
        );
        b.axe("the empty cohort report").await;

        let trail = b.store.audit_trail(None).await.expect("trail");
        let reads: Vec<_> = trail
            .iter()
            .filter(|e| e.fields.entity == "cohort")
            .map(|e| (e.fields.action.as_str(), e.fields.detail.as_str()))
            .collect();
        assert!(
            reads
                .iter()
                .any(|(a, d)| *a == "cohort.read" && d.ends_with("; 2 patient(s)")),
            "{reads:?}"
        );
        assert!(
            reads
                .iter()
                .any(|(a, d)| *a == "cohort.read.refused" && d.starts_with("age_min: ")),
            "{reads:?}"
        );
    })
    .await;
}
