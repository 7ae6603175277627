//! Every clinical number Cephalog uses, in one place, each with its source.
//!
//! Each value's doc comment names its primary source by a short name (ICHD-3, the FDA label,
//! PREEMPT, COMPEL, NICE TA260, ICH E2D, …); `docs/SOURCES.md` gives every short name's full
//! citation once.
//!
//! # Status marks
//!
//! Every sourced value carries one of three marks, saying how far its source was checked:
//!
//! - **[V]** verified: read in the primary source itself (the classification, the label, the
//!   trial paper, the regulation) or in a faithful copy of it.
//! - **[V2]** verified secondarily: not read in the primary source, but restated consistently by
//!   several independent secondary sources (reviews, payer policies, clinic guidance).
//! - **[U]** unverified: no source confirmed it. Cephalog encodes such a value only as a
//!   documented, overridable default (a rule-set field, a constant named here), and every output
//!   that rests on one carries [`UNVERIFIED_MARK`], so a clinician sees that the figure is a
//!   default to check, not a fact.
//!
//! Cephalog supports clinical judgement and never replaces it: outputs say a patient "meets diary
//! criteria for" a diagnosis, never that the patient "has" it.

/// Shown beside every output that rests on a value marked [U] (see the status marks above).
pub const UNVERIFIED_MARK: &str = "[unverified default]";

/// Minutes in a calendar day: the upper bound of headache minutes on one diary day.
pub const MINUTES_PER_DAY: u16 = 1440;

/// `label-4h` preset: a headache day has at least 4 h of headache. FDA label indication wording
/// ("headache lasting 4 hours a day or longer") [V2]; PREEMPT baseline "≥15 headache days lasting
/// ≥4 h" [V2]. Whether the 4 h must be continuous is [U]; Cephalog sums the day's minutes.
pub const LABEL_HEADACHE_DAY_MINUTES: u16 = 240;

/// `ihs-30min` preset: a headache day has at least 30 min of headache, or any headache treated with
/// acute medication. van der Arend 2023 e-diary proposal [V]; the IHS guideline wording [U].
pub const IHS_HEADACHE_DAY_MINUTES: u16 = 30;

/// A migraine day by ICHD-3 1.1 C+D needs a headache of at least 30 min [V].
pub const MIGRAINE_DAY_MIN_MINUTES: u16 = 30;

/// ICHD-3 1.1 B: untreated attacks last 4–72 h [V]. A day with at least this many minutes, or one
/// on which an acute medicine was taken (a treated attack), satisfies the duration condition.
pub const MIGRAINE_ATTACK_MIN_MINUTES: u16 = 240;

/// Trial convention for normalising counts: per 28 days (PREEMPT primary endpoint) [V].
pub const NORMALISATION_DAYS: u32 = 28;

/// Diary completeness below which a period's counts are "insufficient diary data", never a number.
/// A Cephalog default, 80 % [U]: the IHS diary guidelines (Silberstein 2008, Tassorelli 2018) were
/// not read in full.
pub const COMPLETENESS_FLOOR_PERCENT: u32 = 80;

/// Reason given wherever completeness is below [`COMPLETENESS_FLOOR_PERCENT`].
pub const INSUFFICIENT_DIARY_DATA: &str = "insufficient diary data";

/// ICHD-3 1.3 A, 2.3 A and 8.2 A: headache on at least 15 days per month [V].
pub const CHRONIC_HEADACHE_DAYS_PER_MONTH: f64 = 15.0;

/// ICHD-3 1.3 C: migraine features on at least 8 days per month [V].
pub const CHRONIC_MIGRAINE_DAYS_PER_MONTH: f64 = 8.0;

/// ICHD-3 1.3, 2.3 and 8.2 speak of ">3 months". From a diary Cephalog takes this as 3 consecutive
/// adequately recorded calendar months, and says so in every classification.
pub const CHRONIC_MONTHS_REQUIRED: usize = 3;

/// Wording attached to every classification that uses [`CHRONIC_MONTHS_REQUIRED`].
pub const MONTHS_INTERPRETATION: &str = "ICHD-3 \">3 months\" is taken as 3 consecutive calendar months recorded with at least 80 % completeness";

