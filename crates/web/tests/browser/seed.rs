//! The clinic the browser tests run against: realistic chronic-migraine diaries, deterministic.

use chrono::{Datelike, Duration, NaiveDate};
use uuid::Uuid;

use cephalog_auth::{Role, Username};
use cephalog_core::preventives::{PreventiveDraft, PreventiveOutcome, PreventiveTrial};
use cephalog_core::{
    Diagnosis, DiagnosisCode, DiaryDay, DiaryDraft, DrugDictionary, Features, Intensity,
    MedicationIntake, Minutes, Patient, Sex,
};
use cephalog_store::Store;

/// "Today" for the server in every browser test: a Wednesday in mid-month, so this month's
/// calendar has days still to come.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 18).expect("date")
}

pub const CLINIC: &str = "Riverside Headache Clinic";
pub const OTHER_CLINIC: &str = "Northside Neurology";
/// Every seeded account's password.
pub const PASSWORD: &str = "browser-test-passphrase";

pub const CLINICIAN: &str = "dr.ruiz";
pub const NURSE: &str = "nurse.patel";
pub const ADMIN: &str = "admin";
pub const PATIENT: &str = "maria";
pub const OTHER_PATIENT: &str = "tom";
pub const OTHER_CLINIC_PATIENT: &str = "nora";

pub const PATIENT_NAME: &str = "Maria Lopez";
pub const OTHER_PATIENT_NAME: &str = "Tom Becker";
pub const OTHER_CLINIC_PATIENT_NAME: &str = "Nora Quist";

/// The seeded records the tests refer to.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// Maria Lopez: chronic migraine, three preventives failed, never treated; her diary stops a
    /// week before today, so the last week is hers to fill in.
    pub patient: Uuid,
    /// Tom Becker, same clinic, the same history, his diary kept up to today.
    pub other_patient: Uuid,
    /// Nora Quist, the other clinic.
    pub other_clinic_patient: Uuid,
}

/// Days the patient fills in herself in the diary journey: the last seven, today included.
pub const OPEN_DAYS: i64 = 7;

/// The diaries' generator seeds: Maria's, Tom's and Nora's.
const SEEDS: [u64; 3] = [
    0x9E37_79B9_7F4A_7C15,
    0x2545_F491_4F6C_DD1D,
    0x1405_7B7E_F767_814F,
];

/// A small deterministic generator (xorshift), so the diaries look irregular but never change.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A chronic-migraine diary from `first` to `last`: in a usual week five headache days of 4 h or
/// more, three of them migraine-like (moderate or severe, one-sided, throbbing, with nausea and
/// light sensitivity) and two milder, which makes about 20 headache and 12 migraine days in 28.
fn chronic_migraine_diary(
    seed: u64,
    first: NaiveDate,
    last: NaiveDate,
    triptan: &str,
    analgesic: &str,
) -> Vec<DiaryDay> {
    let dictionary = DrugDictionary::builtin();
    let medicine = |text: &str| MedicationIntake::parse(text, &dictionary).expect("medicine");
    let mut rng = Rng(seed);
    let mut days = Vec::new();
    let mut date = first;
    while date <= last {
        // The patient's usual week (M = migraine, H = milder headache, - = free), with a day
        // now and then going the other way.
        let kind = match (
            b"MMH-MH-"[date.weekday().num_days_from_monday() as usize],
            rng.below(100),
        ) {
            (b'M', 0..8) => b'H',
            (b'H', 0..20) => b'M',
            (b'H', 20..28) => b'-',
            (b'-', 0..15) => b'H',
            (kind, _) => kind,
        };
        let draft = match kind {
            b'M' => {
                let mut medications = Vec::new();
                if rng.chance(70) {
                    medications.push(medicine(triptan));
                }
                if rng.chance(25) {
                    medications.push(medicine(analgesic));
                }
                DiaryDraft {
                    headache_minutes: Minutes::new(60 * (4 + rng.below(12) as i64))
                        .expect("minutes"),
                    peak_intensity: if rng.chance(45) {
                        Intensity::Severe
                    } else {
                        Intensity::Moderate
                    },
                    features: Features {
                        unilateral: true,
                        pulsating: true,
                        aggravated_by_activity: rng.chance(70),
                        nausea: true,
                        vomiting: rng.chance(10),
                        photophobia: true,
                        phonophobia: rng.chance(80),
                        aura: false,
                    },
                    medications,
                    notes: if rng.chance(10) {
                        "poor sleep".to_owned()
                    } else {
                        String::new()
                    },
                    ..Default::default()
                }
            }
            b'H' => DiaryDraft {
                headache_minutes: Minutes::new(60 * (4 + rng.below(5) as i64)).expect("minutes"),
                peak_intensity: if rng.chance(70) {
                    Intensity::Mild
                } else {
                    Intensity::Moderate
                },
                features: Features {
                    photophobia: rng.chance(20),
                    ..Default::default()
                },
                medications: if rng.chance(40) {
                    vec![medicine(analgesic)]
                } else {
                    Vec::new()
                },
                ..Default::default()
            },
            _ => DiaryDraft::default(),
        };
        days.push(DiaryDay::record(date, draft, today()).expect("diary day"));
        date += Duration::days(1);
    }
    days
}

