//! PDF downloads and share links through the real server, on both engines: the reports answer
//! `application/pdf`; a share link opens the visit summary without signing in until it expires or
//! is revoked, every opening is in the audit trail under `share:<link id>`, and an unknown,
//! expired or revoked token answers 404.

use std::process::{Command, Stdio};

use chrono::{Duration, Utc};
use serde_json::json;

use crate::harness::{App, Client, Download, TODAY, d};
use crate::story;

/// The token in a "share link made" page.
fn token_in(page: &str) -> String {
    let at = page.find("/share/").expect("a share link on the page") + "/share/".len();
    let token: String = page[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 64, "32 bytes in hex");
    token
}

#[track_caller]
fn assert_pdf(r: &Download, disposition: &str) {
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), "application/pdf");
    assert!(
        r.header("content-disposition").starts_with(disposition),
        "{}",
        r.header("content-disposition")
    );
    assert_eq!(r.header("cache-control"), "no-store");
    assert!(r.body.starts_with(b"%PDF-"));
}

async fn share_actions(app: &App, patient: &str) -> Vec<(String, String, String)> {
    let id = patient.parse().expect("uuid");
    app.store
        .audit_trail(Some(id))
        .await
        .expect("trail")
        .into_iter()
        .filter(|e| e.fields.action.starts_with("share."))
        .map(|e| (e.fields.actor, e.fields.action, e.fields.source))
        .collect()
}

async fn make_link(c: &Client, patient: &str, fields: &[(&str, &str)]) -> Download {
    c.post_form(&format!("/patients/{patient}/share-links"), fields)
        .await
}

/// The PDF's text by pdftotext, when poppler-utils is installed.
pub(crate) fn pdf_text(pdf: &[u8], test: &str) -> Option<String> {
    let installed = Command::new("pdftotext")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !installed {
        assert!(
            std::env::var_os("CEPHALOG_REQUIRE_PDFTOOLS").is_none(),
            "CEPHALOG_REQUIRE_PDFTOOLS is set but poppler-utils is not installed"
        );
        let _ = std::io::Write::write_all(
            &mut std::io::stderr().lock(),
            format!("SKIPPED (pdftotext): {test} — install poppler-utils to run it\n").as_bytes(),
        );
        return None;
    }
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(out.status.success());
    Some(String::from_utf8(out.stdout).expect("utf-8"))
}

