//! The questionnaires Cephalog scores, each defined once: items, answer scale, scoring, bands,
//! alerts, FHIR coding and chart axis. Pages, API, CLI, reports, FHIR, charts and exports iterate
//! [`Instrument::ALL`]; adding an instrument is a definition here, its variant in [`Instrument`],
//! and the database's list of instrument codes (a migration).

use super::{
    Alert, AlertKind, Band, ChartAxis, Choice, ChoiceScale, FhirCoding, Instrument, InstrumentDef,
    Item, PairLimit, Scale, Wording,
};

/// MIDAS items are days in the last 3 months: 0–90 (Stewart et al., Neurology 2001;56(6 Suppl
/// 1):S20–S28) [V].
pub const MIDAS_MAX_DAYS: u8 = 90;
/// MIDAS item B, average pain, is rated 0–10 [V].
pub const MIDAS_PAIN_MAX: u8 = 10;

const MIDAS_DAYS: Scale = Scale::Count {
    max: MIDAS_MAX_DAYS,
    unit: "days",
};

/// MIDAS (Stewart et al., Neurology 2001;56(6 Suppl 1):S20–S28) [V]: five items, days in the last
/// 3 months, summed; grades I 0–5, II 6–10, III 11–20, IV ≥21; items A and B unscored.
pub static MIDAS: InstrumentDef = InstrumentDef {
    instrument: Instrument::Midas,
    code: "midas",
    label: "MIDAS",
    title: "headache-related disability",
    source: "Stewart WF et al. Neurology 2001;56(6 Suppl 1):S20–S28",
    wording: Wording::Shipped,
    preamble: "Answer about the headaches you had in the last 3 months.",
    items: &[
        Item {
            link: "1",
            field: "midas1",
            text: "On how many days in the last 3 months did you miss work or school because of your headaches?",
            scale: MIDAS_DAYS,
            scored: true,
            optional: false,
            loinc: None,
        },
        Item {
            link: "2",
            field: "midas2",
            text: "How many days in the last 3 months was your productivity at work or school reduced by half or more because of your headaches? (Do not count days you counted in question 1.)",
            scale: MIDAS_DAYS,
            scored: true,
            optional: false,
            loinc: None,
        },
        Item {
            link: "3",
            field: "midas3",
            text: "On how many days in the last 3 months did you not do household work because of your headaches?",
            scale: MIDAS_DAYS,
            scored: true,
            optional: false,
            loinc: None,
        },
        Item {
            link: "4",
            field: "midas4",
            text: "How many days in the last 3 months was your productivity in household work reduced by half or more because of your headaches? (Do not count days you counted in question 3.)",
            scale: MIDAS_DAYS,
            scored: true,
            optional: false,
            loinc: None,
        },
        Item {
            link: "5",
            field: "midas5",
            text: "On how many days in the last 3 months did you miss family, social or leisure activities because of your headaches?",
            scale: MIDAS_DAYS,
            scored: true,
            optional: false,
            loinc: None,
        },
        Item {
            link: "A",
            field: "midas_a",
            text: "On how many days in the last 3 months did you have a headache? (If a headache lasted more than one day, count each day.) Not scored.",
            scale: MIDAS_DAYS,
            scored: false,
            optional: true,
            loinc: None,
        },
        Item {
            link: "B",
            field: "midas_b",
            text: "On a scale of 0 to 10, on average how painful were these headaches? (0 = no pain at all, 10 = pain as bad as it can be.) Not scored.",
            scale: Scale::Count {
                max: MIDAS_PAIN_MAX,
                unit: "points",
            },
            scored: false,
            optional: true,
            loinc: None,
        },
    ],
    bands: &[
        Band {
            from: 0,
            code: "I",
            short: "grade I",
            words: "grade I, little or no disability",
        },
        Band {
            from: 6,
            code: "II",
            short: "grade II",
            words: "grade II, mild disability",
        },
        Band {
            from: 11,
            code: "III",
            short: "grade III",
            words: "grade III, moderate disability",
        },
        Band {
            from: 21,
            code: "IV",
            short: "grade IV",
            words: "grade IV, severe disability",
        },
    ],
    // A day missed counts in item 1 or 2, never both (item 2 counts "not including days you
    // missed"), so items 1 and 2 add up to at most the 90 days asked about, and so do items 3
    // and 4 (the MIDAS questionnaire's wording).
    limits: &[
        PairLimit {
            first: 0,
            second: 1,
            max: MIDAS_MAX_DAYS as u32,
            what: "work or school",
        },
        PairLimit {
            first: 2,
            second: 3,
            max: MIDAS_MAX_DAYS as u32,
            what: "household work",
        },
    ],
    alerts: &[],
    fhir: FhirCoding {
        questionnaire: "midas",
        panel: None,
        total: None,
        answers_in_loinc: false,
    },
    chart: ChartAxis::Open {
        headroom: 9,
        steps: &[5, 10, 20, 25, 50, 100, 200],
        unit: "days",
    },
    impact: true,
};