/// ICHD-3 8.2.1, 8.2.2, 8.2.4, 8.2.5 and 8.2.6: intake on at least 10 days per month [V].
pub const MOH_DAYS_DEFAULT: f64 = 10.0;

/// ICHD-3 8.2.3, non-opioid analgesics (paracetamol, NSAIDs, ASA, one class): at least 15 days per
/// month [V].
pub const MOH_DAYS_NON_OPIOID: f64 = 15.0;

/// ICHD-3 8.2.7, medication-overuse headache attributed to other medication: at least 10 days per
/// month. This subtype is in ICHD-3 but its threshold was not checked in the source [U];
/// Cephalog applies it to gepants, ditans and other acute medicines and marks it unverified.
pub const MOH_DAYS_OTHER: f64 = 10.0;

/// ICHD-3 13.4 B1: paroxysms lasting seconds to minutes. The diary cannot show criteria C and D
/// (tenderness, nerve-block relief). Cephalog reports paroxysms recorded on at least this many days
/// in each of the months as supporting 13.4 B1 [U].
pub const OCCIPITAL_PAROXYSM_DAYS_PER_MONTH: f64 = 1.0;

/// ICHD-3 2.3 C: at least 2 of bilateral, pressing/non-pulsating, mild/moderate, not aggravated by
/// routine activity [V].
pub const TTH_MIN_PAIN_FEATURES: usize = 2;

// onabotulinumtoxinA (Botox): protocol, re-treatment, cumulative dose, billing. FDA label (dosing,
// cumulative maximum), CMS HCPCS and AMA CPT coding, occipital-neuralgia studies. The PREEMPT
// fixed-site table itself is `protocol::PREEMPT_FIXED_SITE_TABLE`, built from these numbers.

/// PREEMPT fixed-site protocol: 5 U per injection site (FDA label, chronic migraine dosing) [V2].
pub const PREEMPT_UNITS_PER_SITE: u32 = 5;

/// PREEMPT fixed-site protocol: 0.1 mL per injection site, in microlitres (FDA label) [V2].
pub const PREEMPT_SITE_VOLUME_MICROLITRES: u32 = 100;

/// PREEMPT fixed-site protocol: 155 U in total (FDA label) [V2].
pub const PREEMPT_FIXED_UNITS: u32 = 155;

/// PREEMPT fixed-site protocol: 31 injection sites over 7 head and neck muscle areas (FDA label)
/// [V2].
pub const PREEMPT_FIXED_SITE_COUNT: u32 = 31;

/// PREEMPT follow-the-pain: at most 40 U more than the fixed sites (FDA label) [V2].
pub const FTP_MAX_EXTRA_UNITS: u32 = 40;

/// PREEMPT follow-the-pain: at most 8 extra sites of 5 U (FDA label) [V2].
pub const FTP_MAX_EXTRA_SITES: u32 = 8;

/// PREEMPT with follow-the-pain: at most 195 U in one session (FDA label) [V2].
pub const PREEMPT_MAX_UNITS: u32 = PREEMPT_FIXED_UNITS + FTP_MAX_EXTRA_UNITS;

/// PREEMPT with follow-the-pain: at most 39 sites in one session (FDA label) [V2].
pub const PREEMPT_MAX_SITES: u32 = PREEMPT_FIXED_SITE_COUNT + FTP_MAX_EXTRA_SITES;

/// Follow-the-pain per-muscle cap, temporalis: +10 U (Blumenfeld 2010, Headache 50:1406) [U].
pub const FTP_CAP_TEMPORALIS_UNITS: u32 = 10;

/// Follow-the-pain per-muscle cap, occipitalis: +10 U (Blumenfeld 2010, Headache 50:1406) [U].
pub const FTP_CAP_OCCIPITALIS_UNITS: u32 = 10;

/// Follow-the-pain per-muscle cap, trapezius: +20 U (Blumenfeld 2010, Headache 50:1406) [U].
pub const FTP_CAP_TRAPEZIUS_UNITS: u32 = 20;