story!(
    a_share_link_opens_the_visit_summary_until_revoked_and_every_opening_is_audited,
    |app: App| async move {
        let anna = app.seed.anna.clone();
        let patient = app.login("anna").await;
        let made = make_link(
            &patient,
            &anna,
            &[
                ("from", "2026-04-01"),
                ("to", "2026-06-30"),
                ("days", "14"),
                ("back", "diary"),
            ],
        )
        .await;
        assert_eq!(made.status, 201, "{}", made.text());
        let page = made.text();
        let token = token_in(&page);
        assert!(page.contains("shown only this once"), "{page}");
        let links = app
            .store
            .share_links(anna.parse().expect("uuid"))
            .await
            .expect("links");
        assert_eq!(links.len(), 1);
        let link = &links[0];
        assert_eq!(link.created_by, "patient:anna");
        assert_eq!(
            (link.period_from, link.period_to),
            (d("2026-04-01"), d("2026-06-30"))
        );
        let days = (link.expires_at - link.created_at).num_days();
        assert_eq!(days, 14, "the default expiry");
        let url_at = page.find("value=\"").expect("the link in a field") + "value=\"".len();
        let url: String = page[url_at..].chars().take_while(|c| *c != '"').collect();
        assert!(url.ends_with(&format!("/share/{token}")), "{url}");
        assert!(!url.contains(&anna), "the link names no patient: {url}");

        // The diary page lists it, without the token.
        let diary = patient
            .raw("GET", &format!("/patients/{anna}/diary"), None)
            .await;
        let listed = diary.body.as_str().unwrap_or_default().to_owned();
        assert!(listed.contains(&link.id.to_string()) && !listed.contains(&token));

        // Anyone with the link: twice, each opening audited with its source.
        let outside = app.anonymous();
        for _ in 0..2 {
            let pdf = outside.download(&format!("/share/{token}")).await;
            assert_pdf(&pdf, "inline");
        }
        let shared = outside.download(&format!("/share/{token}")).await;
        if let Some(text) = pdf_text(&shared.body, "share link PDF") {
            assert!(text.contains("Anna Example"), "{text}");
            assert!(text.contains("2026-04-01 to 2026-06-30"), "{text}");
        }
        let actor = format!("share:{}", link.id);
        let opened: Vec<_> = share_actions(&app, &anna)
            .await
            .into_iter()
            .filter(|(a, action, _)| *a == actor && action == "share.open")
            .collect();
        assert_eq!(opened.len(), 3, "{opened:?}");
        assert!(
            opened
                .iter()
                .all(|(_, _, source)| source == "share 127.0.0.1"),
            "{opened:?}"
        );

        // A clinician of the clinic revokes it: 404 from then on, and the attempt is recorded.
        let clinician = app.login("dr.north").await;
        let revoked = clinician
            .post_form(
                &format!("/patients/{anna}/share-links/{}/revoke", link.id),
                &[("back", "overview")],
            )
            .await;
        assert_eq!(revoked.status, 303);
        assert_eq!(
            revoked.header("location"),
            format!("/patients/{anna}#share-links")
        );
        let gone = outside.download(&format!("/share/{token}")).await;
        assert_eq!(gone.status, 404);
        assert!(!gone.body.starts_with(b"%PDF"));
        let actions = share_actions(&app, &anna).await;
        assert!(
            actions
                .iter()
                .any(|(a, action, _)| *a == actor && action == "share.open.denied")
        );
        assert!(
            actions
                .iter()
                .any(|(a, action, _)| a == "clinician:dr.north" && action == "share.revoke")
        );
        assert!(
            actions
                .iter()
                .any(|(a, action, _)| a == "patient:anna" && action == "share.create")
        );
        // Revoking again changes nothing; the overview shows it revoked.
        let again = clinician
            .post_form(
                &format!("/patients/{anna}/share-links/{}/revoke", link.id),
                &[("back", "overview")],
            )
            .await;
        assert_eq!(again.status, 303);
        let overview = clinician
            .raw("GET", &format!("/patients/{anna}"), None)
            .await;
        assert!(
            overview
                .body
                .as_str()
                .unwrap_or_default()
                .contains("revoked")
        );
        assert!(
            app.store
                .verify_audit()
                .await
                .expect("verify")
                .broken
                .is_none()
        );
    }
);

story!(
    expired_unknown_and_malformed_share_tokens_answer_404,
    |app: App| async move {
        let anna: uuid::Uuid = app.seed.anna.parse().expect("uuid");
        let now = Utc::now();
        let token = format!("{:064x}", 0xdead_beef_u64);
        let expired = app
            .store
            .add_share_link(
                &cephalog_store::NewShareLink {
                    patient_id: anna,
                    period_from: d("2026-04-01"),
                    period_to: d("2026-06-30"),
                    created_by: "clinician:dr.north".to_owned(),
                    created_at: now - Duration::days(15),
                    expires_at: now - Duration::seconds(1),
                },
                &cephalog_web::auth::token_hash(&token),
            )
            .await
            .expect("link");
        let outside = app.anonymous();
        assert_eq!(
            outside.download(&format!("/share/{token}")).await.status,
            404
        );
        let wrong = format!("{:064x}", 0xdead_beee_u64);
        assert_eq!(
            outside.download(&format!("/share/{wrong}")).await.status,
            404
        );
        for bad in ["abc", &"g".repeat(64), &format!("{token}0")] {
            assert_eq!(
                outside.download(&format!("/share/{bad}")).await.status,
                404,
                "{bad}"
            );
        }
        let trail = app.store.audit_trail(Some(anna)).await.expect("trail");
        let denied: Vec<_> = trail
            .iter()
            .filter(|e| e.fields.action == "share.open.denied")
            .collect();
        assert_eq!(denied.len(), 1, "only the known, expired link is recorded");
        assert_eq!(denied[0].fields.actor, format!("share:{}", expired.id));
        assert!(!trail.iter().any(|e| e.fields.action == "share.open"));
    }
);