const HIT6_CHOICES: ChoiceScale = ChoiceScale {
    choices: &[
        Choice {
            code: "never",
            label: "Never",
            points: 6,
            loinc: None,
        },
        Choice {
            code: "rarely",
            label: "Rarely",
            points: 8,
            loinc: None,
        },
        Choice {
            code: "sometimes",
            label: "Sometimes",
            points: 10,
            loinc: None,
        },
        Choice {
            code: "very_often",
            label: "Very often",
            points: 11,
            loinc: None,
        },
        Choice {
            code: "always",
            label: "Always",
            points: 13,
            loinc: None,
        },
    ],
    points_accepted: false,
};

const fn hit6_item(link: &'static str, field: &'static str) -> Item {
    Item {
        link,
        field,
        text: "",
        scale: Scale::Choice(HIT6_CHOICES),
        scored: true,
        optional: false,
        loinc: None,
    }
}

/// HIT-6 (Kosinski et al., Qual Life Res 2003;12:963–974) [V]: 6 items, 4-week recall, never 6,
/// rarely 8, sometimes 10, very often 11, always 13; total 36–78; ≤49 little or no impact, 50–55
/// some, 56–59 substantial, ≥60 severe. Licensed: Cephalog ships the scoring, the clinic supplies
/// the wording under its own licence.
pub static HIT6: InstrumentDef = InstrumentDef {
    instrument: Instrument::Hit6,
    code: "hit6",
    label: "HIT-6",
    title: "headache impact",
    source: "Kosinski M et al. Qual Life Res 2003;12:963–974",
    wording: Wording::Licensed,
    preamble: "HIT-6 is a licensed questionnaire: read each question from your clinic's HIT-6 form and choose the answer here.",
    items: &[
        hit6_item("1", "hit6_1"),
        hit6_item("2", "hit6_2"),
        hit6_item("3", "hit6_3"),
        hit6_item("4", "hit6_4"),
        hit6_item("5", "hit6_5"),
        hit6_item("6", "hit6_6"),
    ],
    bands: &[
        Band {
            from: 0,
            code: "little_or_no_impact",
            short: "little",
            words: "little or no impact",
        },
        Band {
            from: 50,
            code: "some_impact",
            short: "some",
            words: "some impact",
        },
        Band {
            from: 56,
            code: "substantial_impact",
            short: "substantial",
            words: "substantial impact",
        },
        Band {
            from: 60,
            code: "severe_impact",
            short: "severe",
            words: "severe impact",
        },
    ],
    limits: &[],
    alerts: &[],
    fhir: FhirCoding {
        questionnaire: "hit6",
        panel: None,
        total: None,
        answers_in_loinc: false,
    },
    chart: ChartAxis::Fixed { step: 10 },
    impact: true,
};

/// The answer scale PHQ-9 and GAD-7 share, over the last 2 weeks: not at all 0, several days 1,
/// more than half the days 2, nearly every day 3 (Kroenke 2001; Spitzer 2006) [V], with LOINC's
/// answer codes (answer list LL358-3).
const TWO_WEEKS: ChoiceScale = ChoiceScale {
    choices: &[
        Choice {
            code: "not_at_all",
            label: "Not at all",
            points: 0,
            loinc: Some("LA6568-5"),
        },
        Choice {
            code: "several_days",
            label: "Several days",
            points: 1,
            loinc: Some("LA6569-3"),
        },
        Choice {
            code: "more_than_half_the_days",
            label: "More than half the days",
            points: 2,
            loinc: Some("LA6570-1"),
        },
        Choice {
            code: "nearly_every_day",
            label: "Nearly every day",
            points: 3,
            loinc: Some("LA6571-9"),
        },
    ],
    points_accepted: true,
};

const fn two_weeks(
    link: &'static str,
    field: &'static str,
    text: &'static str,
    loinc: &'static str,
) -> Item {
    Item {
        link,
        field,
        text,
        scale: Scale::Choice(TWO_WEEKS),
        scored: true,
        optional: false,
        loinc: Some(loinc),
    }
}