/// Vial sizes of onabotulinumtoxinA and the preservative-free 0.9 % NaCl that gives 5 U / 0.1 mL:
/// 100 U + 2 mL (FDA label) [V2].
pub const VIAL_100_UNITS: u32 = 100;
/// See [`VIAL_100_UNITS`]: 2 mL, in microlitres [V2].
pub const VIAL_100_DILUENT_MICROLITRES: u32 = 2000;
/// 200 U vial + 4 mL → 5 U / 0.1 mL (FDA label) [V2].
pub const VIAL_200_UNITS: u32 = 200;
/// See [`VIAL_200_UNITS`]: 4 mL, in microlitres [V2].
pub const VIAL_200_DILUENT_MICROLITRES: u32 = 4000;

/// Re-treatment every 12 weeks (FDA label) [V2]; Cephalog refuses a botulinum-toxin session sooner
/// than this after another, unless overridden with a recorded reason.
pub const RETREATMENT_MIN_WEEKS: i64 = 12;

/// [`RETREATMENT_MIN_WEEKS`] in days: 84.
pub const RETREATMENT_MIN_DAYS: i64 = RETREATMENT_MIN_WEEKS * 7;

/// Cumulative maximum across all indications: 400 U of onabotulinumtoxinA in any 3-month interval
/// (FDA label) [V2].
pub const CUMULATIVE_MAX_UNITS: u32 = 400;

/// The label's "3-month interval" for [`CUMULATIVE_MAX_UNITS`], in calendar months.
pub const CUMULATIVE_WINDOW_MONTHS: u32 = 3;

/// How Cephalog reads the label's "any 3-month interval"; shown with every cumulative-dose finding.
pub const CUMULATIVE_WINDOW_INTERPRETATION: &str = "the label's \"any 3-month interval\" is taken as every span from a day up to, \
     not including, the same day 3 calendar months later (end of month clamped, e.g. 30 November to 28 February)";

/// Under 18 years, safety and effectiveness of onabotulinumtoxinA for chronic migraine are not
/// established (FDA pediatric labeling database) [V].
pub const ADULT_AGE_YEARS: u32 = 18;

/// Scheduling window, latest: a patient is overdue more than 98 days (14 weeks) after the last
/// session. A clinic scheduling default, not a label figure [U]; configurable.
pub const SCHEDULE_LATEST_DAYS: i64 = 98;

/// Greater occipital nerve block: 2–3 mL of local anaesthetic is typical (nerve-block practice as
/// restated in secondary sources; no primary source read) [V2]. Outside this range Cephalog
/// warns; it never refuses.
pub const GON_BLOCK_TYPICAL_MIN_MICROLITRES: u32 = 2000;
/// See [`GON_BLOCK_TYPICAL_MIN_MICROLITRES`]: 3 mL [V2].
pub const GON_BLOCK_TYPICAL_MAX_MICROLITRES: u32 = 3000;

/// Off-label botulinum toxin for occipital neuralgia, study dose: 50 U per nerve (Kapural 2007,
/// n=6) [V]. Shown as context, never enforced.
pub const ON_TOXIN_KAPURAL_2007_UNITS_PER_NERVE: u32 = 50;

/// Off-label botulinum toxin for occipital neuralgia, study dose: mean 18.7 U per nerve (Marcolla
/// 2022, n=29) [V]. Shown as context, never enforced.
pub const ON_TOXIN_MARCOLLA_2022_MEAN_UNITS_PER_NERVE: f64 = 18.7;

/// HCPCS J0585: onabotulinumtoxinA, per 1 unit (CMS HCPCS Level II) [V].
pub const HCPCS_ONABOTULINUMTOXINA: &str = "J0585";

/// CPT 64615: chemodenervation for chronic migraine, bilateral, once per session (AMA CPT) [V].
pub const CPT_CHEMODENERVATION_CHRONIC_MIGRAINE: &str = "64615";

/// CPT 64405: greater occipital nerve block (AMA CPT) [V2].
pub const CPT_GREATER_OCCIPITAL_NERVE_BLOCK: &str = "64405";

