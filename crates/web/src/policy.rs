//! Who may do what. One table, used by every route: the route names what it needs, this decides.
//!
//! - A patient reads and writes their own diary and questionnaires, reads their own results
//!   (metrics, calendar, next appointment) and downloads their own visit summary, nothing else.
//! - A clinician reads and writes the clinical record of the patients of their clinic and records
//!   treatment sessions, signing them as the prescriber.
//! - A nurse does what a clinician does except attest overuse management (a prescriber's act) and
//!   read the access log (the clinician's and administrator's oversight). A nurse records a toxin
//!   session they injected only with the prescribing clinician named: the session stores the
//!   prescriber (an enabled clinician of the same clinic, who signs it) beside the injector. A
//!   clinician recording a session is its prescriber unless they name another clinician.
//! - A patient, or a clinician or nurse of their clinic, may share the patient's visit summary
//!   with a doctor outside the clinic through an expiring, read-only link.
//! - An administrator manages the users of their clinic and reads the access log of its patients,
//!   but not their clinical record.
//! - The cohort report (the clinic's treatment figures, aggregated, no patient named) is
//!   oversight, like the access log: clinicians and administrators read their clinic's; an
//!   administrator may also ask for the whole installation's. Nurses, who read every record of
//!   the clinic for care, do not read the oversight reports; patients never do.

use cephalog_auth::Role;
use cephalog_store::{PatientRecord, UserRecord};
use uuid::Uuid;

/// What a route needs of one patient's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Diary days, metrics, calendar, next appointment.
    ReadDiary,
    /// Enter or correct diary days.
    WriteDiary,
    /// Enter questionnaires (MIDAS, HIT-6): patients fill them in themselves.
    WriteQuestionnaire,
    /// Classification, eligibility, preventives, sessions, response, questionnaires, adverse
    /// events.
    ReadClinical,
    /// Preventives, adverse events, nerve-block relief.
    WriteClinical,
    /// Attest medication-overuse management: clinicians only.
    Prescribe,
    /// Record a botulinum-toxin session: clinicians, and nurses with the prescriber named.
    RecordSession,
    /// Download the doctor-visit summary: the patient for their own record, and their clinic's
    /// clinicians and nurses.
    VisitSummary,
    /// Who read or changed this patient's record.
    ReadAccessLog,
    /// Make, list and revoke expiring read-only links to the patient's visit summary: the patient
    /// for their own record, and their clinic's clinicians and nurses.
    Share,
}

/// What a route needs of the clinic as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClinicNeed {
    /// The patient list, worklist, schedule and clinic-wide adverse events.
    Worklist,
    /// Add patients.
    AddPatient,
    /// Add, disable and reset users of the clinic.
    ManageUsers,
    /// The clinic's cohort report: clinicians and administrators.
    Cohort,
}

/// Whose patients a cohort report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CohortScope {
    /// The user's clinic.
    Clinic,
    /// Every clinic of the installation: administrators only.
    Installation,
}

/// Why access was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The record is outside the user's reach (another clinic, another patient): answered as if it
    /// did not exist.
    OutOfScope,
    /// The record is in reach but the role may not do this.
    RoleMayNot,
}

fn role_may(role: Role, need: Need) -> bool {
    use Need::*;
    match role {
        Role::Patient => matches!(
            need,
            ReadDiary | WriteDiary | WriteQuestionnaire | Share | VisitSummary
        ),
        Role::Clinician => true,
        Role::Nurse => !matches!(need, Prescribe | ReadAccessLog),
        Role::Admin => need == ReadAccessLog,
    }
}

/// May `user` do `need` to `patient`?
pub fn patient_access(
    user: &UserRecord,
    patient: &PatientRecord,
    need: Need,
) -> Result<(), Denial> {
    if user.disabled {
        return Err(Denial::OutOfScope);
    }
    let in_scope = match user.role {
        Role::Patient => user.patient_id == Some(patient.id),
        Role::Clinician | Role::Nurse | Role::Admin => user.clinic_id == patient.clinic_id,
    };
    if !in_scope {
        Err(Denial::OutOfScope)
    } else if !role_may(user.role, need) {
        Err(Denial::RoleMayNot)
    } else {
        Ok(())
    }
}

/// May `user` do `need` in their clinic?
pub fn clinic_access(user: &UserRecord, need: ClinicNeed) -> Result<(), Denial> {
    let ok = !user.disabled
        && match need {
            ClinicNeed::Worklist | ClinicNeed::AddPatient => {
                matches!(user.role, Role::Clinician | Role::Nurse)
            }
            ClinicNeed::ManageUsers => user.role == Role::Admin,
            ClinicNeed::Cohort => matches!(user.role, Role::Clinician | Role::Admin),
        };
    if ok { Ok(()) } else { Err(Denial::RoleMayNot) }
}

/// May `user` read the cohort report over `scope`?
pub fn cohort_access(user: &UserRecord, scope: CohortScope) -> Result<(), Denial> {
    clinic_access(user, ClinicNeed::Cohort)?;
    match scope {
        CohortScope::Clinic => Ok(()),
        CohortScope::Installation if user.role == Role::Admin => Ok(()),
        CohortScope::Installation => Err(Denial::RoleMayNot),
    }
}