fn patient(name: &str, dob: (i32, u32, u32), sex: Sex, mrn: &str) -> Patient {
    let dob = NaiveDate::from_ymd_opt(dob.0, dob.1, dob.2).expect("date");
    let mut p = Patient::new(
        name,
        dob,
        Some(sex),
        Some(mrn.to_owned()),
        String::new(),
        today(),
    )
    .expect("patient");
    for (code, onset) in [
        (DiagnosisCode::MigraineWithoutAura, 2012),
        (DiagnosisCode::ChronicMigraine, 2021),
    ] {
        p.diagnose(Diagnosis {
            code,
            onset: NaiveDate::from_ymd_opt(onset, 5, 1),
        })
        .expect("diagnosis");
    }
    p
}

/// Three preventives tried and stopped, as the rule sets ask before botulinum toxin.
fn failed_preventives() -> Vec<PreventiveTrial> {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
    [
        (
            "propranolol",
            d(2023, 1, 10),
            d(2023, 4, 20),
            PreventiveOutcome::NotEffective,
            "no fewer headache days after 14 weeks at 80 mg twice daily",
        ),
        (
            "topiramate",
            d(2023, 6, 1),
            d(2023, 7, 25),
            PreventiveOutcome::NotTolerated,
            "paraesthesia and word-finding difficulty",
        ),
        (
            "amitriptyline",
            d(2024, 2, 1),
            d(2024, 6, 1),
            PreventiveOutcome::NotEffective,
            "no benefit at 30 mg at night after 16 weeks",
        ),
    ]
    .into_iter()
    .map(|(drug, start, stop, outcome, reason)| {
        PreventiveTrial::new(PreventiveDraft {
            drug: drug.to_owned(),
            class: None,
            start,
            stop,
            dose: None,
            outcome: Some(outcome),
            reason: reason.to_owned(),
        })
        .expect("preventive")
    })
    .collect()
}