/// Modifier JW: units discarded from a single-dose vial (CMS JW/JZ modifier FAQ) [V].
pub const MODIFIER_DISCARDED: &str = "JW";

/// Modifier JZ: nothing discarded from a single-dose vial; required on Medicare claims since
/// 2023-07-01 (CMS JW/JZ modifier FAQ) [V]. CMS asks for it on the line with the administered units
/// (CMS JW/JZ modifier FAQ; MLN Matters MM13056) [V2].
pub const MODIFIER_NONE_DISCARDED: &str = "JZ";
// ---------------------------------------------------------------------------------------------
// Safety reporting (FDA label, CTCAE v5.0, ICH E2D, EU GVP Module VI, PREEMPT, COMPEL)
// ---------------------------------------------------------------------------------------------

/// Lowest CTCAE v5.0 grade: mild (Common Terminology Criteria for Adverse Events v5.0, NCI 2017)
/// [V].
pub const CTCAE_MIN_GRADE: u8 = 1;

/// Highest CTCAE v5.0 grade: "death related to AE" (CTCAE v5.0) [V]. An event of this grade has a
/// fatal outcome and the serious outcome "death".
pub const CTCAE_MAX_GRADE: u8 = 5;

/// Boxed warning, distant spread of toxin effect: symptoms "may occur hours to weeks after
/// injection" (onabotulinumtoxinA FDA label, Boxed Warning) [V]. The label sets no upper
/// bound; Cephalog looks back one re-treatment interval, 12 weeks = 84 days (FDA label, Dosage
/// and Administration [V2]), on both ends inclusive. The window length is a Cephalog default
/// [U].
pub const DISTANT_SPREAD_WINDOW_DAYS: i64 = 84;

/// Expedited reporting of a serious case: 15 calendar days from the day the clinic became aware
/// of it, that day being day 0 (EU timelines, EU GVP Module VI) [V2].
pub const SERIOUS_REPORT_DAYS: u32 = 15;

/// Reporting of a non-serious case: 90 calendar days from awareness, day 0 being the day of
/// awareness (EU timelines, EU GVP Module VI) [V2].
pub const NON_SERIOUS_REPORT_DAYS: u32 = 90;

/// FDA label, chronic migraine adverse reactions: neck pain in 9 % of onabotulinumtoxinA
/// patients (FDA label, Adverse Reactions) [V2]. Percentage of patients, not of sessions.
pub const LABEL_NECK_PAIN_PERCENT: f64 = 9.0;

/// FDA label, chronic migraine adverse reactions: neck pain in 3 % of placebo patients
/// (FDA label, Adverse Reactions) [V2].
pub const LABEL_NECK_PAIN_PLACEBO_PERCENT: f64 = 3.0;

/// PREEMPT pooled (Dodick 2010, Headache 50:921): serious adverse events in 4.8 % of
/// onabotulinumtoxinA patients [V2]. Percentage of patients over the
/// 24-week double-blind phase (two treatment cycles).
pub const PREEMPT_SERIOUS_AE_PERCENT: f64 = 4.8;

/// PREEMPT pooled (Dodick 2010): serious adverse events in 2.3 % of placebo patients [V2].
pub const PREEMPT_SERIOUS_AE_PLACEBO_PERCENT: f64 = 2.3;

/// PREEMPT pooled: treatment-related neck pain in 6.7 % of onabotulinumtoxinA patients
/// (PREEMPT pooled, Dodick 2010) [V2].
pub const PREEMPT_RELATED_NECK_PAIN_PERCENT: f64 = 6.7;

/// PREEMPT pooled (Dodick 2010): treatment-related neck pain in 2.2 % of placebo patients [V2].
pub const PREEMPT_RELATED_NECK_PAIN_PLACEBO_PERCENT: f64 = 2.2;

/// COMPEL (Blumenfeld 2018; 155 U every 12 weeks for 9 cycles, N = 716): treatment-related neck
/// pain in 4.1 % of patients (COMPEL, Blumenfeld 2018) [V].
pub const COMPEL_RELATED_NECK_PAIN_PERCENT: f64 = 4.1;