/// May `admin` manage `target` (same clinic, and not themselves for disabling)?
pub fn user_access(admin: &UserRecord, target_clinic: Uuid) -> Result<(), Denial> {
    clinic_access(admin, ClinicNeed::ManageUsers)?;
    if admin.clinic_id == target_clinic {
        Ok(())
    } else {
        Err(Denial::OutOfScope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cephalog_auth::Username;
    use cephalog_core::{Patient, Sex};
    use chrono::{NaiveDate, Utc};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn patient(clinic: Uuid) -> PatientRecord {
        PatientRecord {
            id: Uuid::now_v7(),
            clinic_id: clinic,
            patient: Patient::new(
                "P",
                d("1980-01-01"),
                Some(Sex::Female),
                None,
                String::new(),
                d("2026-01-01"),
            )
            .expect("patient"),
            created_at: Utc::now(),
        }
    }

    fn user(role: Role, clinic: Uuid, patient: Option<Uuid>) -> UserRecord {
        UserRecord {
            id: Uuid::now_v7(),
            clinic_id: clinic,
            clinic: "c".into(),
            username: Username::new("someone").expect("name"),
            display_name: "Someone".into(),
            role,
            patient_id: patient,
            disabled: false,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn every_role_need_and_scope() {
        use Need::*;
        let (home, away) = (Uuid::now_v7(), Uuid::now_v7());
        let mine = patient(home);
        let neighbour = patient(home);
        let elsewhere = patient(away);
        let all = [
            ReadDiary,
            WriteDiary,
            WriteQuestionnaire,
            ReadClinical,
            WriteClinical,
            Prescribe,
            RecordSession,
            VisitSummary,
            ReadAccessLog,
            Share,
        ];
        let me = user(Role::Patient, home, Some(mine.id));
        for need in all {
            let own = patient_access(&me, &mine, need);
            let expected_own = matches!(
                need,
                ReadDiary | WriteDiary | WriteQuestionnaire | Share | VisitSummary
            );
            assert_eq!(own.is_ok(), expected_own, "patient {need:?} own");
            assert_eq!(
                patient_access(&me, &neighbour, need),
                Err(Denial::OutOfScope),
                "patient {need:?} other"
            );
        }
        for role in [Role::Clinician, Role::Nurse, Role::Admin] {
            let u = user(role, home, None);
            for need in all {
                let expected = match role {
                    Role::Clinician => true,
                    Role::Nurse => !matches!(need, Prescribe | ReadAccessLog),
                    _ => need == ReadAccessLog,
                };
                assert_eq!(
                    patient_access(&u, &neighbour, need).is_ok(),
                    expected,
                    "{role:?} {need:?}"
                );
                assert_eq!(
                    patient_access(&u, &elsewhere, need),
                    Err(Denial::OutOfScope),
                    "{role:?} {need:?} other clinic"
                );
            }
        }
        let mut gone = user(Role::Clinician, home, None);
        gone.disabled = true;
        assert!(patient_access(&gone, &neighbour, ReadDiary).is_err());
    }

    #[test]
    fn sharing_is_for_the_patient_and_their_clinics_clinicians_and_nurses() {
        let (home, away) = (Uuid::now_v7(), Uuid::now_v7());
        let mine = patient(home);
        let neighbour = patient(home);
        let me = user(Role::Patient, home, Some(mine.id));
        assert_eq!(patient_access(&me, &mine, Need::Share), Ok(()));
        assert_eq!(
            patient_access(&me, &neighbour, Need::Share),
            Err(Denial::OutOfScope)
        );
        for role in [Role::Clinician, Role::Nurse] {
            assert_eq!(
                patient_access(&user(role, home, None), &mine, Need::Share),
                Ok(())
            );
            assert_eq!(
                patient_access(&user(role, away, None), &mine, Need::Share),
                Err(Denial::OutOfScope)
            );
        }
        assert_eq!(
            patient_access(&user(Role::Admin, home, None), &mine, Need::Share),
            Err(Denial::RoleMayNot)
        );
    }

    #[test]
    fn clinic_needs() {
        let c = Uuid::now_v7();
        for (role, worklist, users, cohort, installation) in [
            (Role::Clinician, true, false, true, false),
            (Role::Nurse, true, false, false, false),
            (Role::Admin, false, true, true, true),
            (Role::Patient, false, false, false, false),
        ] {
            let u = user(role, c, (role == Role::Patient).then(Uuid::now_v7));
            assert_eq!(clinic_access(&u, ClinicNeed::Worklist).is_ok(), worklist);
            assert_eq!(clinic_access(&u, ClinicNeed::ManageUsers).is_ok(), users);
            assert_eq!(cohort_access(&u, CohortScope::Clinic).is_ok(), cohort);
            assert_eq!(
                cohort_access(&u, CohortScope::Installation).is_ok(),
                installation
            );
        }
        let mut gone = user(Role::Admin, c, None);
        gone.disabled = true;
        assert!(cohort_access(&gone, CohortScope::Clinic).is_err());
        let admin = user(Role::Admin, c, None);
        assert!(user_access(&admin, c).is_ok());
        assert_eq!(user_access(&admin, Uuid::now_v7()), Err(Denial::OutOfScope));
    }
}