/// Fills an empty store: two clinics, their staff and patients, about four months of diary each.
pub async fn seed(store: &Store) -> Seeded {
    let home = store.clinic(CLINIC).await.expect("clinic");
    let other = store.clinic(OTHER_CLINIC).await.expect("clinic");
    let first = today() - Duration::days(120);

    let maria = store
        .add_patient_in(
            home,
            &patient(PATIENT_NAME, (1984, 3, 2), Sex::Female, "H-1001"),
        )
        .await
        .expect("patient");
    let maria_days = chronic_migraine_diary(
        SEEDS[0],
        first,
        today() - Duration::days(OPEN_DAYS),
        "sumatriptan 50 mg",
        "ibuprofen 400 mg",
    );
    store
        .import_days(maria.id, &maria_days, None, &mut |_| {})
        .await
        .expect("diary");
    for t in failed_preventives() {
        store
            .add_preventive(maria.id, &t, today())
            .await
            .expect("preventive");
    }

    let tom = store
        .add_patient_in(
            home,
            &patient(OTHER_PATIENT_NAME, (1979, 11, 14), Sex::Male, "H-1002"),
        )
        .await
        .expect("patient");
    let tom_days = chronic_migraine_diary(
        SEEDS[1],
        first,
        today(),
        "rizatriptan 10 mg",
        "paracetamol 1 g",
    );
    store
        .import_days(tom.id, &tom_days, None, &mut |_| {})
        .await
        .expect("diary");
    for t in failed_preventives() {
        store
            .add_preventive(tom.id, &t, today())
            .await
            .expect("preventive");
    }

    let nora = store
        .add_patient_in(
            other,
            &patient(
                OTHER_CLINIC_PATIENT_NAME,
                (1990, 7, 21),
                Sex::Female,
                "N-2001",
            ),
        )
        .await
        .expect("patient");
    let nora_days = chronic_migraine_diary(
        SEEDS[2],
        first,
        today(),
        "zolmitriptan 2.5 mg",
        "naproxen 500 mg",
    );
    store
        .import_days(nora.id, &nora_days, None, &mut |_| {})
        .await
        .expect("diary");

    let hash = cephalog_auth::hash_password(PASSWORD).expect("hash");
    let accounts = [
        (CLINICIAN, "Dr Ana Ruiz", Role::Clinician, None, CLINIC),
        (NURSE, "Sam Patel RN", Role::Nurse, None, CLINIC),
        (ADMIN, "Alex Admin", Role::Admin, None, CLINIC),
        (PATIENT, PATIENT_NAME, Role::Patient, Some(maria.id), CLINIC),
        (
            OTHER_PATIENT,
            OTHER_PATIENT_NAME,
            Role::Patient,
            Some(tom.id),
            CLINIC,
        ),
        (
            OTHER_CLINIC_PATIENT,
            OTHER_CLINIC_PATIENT_NAME,
            Role::Patient,
            Some(nora.id),
            OTHER_CLINIC,
        ),
    ];
    for (username, name, role, patient, clinic) in accounts {
        store
            .add_user(
                clinic,
                Username::new(username).expect("username"),
                name,
                role,
                patient,
                &hash,
            )
            .await
            .expect("user");
    }
    Seeded {
        patient: maria.id,
        other_patient: tom.id,
        other_clinic_patient: nora.id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cephalog_core::metrics::{DateRange, PeriodMetrics};
    use cephalog_core::preset::DayPreset;

    /// The seeded diaries are chronic migraine by the numbers: at least 15 headache and 8 migraine
    /// days in every 28, and not the same count every time.
    #[test]
    fn the_seeded_diaries_are_chronic_migraine() {
        let last = today();
        let first = last - Duration::days(120);
        for seed in SEEDS {
            let diary = cephalog_core::Diary::new(chronic_migraine_diary(
                seed,
                first,
                last,
                "sumatriptan 50 mg",
                "ibuprofen 400 mg",
            ))
            .expect("diary");
            let mut counts = std::collections::BTreeSet::new();
            let mut end = last;
            while end - Duration::days(27) >= first {
                let range = DateRange::new(end - Duration::days(27), end).expect("range");
                let m = PeriodMetrics::compute(&diary, range, DayPreset::default(), true);
                assert!(m.headache_days >= 15, "{m:?}");
                assert!(m.migraine_days >= 8, "{m:?}");
                counts.insert((m.headache_days, m.migraine_days));
                end -= Duration::days(1);
            }
            assert!(counts.len() > 1, "{counts:?}");
        }
    }
}