/// COMPEL (Blumenfeld 2018): treatment-related eyelid ptosis in 2.5 % of patients [V].
pub const COMPEL_RELATED_EYELID_PTOSIS_PERCENT: f64 = 2.5;

/// COMPEL (Blumenfeld 2018): treatment-related musculoskeletal stiffness in 2.4 % of patients
/// [V].
pub const COMPEL_RELATED_MUSCULOSKELETAL_STIFFNESS_PERCENT: f64 = 2.4;

/// COMPEL (Blumenfeld 2018): treatment-related injection-site pain in 2.0 % of patients [V].
pub const COMPEL_RELATED_INJECTION_SITE_PAIN_PERCENT: f64 = 2.0;

/// COMPEL (Blumenfeld 2018): treatment-related headache in 1.7 % of patients [V].
pub const COMPEL_RELATED_HEADACHE_PERCENT: f64 = 1.7;

/// COMPEL (Blumenfeld 2018): treatment-related muscular weakness in 1.4 % of patients [V].
pub const COMPEL_RELATED_MUSCULAR_WEAKNESS_PERCENT: f64 = 1.4;

/// COMPEL (Blumenfeld 2018): treatment-related facial paresis in 1.3 % of patients [V].
pub const COMPEL_RELATED_FACIAL_PARESIS_PERCENT: f64 = 1.3;

// ---------------------------------------------------------------------------------------------
// The clinic cohort report: its defaults and the published benchmarks it prints beside the
// clinic's figures (PREEMPT pooled, PREEMPT 2, COMPEL, REPOSE, the Guy's and St Thomas' audit,
// CM-PASS, a real-world meta-analysis). Each benchmark's population, timing and measure are in
// its doc comment; a figure marked [U] prints with [`UNVERIFIED_MARK`].
// ---------------------------------------------------------------------------------------------

/// Time on treatment ends when no session follows the last one for more than this many days
/// (about 6 months). A Cephalog default [U]: no source fixes the gap after which a patient
/// counts as having stopped; the cohort report takes another gap when asked.
pub const DISCONTINUATION_GAP_DAYS: i64 = 183;

/// An interval between sessions "longer than 13 weeks": more than 91 days (REPOSE, Ahmed 2019)
/// [V2].
pub const LONG_INTERVAL_DAYS: i64 = 91;

/// A baseline questionnaire (MIDAS, HIT-6) counts in the cohort report only when answered at
/// most this many days before the first session: MIDAS asks about the last 3 months. A Cephalog
/// default [U].
pub const QUESTIONNAIRE_BASELINE_DAYS: i64 = 90;

/// PREEMPT pooled (Dodick 2010): baseline 19.9 headache days per 28 days, onabotulinumtoxinA arm
/// (N = 688) [V].
pub const PREEMPT_POOLED_BASELINE_HEADACHE_DAYS: f64 = 19.9;

/// PREEMPT pooled (Dodick 2010): change in headache days per 28 days at week 24 (after 2
/// cycles), onabotulinumtoxinA −8.4 [V2].
pub const PREEMPT_POOLED_HEADACHE_DAYS_CHANGE_WEEK_24: f64 = -8.4;

/// PREEMPT pooled (Dodick 2010): placebo −6.6 headache days per 28 days at week 24 [V2].
pub const PREEMPT_POOLED_PLACEBO_HEADACHE_DAYS_CHANGE_WEEK_24: f64 = -6.6;

/// PREEMPT pooled (Dodick 2010): ≥50 % fewer headache days at week 24 in 47.1 % of
/// onabotulinumtoxinA patients (35.1 % placebo) [U].
pub const PREEMPT_POOLED_RESPONDER_50_PERCENT_WEEK_24: f64 = 47.1;

/// PREEMPT 2 (Diener 2010): −9.0 headache days per 28 days, weeks 21–24 (after 2 cycles),
/// onabotulinumtoxinA (N = 347; placebo −6.7) [V].
pub const PREEMPT2_HEADACHE_DAYS_CHANGE_WEEK_24: f64 = -9.0;