story!(
    share_links_are_bounded_and_only_for_the_patient_and_their_clinic,
    |app: App| async move {
        let anna = app.seed.anna.clone();
        let clinician = app.login("dr.north").await;
        let nurse = app.login("nurse.north").await;
        for (days, status) in [
            ("0", 422),
            ("91", 422),
            ("two", 422),
            ("90", 201),
            ("1", 201),
        ] {
            let r = make_link(&clinician, &anna, &[("days", days)]).await;
            assert_eq!(r.status, status, "days={days}: {}", r.text());
        }
        let r = make_link(
            &nurse,
            &anna,
            &[("from", "2026-06-02"), ("to", "2026-06-01")],
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.text());
        let r = make_link(&nurse, &anna, &[("to", "2026-07-02")]).await;
        assert_eq!(r.status, 422, "a period after today ({TODAY})");
        assert_eq!(make_link(&nurse, &anna, &[]).await.status, 201);
        let longest = app
            .store
            .share_links(anna.parse().expect("uuid"))
            .await
            .expect("links")
            .into_iter()
            .map(|l| (l.expires_at - l.created_at).num_days())
            .max();
        assert_eq!(longest, Some(90));
        // Another clinic, another patient, an administrator: refused.
        assert_eq!(
            make_link(&app.login("dr.south").await, &anna, &[])
                .await
                .status,
            404
        );
        assert_eq!(
            make_link(&app.login("ben").await, &anna, &[]).await.status,
            404
        );
        assert_eq!(
            make_link(&app.login("admin.north").await, &anna, &[])
                .await
                .status,
            403
        );
        assert_eq!(make_link(&app.anonymous(), &anna, &[]).await.status, 303);
        let link = app
            .store
            .share_links(anna.parse().expect("uuid"))
            .await
            .expect("links")[0]
            .id;
        let r = app
            .login("ben")
            .await
            .post_form(&format!("/patients/{anna}/share-links/{link}/revoke"), &[])
            .await;
        assert_eq!(r.status, 404, "another patient cannot revoke");
        let carla = app.seed.carla.clone();
        let r = clinician
            .post_form(&format!("/patients/{carla}/share-links/{link}/revoke"), &[])
            .await;
        assert_eq!(r.status, 404, "the link is looked up under its own patient");
    }
);