/// PHQ-9 (Kroenke K, Spitzer RL, Williams JB. J Gen Intern Med 2001;16:606–613) [V]: 9 items,
/// 0–27; 0–4 minimal, 5–9 mild, 10–14 moderate, 15–19 moderately severe, 20–27 severe; any answer
/// above 0 on item 9 needs a clinician's review the same day. Free to reproduce and use [V2].
/// LOINC panel 44249-1, total 44261-6, items 44250-9 … 44260-8.
pub static PHQ9: InstrumentDef = InstrumentDef {
    instrument: Instrument::Phq9,
    code: "phq9",
    label: "PHQ-9",
    title: "depression screening",
    source: "Kroenke K et al. J Gen Intern Med 2001;16:606–613",
    wording: Wording::Shipped,
    preamble: "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items: &[
        two_weeks(
            "1",
            "phq9_1",
            "Little interest or pleasure in doing things",
            "44250-9",
        ),
        two_weeks(
            "2",
            "phq9_2",
            "Feeling down, depressed, or hopeless",
            "44255-8",
        ),
        two_weeks(
            "3",
            "phq9_3",
            "Trouble falling or staying asleep, or sleeping too much",
            "44259-0",
        ),
        two_weeks(
            "4",
            "phq9_4",
            "Feeling tired or having little energy",
            "44254-1",
        ),
        two_weeks("5", "phq9_5", "Poor appetite or overeating", "44251-7"),
        two_weeks(
            "6",
            "phq9_6",
            "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
            "44258-2",
        ),
        two_weeks(
            "7",
            "phq9_7",
            "Trouble concentrating on things, such as reading the newspaper or watching television",
            "44252-5",
        ),
        two_weeks(
            "8",
            "phq9_8",
            "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual",
            "44253-3",
        ),
        two_weeks(
            "9",
            "phq9_9",
            "Thoughts that you would be better off dead or of hurting yourself in some way",
            "44260-8",
        ),
    ],
    bands: &[
        Band {
            from: 0,
            code: "minimal",
            short: "minimal",
            words: "minimal depressive symptoms",
        },
        Band {
            from: 5,
            code: "mild",
            short: "mild",
            words: "mild depressive symptoms",
        },
        Band {
            from: 10,
            code: "moderate",
            short: "moderate",
            words: "moderate depressive symptoms",
        },
        Band {
            from: 15,
            code: "moderately_severe",
            short: "mod. severe",
            words: "moderately severe depressive symptoms",
        },
        Band {
            from: 20,
            code: "severe",
            short: "severe",
            words: "severe depressive symptoms",
        },
    ],
    limits: &[],
    alerts: &[Alert {
        item: 8,
        at_least: 1,
        kind: AlertKind::SameDayReview,
        clinician: "PHQ-9 item 9 answered above 0 (thoughts of being better off dead or of \
                    hurting oneself): review the same day",
        patient: "Thank you for telling us. If you are thinking of harming yourself, please \
                  call your clinic today — or your emergency number now if you might act on \
                  these thoughts. A clinician will look at your answers today.",
    }],
    fhir: FhirCoding {
        questionnaire: "phq9",
        panel: Some(("44249-1", "PHQ-9 quick depression assessment panel")),
        total: Some((
            "44261-6",
            "Patient Health Questionnaire 9 item (PHQ-9) total score",
        )),
        answers_in_loinc: true,
    },
    chart: ChartAxis::Fixed { step: 5 },
    impact: false,
};

/// GAD-7 (Spitzer RL, Kroenke K, Williams JB, Löwe B. Arch Intern Med 2006;166:1092–1097) [V]:
/// 7 items, 0–21; 0–4 minimal, 5–9 mild, 10–14 moderate, 15–21 severe. Free to reproduce and use
/// [V2]. LOINC panel 69737-5, total 70274-6.
pub static GAD7: InstrumentDef = InstrumentDef {
    instrument: Instrument::Gad7,
    code: "gad7",
    label: "GAD-7",
    title: "anxiety screening",
    source: "Spitzer RL et al. Arch Intern Med 2006;166:1092–1097",
    wording: Wording::Shipped,
    preamble: "Over the last 2 weeks, how often have you been bothered by the following problems?",
    items: &[
        two_weeks(
            "1",
            "gad7_1",
            "Feeling nervous, anxious or on edge",
            "69725-0",
        ),
        two_weeks(
            "2",
            "gad7_2",
            "Not being able to stop or control worrying",
            "68509-9",
        ),
        two_weeks(
            "3",
            "gad7_3",
            "Worrying too much about different things",
            "69733-4",
        ),
        two_weeks("4", "gad7_4", "Trouble relaxing", "69734-2"),
        two_weeks(
            "5",
            "gad7_5",
            "Being so restless that it is hard to sit still",
            "69735-9",
        ),
        two_weeks(
            "6",
            "gad7_6",
            "Becoming easily annoyed or irritable",
            "69689-8",
        ),
        two_weeks(
            "7",
            "gad7_7",
            "Feeling afraid, as if something awful might happen",
            "69736-7",
        ),
    ],
    bands: &[
        Band {
            from: 0,
            code: "minimal",
            short: "minimal",
            words: "minimal anxiety symptoms",
        },
        Band {
            from: 5,
            code: "mild",
            short: "mild",
            words: "mild anxiety symptoms",
        },
        Band {
            from: 10,
            code: "moderate",
            short: "moderate",
            words: "moderate anxiety symptoms",
        },
        Band {
            from: 15,
            code: "severe",
            short: "severe",
            words: "severe anxiety symptoms",
        },
    ],
    limits: &[],
    alerts: &[],
    fhir: FhirCoding {
        questionnaire: "gad7",
        panel: Some(("69737-5", "Generalized anxiety disorder 7 item (GAD-7)")),
        total: Some((
            "70274-6",
            "Generalized anxiety disorder 7 item (GAD-7) total score",
        )),
        answers_in_loinc: true,
    },
    chart: ChartAxis::Fixed { step: 5 },
    impact: false,
};