/// COMPEL (Blumenfeld 2018): baseline 22.0 headache days per 28 days (N = 716) [V].
pub const COMPEL_BASELINE_HEADACHE_DAYS: f64 = 22.0;

/// COMPEL (Blumenfeld 2018): −9.2 headache days per 28 days at week 60 (after 5 cycles of 12
/// weeks) [V].
pub const COMPEL_HEADACHE_DAYS_CHANGE_WEEK_60: f64 = -9.2;

/// COMPEL (Blumenfeld 2018): −10.7 headache days per 28 days at week 108 (after 9 cycles) [V].
pub const COMPEL_HEADACHE_DAYS_CHANGE_WEEK_108: f64 = -10.7;

/// COMPEL (Blumenfeld 2018): 52.1 % of patients completed the 108 weeks [V2].
pub const COMPEL_COMPLETED_108_WEEKS_PERCENT: f64 = 52.1;

/// COMPEL (Blumenfeld 2018): 18.3 % of patients had at least one adverse event [V2] (the
/// reference notes do not say whether treatment-related only).
pub const COMPEL_ANY_AE_PERCENT: f64 = 18.3;

/// REPOSE (Ahmed 2019; 641 patients, 3,499 sessions): mean dose 155.1 U per session [V2].
pub const REPOSE_MEAN_UNITS: f64 = 155.1;

/// REPOSE (Ahmed 2019): mean 31.4 injection sites per session [V2].
pub const REPOSE_MEAN_SITES: f64 = 31.4;

/// REPOSE (Ahmed 2019): 79.1 % of patients had at least one interval between sessions longer
/// than 13 weeks [V2]. A share of patients, not of intervals.
pub const REPOSE_PATIENTS_WITH_LONG_INTERVAL_PERCENT: f64 = 79.1;

/// REPOSE (Ahmed 2019): 20.6 headache days per month at the first visit [V2].
pub const REPOSE_BASELINE_HEADACHE_DAYS: f64 = 20.6;

/// REPOSE (Ahmed 2019): 7.4 headache days per month by visit 8 [V2], read as after 7 cycles.
pub const REPOSE_HEADACHE_DAYS_VISIT_8: f64 = 7.4;

/// Guy's and St Thomas' audit under NICE TA260 (200 patients): 63.5 % had ≥30 % fewer headache
/// days after 2 cycles [V2].
pub const GSTT_RESPONDER_30_PERCENT_CYCLE_2: f64 = 63.5;

/// Guy's and St Thomas' audit: 53.5 % of those responders became episodic (below 15 headache
/// days a month) [V2].
pub const GSTT_RESPONDERS_EPISODIC_PERCENT: f64 = 53.5;

/// A real-world meta-analysis: 46.6 % of patients with ≥50 % fewer headache days [U]: known to
/// Cephalog only through a competitor survey naming no paper, so it is not treated as read.
pub const REAL_WORLD_RESPONDER_50_PERCENT: f64 = 46.6;

/// The same real-world meta-analysis: −10.6 headache days [U] (as
/// [`REAL_WORLD_RESPONDER_50_PERCENT`]).
pub const REAL_WORLD_HEADACHE_DAYS_CHANGE: f64 = -10.6;

/// CM-PASS post-authorisation safety study (1,160 patients): treatment-related adverse events
/// in 20 % of patients [U].
pub const CM_PASS_TREATMENT_RELATED_AE_PERCENT: f64 = 20.0;

// ---------------------------------------------------------------------------------------------
// De-identification of research exports: HIPAA Safe Harbor, 45 CFR § 164.514(b)(2)
// ---------------------------------------------------------------------------------------------

/// Ages above 89 are aggregated into one category "90 or older" (45 CFR § 164.514(b)(2)(i)(C):
/// "all ages over 89 and all elements of dates (including year) indicative of such age, except
/// that such ages and elements may be aggregated into a single category of age 90 or older").
pub const SAFE_HARBOR_AGE_CAP: u32 = 90;