story!(
    reports_download_as_pdf_from_the_record,
    |app: App| async move {
        let anna = app.seed.anna.clone();
        let clinician = app.login("dr.north").await;
        let session = clinician
            .api(
                "POST",
                &format!("/patients/{anna}/sessions"),
                Some(
                    &json!({"date": "2026-06-20", "vial_size": 200, "lot": "LOT-7Q2",
                    "expiry": "2027-03-31", "overrides": [{"check": "eligibility",
                    "reason": "payer approval on file"}]}),
                ),
            )
            .await;
        assert!(session.status < 300, "{}", session.body);
        let sid = app
            .store
            .sessions(anna.parse().expect("uuid"))
            .await
            .expect("sessions")[0]
            .id;

        let visit = clinician
            .download(&format!(
                "/patients/{anna}/reports/visit.pdf?from=2026-04-01&to=2026-06-30"
            ))
            .await;
        assert_pdf(&visit, "attachment");
        assert!(
            visit
                .header("content-disposition")
                .contains("visit-summary-2026-04-01-to-2026-06-30.pdf")
        );
        let metrics = clinician
            .api(
                "GET",
                &format!("/patients/{anna}/metrics?from=2026-04-01&to=2026-06-30&period=28d"),
                None,
            )
            .await
            .expect(200);
        if let Some(text) = pdf_text(&visit.body, "visit summary download") {
            for p in metrics["periods"].as_array().expect("periods") {
                let label = format!(
                    "{} to {}",
                    p["start"].as_str().expect("start"),
                    p["end"].as_str().expect("end")
                );
                let per28 = p["headache_days_per_28"]
                    .as_f64()
                    .map_or_else(|| "insufficient".to_owned(), |x| format!("{x:.1}"));
                let line = text
                    .lines()
                    .find(|l| l.contains(&label))
                    .unwrap_or_else(|| panic!("{label} in\n{text}"));
                assert!(line.contains(&per28), "{per28} in {line:?}");
            }
            assert!(
                text.contains("Meets diary criteria for 8.2.2"),
                "triptan overuse: {text}"
            );
        }
        assert_pdf(
            &clinician
                .download(&format!("/patients/{anna}/reports/visit.pdf"))
                .await,
            "attachment",
        );
        assert_eq!(
            clinician
                .download(&format!(
                    "/patients/{anna}/reports/visit.pdf?from=2026-07-01&to=2026-06-01"
                ))
                .await
                .status,
            422
        );

        let packet = clinician
            .download(&format!(
                "/patients/{anna}/reports/prior-auth.pdf?rules=nice-ta260"
            ))
            .await;
        assert_pdf(&packet, "attachment");
        if let Some(text) = pdf_text(&packet.body, "prior-auth download") {
            for word in [
                "MET",
                "NOT MET",
                "J0585",
                "64615",
                "as the last session on 2026-06-20",
            ] {
                assert!(text.contains(word), "{word} in\n{text}");
            }
        }
        assert_eq!(
            clinician
                .download(&format!(
                    "/patients/{anna}/reports/prior-auth.pdf?rules=nope"
                ))
                .await
                .status,
            422
        );

        let note = clinician
            .download(&format!("/patients/{anna}/sessions/{sid}/note.pdf"))
            .await;
        assert_pdf(&note, "attachment");
        if let Some(text) = pdf_text(&note.body, "session note download") {
            assert!(
                text.contains("LOT-7Q2") && text.contains("J0585-JW"),
                "{text}"
            );
        }
        let unknown = uuid::Uuid::now_v7();
        assert_eq!(
            clinician
                .download(&format!("/patients/{anna}/sessions/{unknown}/note.pdf"))
                .await
                .status,
            404
        );
        // The pages link to them.
        let session_page = clinician
            .raw("GET", &format!("/patients/{anna}/sessions/{sid}"), None)
            .await;
        assert!(
            session_page
                .body
                .as_str()
                .unwrap_or_default()
                .contains(&format!("/sessions/{sid}/note.pdf"))
        );
        let eligibility = clinician
            .raw(
                "GET",
                &format!("/patients/{anna}/eligibility?rules=wa-lni"),
                None,
            )
            .await;
        assert!(
            eligibility
                .body
                .as_str()
                .unwrap_or_default()
                .contains("prior-auth.pdf?rules=wa-lni")
        );
        let overview = clinician
            .raw("GET", &format!("/patients/{anna}"), None)
            .await;
        assert!(
            overview
                .body
                .as_str()
                .unwrap_or_default()
                .contains("/reports/visit.pdf")
        );
        // A patient downloads their own visit summary (as a share link would show it), not
        // another patient's, and not the clinical reports.
        let own = app.login("anna").await;
        let mine = own
            .download(&format!("/patients/{anna}/reports/visit.pdf"))
            .await;
        assert_eq!(mine.status, 200);
        assert!(mine.body.starts_with(b"%PDF"));
        let ben = app.seed.ben.clone();
        assert_eq!(
            own.download(&format!("/patients/{ben}/reports/visit.pdf"))
                .await
                .status,
            404
        );
        assert_eq!(
            own.download(&format!("/patients/{anna}/reports/prior-auth.pdf"))
                .await
                .status,
            403
        );
        let trail = app
            .store
            .audit_trail(Some(anna.parse().expect("uuid")))
            .await
            .expect("trail");
        for action in ["report.visit", "report.prior-auth", "report.session"] {
            assert!(trail.iter().any(|e| e.fields.action == action), "{action}");
        }
    }
);
