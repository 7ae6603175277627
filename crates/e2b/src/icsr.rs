//! The ICH E2B(R3) individual case safety report: an HL7 v3 `MCCI_IN200100UV01` batch holding one
//! `PORR_IN049016UV` message, in the shape of the FDA's example messages (FAERS2022Scenario1).
//!
//! Every element the FDA data-element table marks required for ICH, and for FDA post-market
//! reports, is written at its XPath. Where the clinic has no value and the table allows a
//! nullFlavor, the nullFlavor is written:
//!
//! | element | value | when the clinic has none |
//! |---|---|---|
//! | N.1.2 batch number | [`IcsrHeader::batch_number`] | — |
//! | N.1.3 / N.2.r.2 sender identifier | [`IcsrHeader::sender_id`] | — |
//! | N.1.4 / N.2.r.3 receiver identifiers | [`IcsrHeader`] | — |
//! | N.1.5 / N.2.r.4 / C.1.2 creation time | [`IcsrHeader::created_at`] | — |
//! | N.2.r.1 / C.1.1 / C.1.8.1 case identifier | [`IcsrHeader::case_id`] (N.2.r.1 equals C.1.1 by the table's rule) | — |
//! | C.1.3 type of report | 1, spontaneous report | — |
//! | C.1.4 first received | awareness date | — |
//! | C.1.5 most recent information | [`IcsrHeader::latest_information`], else awareness date | — |
//! | C.1.6.1 additional documents | false | — |
//! | C.1.7 expedited / FDA.C.1.7.1 report type | serious: true, 1 (15-Day); else false, 2 (Non-Expedited AE) | — |
//! | C.1.8.2 first sender | 2, other (a clinic is not a regulator) | — |
//! | C.1.9.1 other case identifiers | — | nullFlavor NI |
//! | FDA.C.1.12 combination product | false | — |
//! | C.2.r reporter | given/family name, C.2.r.4 qualification, C.2.r.3 country, C.2.r.5 = 1 | FDA.C.2.r.2.8 email: nullFlavor NASK with value `mailto` (the table's rule) |
//! | C.3 sender | [`Sender`]; C.3.1 sender type 3, health professional | — |
//! | D.1 patient | initials | nullFlavor MSK when an identifier is held, else UNK |
//! | D.1.1.2 specialist record number | patient identifier | omitted |
//! | D.2.1 / D.2.2 birth date, age at onset | date of birth; age in years | omitted |
//! | D.3 weight | kg | omitted |
//! | D.5 sex | 1 male, 2 female | nullFlavor MSK for "other" (known, no E2B code); UNK when unknown |
//! | FDA.D.11.r.1 race, FDA.D.12 ethnicity | — | nullFlavor UNK, at the example messages' place |
//! | E.i.1.1a/b reported term, language | reported term, [`IcsrHeader::language`] | — |
//! | E.i.2.1a/b MedDRA version, code | [`IcsrHeader::meddra_version`], the clinic's code | refused: no nullFlavor allowed |
//! | E.i.3.2a–f, FDA.E.i.3.2h seriousness | true per serious outcome | nullFlavor NI |
//! | E.i.4 / E.i.5 start, end | onset, resolution | end omitted |
//! | E.i.7 outcome | E2B code of the outcome | — |
//! | G.k.1 drug role | 1, suspect | — |
//! | G.k.2.2 product name | as reported | — |
//! | G.k.4.r.1a/b dose | units, "U" | omitted |
//! | G.k.4.r.4/5 start, last administration | session date | — |
//! | G.k.4.r.7 batch / lot | lot number | omitted |
//! | G.k.4.r.10.1 route | "Intramuscular" | — |
//! | G.k.8 action taken | E2B code of the action | — |
//! | G.k.9.i.2.r causality | the clinic's assessment, global introspection | omitted when not assessed |
//! | H.1 narrative | the event's narrative | refused |
//!
//! "Required intervention" is FDA.E.i.3.2h; ICH has no such criterion, so it also sets E.i.3.2f
//! (other medically important condition), the ICH criterion it falls under. Reaction and drug ids
//! are name-based UUIDs (v5) of the case identifier, so the same case always gives the same
//! message.

use std::io;

use cephalog_core::Sex;
use cephalog_core::safety::{
    AdverseEvent, Causality, CountryCode, EventOutcome, IcsrPatient, MeddraCode,
    ReporterQualification, SeriousOutcome, SuspectProduct,
};
use chrono::{DateTime, FixedOffset, NaiveDate};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use uuid::Uuid;

use crate::{ExportError, MissingElement};

/// N.1.4 batch receiver identifier of the FDA (as in the FDA example messages).
pub const FDA_BATCH_RECEIVER: &str = "ZZFDA";
/// N.2.r.3 message receiver identifier CDER (as in the FDA example messages).
pub const FDA_CDER_RECEIVER: &str = "CDER";

/// Route of administration of botulinum toxin for headache (FDA label, Dosage and Administration:
/// "155 Units IM"), G.k.4.r.10.1.
const ROUTE_INTRAMUSCULAR: &str = "Intramuscular";
/// G.k.4.r.1b dose unit: the product label's "Units".
const DOSE_UNIT: &str = "U";
/// Namespace of the name-based reaction and drug UUIDs.
const ID_NAMESPACE: Uuid = Uuid::from_u128(0xecb6_4892_0875_4e38_bf97_e6bc_1d52_990e);

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

// Object identifiers of the ICH and FDA code systems and identifier namespaces (FDA table,
// "Field OIDs").
const OID_BATCH_NUMBER: &str = "2.16.840.1.113883.3.989.2.1.3.22";
const OID_BATCH_SENDER: &str = "2.16.840.1.113883.3.989.2.1.3.13";
const OID_BATCH_RECEIVER: &str = "2.16.840.1.113883.3.989.2.1.3.14";
const OID_MESSAGE_ID: &str = "2.16.840.1.113883.3.989.2.1.3.1";
const OID_MESSAGE_SENDER: &str = "2.16.840.1.113883.3.989.2.1.3.11";
const OID_MESSAGE_RECEIVER: &str = "2.16.840.1.113883.3.989.2.1.3.12";
const OID_WORLDWIDE_CASE_ID: &str = "2.16.840.1.113883.3.989.2.1.3.2";
const OID_SPECIALIST_RECORD: &str = "2.16.840.1.113883.3.989.2.1.3.8";
const OID_INTERACTION: &str = "2.16.840.1.113883.1.6";
const OID_TRIGGER_EVENT: &str = "2.16.840.1.113883.1.18";
const OID_ACT_CODE: &str = "2.16.840.1.113883.5.4";
const OID_MESSAGE_TYPE: &str = "2.16.840.1.113883.3.989.2.1.1.1";
const OID_REPORT_TYPE: &str = "2.16.840.1.113883.3.989.2.1.1.2";
const OID_FIRST_SENDER: &str = "2.16.840.1.113883.3.989.2.1.1.3";
const OID_RECORD_NUMBER_KIND: &str = "2.16.840.1.113883.3.989.2.1.1.4";
const OID_QUALIFICATION: &str = "2.16.840.1.113883.3.989.2.1.1.6";
const OID_SENDER_TYPE: &str = "2.16.840.1.113883.3.989.2.1.1.7";
const OID_OUTCOME: &str = "2.16.840.1.113883.3.989.2.1.1.11";
const OID_DRUG_ROLE: &str = "2.16.840.1.113883.3.989.2.1.1.13";
const OID_ROUTE: &str = "2.16.840.1.113883.3.989.2.1.1.14";
const OID_ACTION_TAKEN: &str = "2.16.840.1.113883.3.989.2.1.1.15";
const OID_OBSERVATION: &str = "2.16.840.1.113883.3.989.2.1.1.19";
const OID_ORGANIZER: &str = "2.16.840.1.113883.3.989.2.1.1.20";
const OID_REPORT_RELATION: &str = "2.16.840.1.113883.3.989.2.1.1.22";
const OID_CHARACTERISTIC: &str = "2.16.840.1.113883.3.989.2.1.1.23";
const OID_MEDDRA: &str = "2.16.840.1.113883.6.163";
const OID_COUNTRY: &str = "1.0.3166.1.2.2";
const OID_SEX: &str = "1.0.5218";
const OID_NCI_THESAURUS: &str = "2.16.840.1.113883.3.26.1.1";
const OID_FDA_REPORT_TYPE: &str = "2.16.840.1.113883.3.989.5.1.2.2.1.1.1";
const OID_FDA_OBSERVATION: &str = "2.16.840.1.113883.3.989.5.1.2.2.1.3";

/// The identifiers, receivers, time and terminology of one ICSR message.
#[derive(Debug, Clone, PartialEq)]
pub struct IcsrHeader {
    /// N.1.2: the batch (MCCI wrapper) number.
    pub batch_number: String,
    /// C.1.1 sender's safety report unique identifier (country code-sender-report number); also
    /// C.1.8.1 and N.2.r.1.
    pub case_id: String,
    /// N.1.3 and N.2.r.2: the clinic's sender identifier with the receiver.
    pub sender_id: String,
    /// N.1.4, e.g. [`FDA_BATCH_RECEIVER`].
    pub batch_receiver_id: String,
    /// N.2.r.3, e.g. [`FDA_CDER_RECEIVER`].
    pub message_receiver_id: String,
    /// N.1.5, N.2.r.4 and C.1.2, with its UTC offset.
    pub created_at: DateTime<FixedOffset>,
    /// C.1.5; the awareness date when `None`.
    pub latest_information: Option<NaiveDate>,
    /// E.i.2.1a: the MedDRA release the clinic codes with, "N.N" (one per ICSR).
    pub meddra_version: String,
    /// E.i.1.1b: ISO 639-2 alpha-3 language of the reported term, e.g. "eng".
    pub language: String,
}

/// The sender's contact details as entered (E2B(R3) C.3). FDA post-market reports require every
/// one of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SenderDraft {
    /// C.3.2.
    pub organisation: String,
    /// C.3.3.1.
    pub department: String,
    /// C.3.3.2, e.g. "Dr".
    pub title: String,
    /// C.3.3.3.
    pub given_name: String,
    /// C.3.3.5.
    pub family_name: String,
    /// C.3.4.1.
    pub street: String,
    /// C.3.4.2.
    pub city: String,
    /// C.3.4.3.
    pub state: String,
    /// C.3.4.4.
    pub postcode: String,
    /// C.3.4.5, ISO 3166-1 alpha-2.
    pub country: String,
    /// C.3.4.6.
    pub telephone: String,
    /// C.3.4.7.
    pub fax: String,
    /// C.3.4.8.
    pub email: String,
}

/// The clinic sending the report, every field present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    organisation: String,
    department: String,
    title: String,
    given_name: String,
    family_name: String,
    street: String,
    city: String,
    state: String,
    postcode: String,
    country: CountryCode,
    telephone: String,
    fax: String,
    email: String,
}

impl TryFrom<SenderDraft> for Sender {
    type Error = ExportError;
    fn try_from(d: SenderDraft) -> Result<Self, Self::Error> {
        fn required(value: String, field: &'static str) -> Result<String, ExportError> {
            let v = value.trim();
            if v.is_empty() {
                Err(ExportError::InvalidInput {
                    field,
                    reason: "must not be empty".into(),
                })
            } else {
                writable(field, v)?;
                Ok(v.to_owned())
            }
        }
        let country = required(d.country, "C.3.4.5 sender country")?
            .parse::<CountryCode>()
            .map_err(|e| ExportError::InvalidInput {
                field: "C.3.4.5 sender country",
                reason: e.to_string(),
            })?;
        Ok(Sender {
            organisation: required(d.organisation, "C.3.2 sender organisation")?,
            department: required(d.department, "C.3.3.1 sender department")?,
            title: required(d.title, "C.3.3.2 sender title")?,
            given_name: required(d.given_name, "C.3.3.3 sender given name")?,
            family_name: required(d.family_name, "C.3.3.5 sender family name")?,
            street: required(d.street, "C.3.4.1 sender street")?,
            city: required(d.city, "C.3.4.2 sender city")?,
            state: required(d.state, "C.3.4.3 sender state or province")?,
            postcode: required(d.postcode, "C.3.4.4 sender postcode")?,
            country,
            telephone: required(d.telephone, "C.3.4.6 sender telephone")?,
            fax: required(d.fax, "C.3.4.7 sender fax")?,
            email: required(d.email, "C.3.4.8 sender email")?,
        })
    }
}

impl Sender {
    pub fn organisation(&self) -> &str {
        &self.organisation
    }
    pub fn country(&self) -> &CountryCode {
        &self.country
    }
}

/// A character XML 1.0 can carry (its `Char` production): not the C0 controls but tab, line
/// feed and carriage return, no surrogates, not U+FFFE or U+FFFF.
fn xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{a}' | '\u{d}' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// The first character of `text` an XML message cannot carry, as "U+XXXX".
fn unwritable(text: &str) -> Option<String> {
    text.chars()
        .find(|c| !xml_char(*c))
        .map(|c| format!("U+{:04X}", u32::from(c)))
}

/// Refuses a value holding a character XML cannot carry, naming the field.
fn writable(field: &'static str, text: &str) -> Result<(), ExportError> {
    match unwritable(text) {
        Some(c) => Err(invalid(
            field,
            format!("holds the character {c}, which an XML message cannot carry"),
        )),
        None => Ok(()),
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ExportError {
    ExportError::InvalidInput {
        field,
        reason: reason.into(),
    }
}

/// Checks the header against the case; returns C.1.5.
fn check_header(header: &IcsrHeader, event: &AdverseEvent) -> Result<NaiveDate, ExportError> {
    for (value, field) in [
        (&header.batch_number, "N.1.2 batch number"),
        (&header.case_id, "C.1.1 case identifier"),
        (&header.sender_id, "N.1.3 sender identifier"),
        (&header.batch_receiver_id, "N.1.4 batch receiver identifier"),
        (
            &header.message_receiver_id,
            "N.2.r.3 message receiver identifier",
        ),
    ] {
        if value.trim().is_empty() {
            return Err(invalid(field, "must not be empty"));
        }
        writable(field, value)?;
    }
    let version_ok = header
        .meddra_version
        .split_once('.')
        .is_some_and(|(major, minor)| {
            [major, minor]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        });
    if !version_ok {
        return Err(invalid(
            "E.i.2.1a MedDRA version",
            format!("'{}' is not N.N, e.g. 27.1", header.meddra_version),
        ));
    }
    if !(header.language.len() == 3 && header.language.bytes().all(|b| b.is_ascii_lowercase())) {
        return Err(invalid(
            "E.i.1.1b language",
            format!(
                "'{}' is not an ISO 639-2 alpha-3 code, e.g. eng",
                header.language
            ),
        ));
    }
    let created = header.created_at.date_naive();
    let latest = header.latest_information.unwrap_or(event.awareness_date());
    if latest < event.awareness_date() {
        return Err(invalid(
            "C.1.5 most recent information",
            format!(
                "{latest} is before the report was first received ({})",
                event.awareness_date()
            ),
        ));
    }
    if latest > created {
        return Err(invalid(
            "C.1.5 most recent information",
            format!("{latest} is after the message creation date {created}"),
        ));
    }
    Ok(latest)
}

/// Refuses text of the case that an XML message cannot carry, naming its element.
fn check_case_text(event: &AdverseEvent, patient: &IcsrPatient) -> Result<(), ExportError> {
    let r = event.reporter();
    let mut fields: Vec<(&'static str, &str)> = vec![
        ("E.i.1.1a reported term", event.reported_term()),
        ("H.1 case narrative", event.narrative()),
    ];
    fields.extend(r.given_name().map(|v| ("C.2.r.1.2 reporter given name", v)));
    fields.extend(
        r.family_name()
            .map(|v| ("C.2.r.1.4 reporter family name", v)),
    );
    fields.extend(r.email().map(|v| ("FDA.C.2.r.2.8 reporter email", v)));
    fields.extend(patient.initials().map(|v| ("D.1 patient initials", v)));
    fields.extend(
        patient
            .identifier()
            .map(|v| ("D.1.1.2 specialist record number", v)),
    );
    for p in event.suspect_products() {
        fields.push(("G.k.2.2 product name", p.product_name()));
        fields.extend(p.lot_number().map(|v| ("G.k.4.r.7 batch / lot number", v)));
    }
    fields.into_iter().try_for_each(|(f, v)| writable(f, v))
}

/// The E2B(R3) ICSR message of one adverse event. Refuses an event that is not a valid ICSR, has
/// no MedDRA code or no narrative ([`ExportError::Incomplete`] lists all of them), and a header
/// that does not fit the case ([`ExportError::InvalidInput`]).
pub fn icsr_xml(
    event: &AdverseEvent,
    patient: &IcsrPatient,
    header: &IcsrHeader,
    sender: &Sender,
) -> Result<String, ExportError> {
    let mut missing: Vec<MissingElement> = event
        .missing_icsr_elements(patient)
        .into_iter()
        .map(MissingElement::Icsr)
        .collect();
    if event.meddra_code().is_none() {
        missing.push(MissingElement::MeddraCode);
    }
    if event.narrative().is_empty() {
        missing.push(MissingElement::Narrative);
    }
    let meddra_code = match event.meddra_code() {
        Some(code) if missing.is_empty() => code,
        _ => return Err(ExportError::Incomplete { missing }),
    };
    let latest_information = check_header(header, event)?;
    check_case_text(event, patient)?;
    let case = Case {
        event,
        meddra_code,
        patient,
        header,
        sender,
        latest_information,
        reaction_id: name_uuid(&header.case_id, "reaction/1"),
        drugs: group_products(event.suspect_products(), &header.case_id),
    };
    let mut xml = Xml::new();
    case.write(&mut xml)?;
    xml.finish()
}

fn name_uuid(case_id: &str, what: &str) -> String {
    Uuid::new_v5(&ID_NAMESPACE, format!("{case_id}/{what}").as_bytes()).to_string()
}

/// One G.k drug: a product name with its administrations (G.k.4.r).
struct Drug<'a> {
    id: String,
    name: &'a str,
    administrations: Vec<&'a SuspectProduct>,
}

fn group_products<'a>(products: &'a [SuspectProduct], case_id: &str) -> Vec<Drug<'a>> {
    let mut drugs: Vec<Drug<'a>> = Vec::new();
    for p in products {
        match drugs.iter_mut().find(|d| d.name == p.product_name()) {
            Some(d) => d.administrations.push(p),
            None => drugs.push(Drug {
                id: name_uuid(case_id, &format!("drug/{}", drugs.len() + 1)),
                name: p.product_name(),
                administrations: vec![p],
            }),
        }
    }
    drugs
}

fn date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

fn timestamp(t: &DateTime<FixedOffset>) -> String {
    t.format("%Y%m%d%H%M%S%z").to_string()
}

/// A thin layer over the quick-xml writer: elements with attributes, text and comments.
struct Xml {
    w: Writer<Vec<u8>>,
}

type Attrs<'a> = &'a [(&'a str, &'a str)];

impl Xml {
    fn new() -> Self {
        Xml {
            w: Writer::new_with_indent(Vec::new(), b'\t', 1),
        }
    }

    fn finish(self) -> Result<String, ExportError> {
        let mut bytes = self.w.into_inner();
        bytes.push(b'\n');
        String::from_utf8(bytes).map_err(|e| ExportError::Xml(io::Error::other(e)))
    }

    fn decl(&mut self) -> io::Result<()> {
        self.w
            .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
    }

    /// A comment naming the data element, as the FDA examples have. The text is this module's
    /// own wording, written unescaped (comments take no entities) and never holding "--".
    fn comment(&mut self, text: &str) -> io::Result<()> {
        debug_assert!(!text.contains("--"));
        self.w
            .write_event(Event::Comment(BytesText::from_escaped(format!(" {text} "))))
    }

    /// Refuses text or attribute values XML cannot carry (quick-xml escapes markup, not these).
    fn check(name: &str, attrs: Attrs, text: &str) -> io::Result<()> {
        for value in attrs.iter().map(|(_, v)| *v).chain([text]) {
            if let Some(c) = unwritable(value) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("<{name}> would hold the character {c}, which XML cannot carry"),
                ));
            }
        }
        Ok(())
    }

    fn empty(&mut self, name: &str, attrs: Attrs) -> io::Result<()> {
        Xml::check(name, attrs, "")?;
        self.w
            .create_element(name)
            .with_attributes(attrs.iter().copied())
            .write_empty()
            .map(|_| ())
    }

    fn text(&mut self, name: &str, attrs: Attrs, text: &str) -> io::Result<()> {
        Xml::check(name, attrs, text)?;
        self.w
            .create_element(name)
            .with_attributes(attrs.iter().copied())
            .write_text_content(BytesText::new(text))
            .map(|_| ())
    }

    fn elem(
        &mut self,
        name: &str,
        attrs: Attrs,
        body: impl FnOnce(&mut Xml) -> io::Result<()>,
    ) -> io::Result<()> {
        Xml::check(name, attrs, "")?;
        let start = BytesStart::new(name).with_attributes(attrs.iter().copied());
        self.w.write_event(Event::Start(start))?;
        body(self)?;
        self.w.write_event(Event::End(BytesEnd::new(name)))
    }

    /// `<observation classCode="OBS" moodCode="EVN">` with its code, as the ICH observations
    /// are written.
    fn observation(
        &mut self,
        code: (&str, &str, &str),
        body: impl FnOnce(&mut Xml) -> io::Result<()>,
    ) -> io::Result<()> {
        let (code, code_system, display) = code;
        self.elem("observation", OBS, |x| {
            x.empty(
                "code",
                &[
                    ("code", code),
                    ("codeSystem", code_system),
                    ("displayName", display),
                ],
            )?;
            body(x)
        })
    }

    /// A BL value: `true`, `false`, or the nullFlavor NI.
    fn boolean(&mut self, value: Option<bool>) -> io::Result<()> {
        match value {
            Some(true) => self.empty("value", &[("xsi:type", "BL"), ("value", "true")]),
            Some(false) => self.empty("value", &[("xsi:type", "BL"), ("value", "false")]),
            None => self.empty("value", &[("xsi:type", "BL"), ("nullFlavor", "NI")]),
        }
    }
}

const OBS: Attrs<'static> = &[("classCode", "OBS"), ("moodCode", "EVN")];
const SBADM: Attrs<'static> = &[("classCode", "SBADM"), ("moodCode", "EVN")];
const CACT: Attrs<'static> = &[("classCode", "CACT"), ("moodCode", "EVN")];
const INVSTG: Attrs<'static> = &[("classCode", "INVSTG"), ("moodCode", "EVN")];
const PSN: Attrs<'static> = &[("classCode", "PSN"), ("determinerCode", "INSTANCE")];
const ORG: Attrs<'static> = &[("classCode", "ORG"), ("determinerCode", "INSTANCE")];
const DEVICE: Attrs<'static> = &[("classCode", "DEV"), ("determinerCode", "INSTANCE")];
const COUNTRY_PLACE: Attrs<'static> = &[("classCode", "COUNTRY"), ("determinerCode", "INSTANCE")];
const COMP: Attrs<'static> = &[("typeCode", "COMP")];
const PERT: Attrs<'static> = &[("typeCode", "PERT")];
const SBJ: Attrs<'static> = &[("typeCode", "SBJ")];
const SUBJ: Attrs<'static> = &[("typeCode", "SUBJ")];
const SPRT: Attrs<'static> = &[("typeCode", "SPRT")];
const AUT: Attrs<'static> = &[("typeCode", "AUT")];
const ASSIGNED: Attrs<'static> = &[("classCode", "ASSIGNED")];

/// Everything one message is written from.
struct Case<'a> {
    event: &'a AdverseEvent,
    meddra_code: &'a MeddraCode,
    patient: &'a IcsrPatient,
    header: &'a IcsrHeader,
    sender: &'a Sender,
    latest_information: NaiveDate,
    reaction_id: String,
    drugs: Vec<Drug<'a>>,
}

impl Case<'_> {
    fn write(&self, x: &mut Xml) -> io::Result<()> {
        let created = timestamp(&self.header.created_at);
        x.decl()?;
        x.elem(
            "MCCI_IN200100UV01",
            &[
                ("xmlns", "urn:hl7-org:v3"),
                ("xmlns:xsi", XSI),
                ("ITSVersion", "XML_1.0"),
                ("xsi:schemaLocation", "urn:hl7-org:v3 MCCI_IN200100UV01.xsd"),
            ],
            |x| {
                x.empty(
                    "id",
                    &[
                        ("extension", &self.header.batch_number),
                        ("root", OID_BATCH_NUMBER),
                    ],
                )?;
                x.comment("N.1.2 Batch Number")?;
                x.empty("creationTime", &[("value", &created)])?;
                x.comment("N.1.5 Date of Batch Transmission")?;
                x.empty("responseModeCode", &[("code", "D")])?;
                x.empty(
                    "interactionId",
                    &[
                        ("extension", "MCCI_IN200100UV01"),
                        ("root", OID_INTERACTION),
                    ],
                )?;
                x.empty(
                    "name",
                    &[
                        ("code", "1"),
                        ("displayName", "ichicsr"),
                        ("codeSystem", OID_MESSAGE_TYPE),
                    ],
                )?;
                x.comment("N.1.1 Type of Messages in Batch")?;
                x.elem("PORR_IN049016UV", &[], |x| self.message(x, &created))?;
                x.elem("receiver", &[("typeCode", "RCV")], |x| {
                    x.elem("device", DEVICE, |x| {
                        x.empty(
                            "id",
                            &[
                                ("extension", &self.header.batch_receiver_id),
                                ("root", OID_BATCH_RECEIVER),
                            ],
                        )?;
                        x.comment("N.1.4 Batch Receiver Identifier")
                    })
                })?;
                x.elem("sender", &[("typeCode", "SND")], |x| {
                    x.elem("device", DEVICE, |x| {
                        x.empty(
                            "id",
                            &[
                                ("extension", &self.header.sender_id),
                                ("root", OID_BATCH_SENDER),
                            ],
                        )?;
                        x.comment("N.1.3 Batch Sender Identifier")
                    })
                })
            },
        )
    }

    fn message(&self, x: &mut Xml, created: &str) -> io::Result<()> {
        x.empty(
            "id",
            &[
                ("extension", &self.header.case_id),
                ("root", OID_MESSAGE_ID),
            ],
        )?;
        x.comment("N.2.r.1 Message Identifier")?;
        x.empty("creationTime", &[("value", created)])?;
        x.comment("N.2.r.4 Date of Message Creation")?;
        x.empty(
            "interactionId",
            &[("extension", "PORR_IN049016UV"), ("root", OID_INTERACTION)],
        )?;
        x.empty("processingCode", &[("code", "P")])?;
        x.empty("processingModeCode", &[("code", "I")])?;
        x.empty("acceptAckCode", &[("code", "AL")])?;
        x.elem("receiver", &[("typeCode", "RCV")], |x| {
            x.elem("device", DEVICE, |x| {
                x.empty(
                    "id",
                    &[
                        ("extension", &self.header.message_receiver_id),
                        ("root", OID_MESSAGE_RECEIVER),
                    ],
                )?;
                x.comment("N.2.r.3 Message Receiver Identifier")
            })
        })?;
        x.elem("sender", &[("typeCode", "SND")], |x| {
            x.elem("device", DEVICE, |x| {
                x.empty(
                    "id",
                    &[
                        ("extension", &self.header.sender_id),
                        ("root", OID_MESSAGE_SENDER),
                    ],
                )?;
                x.comment("N.2.r.2 Message Sender Identifier")
            })
        })?;
        x.elem("controlActProcess", CACT, |x| {
            x.empty(
                "code",
                &[
                    ("code", "PORR_TE049016UV"),
                    ("codeSystem", OID_TRIGGER_EVENT),
                ],
            )?;
            x.empty("effectiveTime", &[("value", created)])?;
            x.comment("C.1.2 Date of Creation")?;
            x.elem("subject", SUBJ, |x| {
                x.elem("investigationEvent", INVSTG, |x| self.investigation(x))
            })
        })
    }

    fn investigation(&self, x: &mut Xml) -> io::Result<()> {
        let e = self.event;
        let serious = e.is_serious();
        x.empty(
            "id",
            &[
                ("extension", &self.header.case_id),
                ("root", OID_MESSAGE_ID),
            ],
        )?;
        x.comment("C.1.1 Sender's (case) Safety Report Unique Identifier")?;
        x.empty(
            "id",
            &[
                ("extension", &self.header.case_id),
                ("root", OID_WORLDWIDE_CASE_ID),
            ],
        )?;
        x.comment("C.1.8.1 Worldwide Unique Case Identification Number")?;
        x.empty(
            "code",
            &[("code", "PAT_ADV_EVNT"), ("codeSystem", OID_ACT_CODE)],
        )?;
        x.text("text", &[], e.narrative())?;
        x.comment("H.1 Case Narrative")?;
        x.empty("statusCode", &[("code", "active")])?;
        x.elem("effectiveTime", &[], |x| {
            x.empty("low", &[("value", &date(e.awareness_date()))])?;
            x.comment("C.1.4 Date Report Was First Received from Source")
        })?;
        x.empty(
            "availabilityTime",
            &[("value", &date(self.latest_information))],
        )?;
        x.comment("C.1.5 Date of Most Recent Information for This Report")?;
        x.elem("component", COMP, |x| {
            x.elem("adverseEventAssessment", INVSTG, |x| self.assessment(x))
        })?;
        x.elem("component", COMP, |x| {
            x.elem("observationEvent", OBS, |x| {
                x.empty(
                    "code",
                    &[
                        ("code", "1"),
                        ("codeSystem", OID_OBSERVATION),
                        ("displayName", "additionalDocumentsAvailable"),
                    ],
                )?;
                x.boolean(Some(false))?;
                x.comment("C.1.6.1 Are Additional Documents Available?")
            })
        })?;
        x.elem("component", COMP, |x| {
            x.elem("observationEvent", OBS, |x| {
                x.empty(
                    "code",
                    &[
                        ("code", "23"),
                        ("codeSystem", OID_OBSERVATION),
                        ("displayName", "localCriteriaForExpedited"),
                    ],
                )?;
                x.boolean(Some(serious))?;
                x.comment("C.1.7 Does This Case Fulfil the Local Criteria for an Expedited Report?")
            })
        })?;
        let (report_type, report_type_name) = if serious {
            ("1", "15-Day")
        } else {
            ("2", "Non-Expedited AE")
        };
        x.elem("component", COMP, |x| {
            x.elem("observationEvent", OBS, |x| {
                x.empty(
                    "code",
                    &[
                        ("code", "C54588"),
                        ("codeSystem", OID_NCI_THESAURUS),
                        ("displayName", "localCriteriaReportType"),
                    ],
                )?;
                x.empty(
                    "value",
                    &[
                        ("xsi:type", "CE"),
                        ("code", report_type),
                        ("codeSystem", OID_FDA_REPORT_TYPE),
                        ("displayName", report_type_name),
                    ],
                )?;
                x.comment("FDA.C.1.7.1 Local Criteria Report Type")
            })
        })?;
        x.elem("component", COMP, |x| {
            x.elem("observationEvent", OBS, |x| {
                x.empty(
                    "code",
                    &[
                        ("code", "C156384"),
                        ("codeSystem", OID_NCI_THESAURUS),
                        ("displayName", "Combination Product Report Indicator"),
                    ],
                )?;
                x.boolean(Some(false))?;
                x.comment("FDA.C.1.12 Combination Product Report Indicator")
            })
        })?;
        x.elem("outboundRelationship", SPRT, |x| {
            x.elem("relatedInvestigation", INVSTG, |x| {
                x.empty(
                    "code",
                    &[
                        ("code", "1"),
                        ("codeSystem", OID_REPORT_RELATION),
                        ("displayName", "initialReport"),
                    ],
                )?;
                x.elem("subjectOf2", SUBJ, |x| {
                    x.elem("controlActEvent", CACT, |x| {
                        x.elem("author", AUT, |x| {
                            x.elem("assignedEntity", ASSIGNED, |x| {
                                x.empty(
                                    "code",
                                    &[
                                        ("code", "2"),
                                        ("displayName", "other"),
                                        ("codeSystem", OID_FIRST_SENDER),
                                    ],
                                )?;
                                x.comment("C.1.8.2 First Sender of This Case")
                            })
                        })
                    })
                })
            })
        })?;
        x.elem("outboundRelationship", SPRT, |x| {
            x.empty("priorityNumber", &[("value", "1")])?;
            x.comment("C.2.r.5 Primary Source for Regulatory Purposes")?;
            x.elem("relatedInvestigation", INVSTG, |x| {
                x.empty(
                    "code",
                    &[
                        ("code", "2"),
                        ("codeSystem", OID_REPORT_RELATION),
                        ("displayName", "sourceReport"),
                    ],
                )?;
                x.elem("subjectOf2", SUBJ, |x| {
                    x.elem("controlActEvent", CACT, |x| {
                        x.elem("author", AUT, |x| {
                            x.elem("assignedEntity", ASSIGNED, |x| self.reporter(x))
                        })
                    })
                })
            })
        })?;
        x.elem("subjectOf1", SUBJ, |x| {
            x.elem("controlActEvent", CACT, |x| {
                x.elem("author", AUT, |x| {
                    x.elem("assignedEntity", ASSIGNED, |x| self.sender(x))
                })
            })
        })?;
        x.elem("subjectOf2", SUBJ, |x| {
            x.elem("investigationCharacteristic", OBS, |x| {
                x.empty(
                    "code",
                    &[
                        ("code", "1"),
                        ("codeSystem", OID_CHARACTERISTIC),
                        ("displayName", "ICH ReportType"),
                    ],
                )?;
                x.empty(
                    "value",
                    &[
                        ("xsi:type", "CE"),
                        ("code", "1"),
                        ("displayName", "Spontaneous report"),
                        ("codeSystem", OID_REPORT_TYPE),
                    ],
                )?;
                x.comment("C.1.3 Type of Report")
            })
        })?;
        x.elem("subjectOf2", SUBJ, |x| {
            x.elem("investigationCharacteristic", OBS, |x| {
                x.empty(
                    "code",
                    &[
                        ("code", "2"),
                        ("codeSystem", OID_CHARACTERISTIC),
                        ("displayName", "otherCaseIds"),
                    ],
                )?;
                x.boolean(None)?;
                x.comment("C.1.9.1 Other Case Identifiers in Previous Transmissions")
            })
        })
    }

    fn reporter(&self, x: &mut Xml) -> io::Result<()> {
        let r = self.event.reporter();
        match r.email() {
            Some(email) => x.empty("telecom", &[("value", &format!("mailto:{email}"))])?,
            None => x.empty("telecom", &[("nullFlavor", "NASK"), ("value", "mailto")])?,
        }
        x.comment("FDA.C.2.r.2.8 Reporter's Email")?;
        x.elem("assignedPerson", PSN, |x| {
            if r.given_name().is_some() || r.family_name().is_some() {
                x.elem("name", &[], |x| {
                    if let Some(given) = r.given_name() {
                        x.text("given", &[], given)?;
                        x.comment("C.2.r.1.2 Reporter's Given Name")?;
                    }
                    if let Some(family) = r.family_name() {
                        x.text("family", &[], family)?;
                        x.comment("C.2.r.1.4 Reporter's Family Name")?;
                    }
                    Ok(())
                })?;
            }
            x.elem("asQualifiedEntity", &[("classCode", "QUAL")], |x| {
                match r.qualification() {
                    Some(q) => x.empty(
                        "code",
                        &[
                            ("code", &q.e2b_code().to_string()),
                            ("displayName", qualification_name(q)),
                            ("codeSystem", OID_QUALIFICATION),
                        ],
                    )?,
                    None => x.empty("code", &[("nullFlavor", "UNK")])?,
                }
                x.comment("C.2.r.4 Qualification")
            })?;
            x.elem("asLocatedEntity", &[("classCode", "LOCE")], |x| {
                x.elem("location", COUNTRY_PLACE, |x| {
                    match r.country() {
                        Some(c) => {
                            x.empty("code", &[("code", c.as_str()), ("codeSystem", OID_COUNTRY)])?
                        }
                        None => x.empty("code", &[("nullFlavor", "UNK")])?,
                    }
                    x.comment("C.2.r.3 Reporter's Country Code")
                })
            })
        })
    }

    fn sender(&self, x: &mut Xml) -> io::Result<()> {
        let s = self.sender;
        x.empty(
            "code",
            &[
                ("code", "3"),
                ("displayName", "Health Professional"),
                ("codeSystem", OID_SENDER_TYPE),
            ],
        )?;
        x.comment("C.3.1 Sender Type")?;
        x.elem("addr", &[], |x| {
            x.text("streetAddressLine", &[], &s.street)?;
            x.comment("C.3.4.1 Sender's Street Address")?;
            x.text("city", &[], &s.city)?;
            x.comment("C.3.4.2 Sender's City")?;
            x.text("state", &[], &s.state)?;
            x.comment("C.3.4.3 Sender's State or Province")?;
            x.text("postalCode", &[], &s.postcode)?;
            x.comment("C.3.4.4 Sender's Postcode")
        })?;
        x.empty("telecom", &[("value", &format!("tel:{}", s.telephone))])?;
        x.comment("C.3.4.6 Sender's Telephone")?;
        x.empty("telecom", &[("value", &format!("fax:{}", s.fax))])?;
        x.comment("C.3.4.7 Sender's Fax")?;
        x.empty("telecom", &[("value", &format!("mailto:{}", s.email))])?;
        x.comment("C.3.4.8 Sender's E-mail Address")?;
        x.elem("assignedPerson", PSN, |x| {
            x.elem("name", &[], |x| {
                x.text("prefix", &[], &s.title)?;
                x.comment("C.3.3.2 Sender's Title")?;
                x.text("given", &[], &s.given_name)?;
                x.comment("C.3.3.3 Sender's Given Name")?;
                x.text("family", &[], &s.family_name)?;
                x.comment("C.3.3.5 Sender's Family Name")
            })?;
            x.elem("asLocatedEntity", &[("classCode", "LOCE")], |x| {
                x.elem("location", COUNTRY_PLACE, |x| {
                    x.empty(
                        "code",
                        &[("code", s.country.as_str()), ("codeSystem", OID_COUNTRY)],
                    )?;
                    x.comment("C.3.4.5 Sender's Country Code")
                })
            })
        })?;
        x.elem("representedOrganization", ORG, |x| {
            x.text("name", &[], &s.department)?;
            x.comment("C.3.3.1 Sender's Department")?;
            x.elem("assignedEntity", ASSIGNED, |x| {
                x.elem("representedOrganization", ORG, |x| {
                    x.text("name", &[], &s.organisation)?;
                    x.comment("C.3.2 Sender's Organisation")
                })
            })
        })
    }

    fn assessment(&self, x: &mut Xml) -> io::Result<()> {
        x.elem("subject1", SBJ, |x| {
            x.elem("primaryRole", &[("classCode", "INVSBJ")], |x| {
                self.patient(x)?;
                x.elem("subjectOf2", SBJ, |x| self.reaction(x))?;
                x.elem("subjectOf2", SBJ, |x| {
                    x.elem(
                        "organizer",
                        &[("classCode", "CATEGORY"), ("moodCode", "EVN")],
                        |x| {
                            x.empty(
                                "code",
                                &[
                                    ("code", "4"),
                                    ("codeSystem", OID_ORGANIZER),
                                    ("displayName", "drugInformation"),
                                ],
                            )?;
                            x.comment("G.k Drug(s) Information")?;
                            for drug in &self.drugs {
                                x.elem("component", COMP, |x| {
                                    x.elem("substanceAdministration", SBADM, |x| self.drug(x, drug))
                                })?;
                            }
                            Ok(())
                        },
                    )
                })
            })
        })?;
        for drug in &self.drugs {
            x.elem("component", COMP, |x| {
                x.elem("causalityAssessment", OBS, |x| {
                    x.empty(
                        "code",
                        &[
                            ("code", "20"),
                            ("codeSystem", OID_OBSERVATION),
                            ("displayName", "interventionCharacterization"),
                        ],
                    )?;
                    x.empty(
                        "value",
                        &[
                            ("xsi:type", "CE"),
                            ("code", "1"),
                            ("displayName", "Suspect"),
                            ("codeSystem", OID_DRUG_ROLE),
                        ],
                    )?;
                    x.comment("G.k.1 Characterisation of Drug Role")?;
                    x.elem("subject2", SUBJ, |x| {
                        x.elem("productUseReference", SBADM, |x| {
                            x.empty("id", &[("root", &drug.id)])
                        })
                    })
                })
            })?;
        }
        if let Some(result) = causality_text(self.event.causality()) {
            for drug in &self.drugs {
                x.elem("component", COMP, |x| {
                    x.elem("causalityAssessment", OBS, |x| {
                        x.empty(
                            "code",
                            &[
                                ("code", "39"),
                                ("codeSystem", OID_OBSERVATION),
                                ("displayName", "causality"),
                            ],
                        )?;
                        x.text("value", &[("xsi:type", "ST")], result)?;
                        x.comment("G.k.9.i.2.r.3 Result of Assessment")?;
                        x.elem("methodCode", &[], |x| {
                            x.text("originalText", &[], "Global introspection")
                        })?;
                        x.comment("G.k.9.i.2.r.2 Method of Assessment")?;
                        x.elem("author", AUT, |x| {
                            x.elem("assignedEntity", ASSIGNED, |x| {
                                x.elem("code", &[], |x| {
                                    x.text("originalText", &[], "Treating clinic")
                                })
                            })
                        })?;
                        x.comment("G.k.9.i.2.r.1 Source of Assessment")?;
                        x.elem("subject1", SUBJ, |x| {
                            x.elem("adverseEffectReference", OBS, |x| {
                                x.empty("id", &[("root", &self.reaction_id)])
                            })
                        })?;
                        x.elem("subject2", SUBJ, |x| {
                            x.elem("productUseReference", SBADM, |x| {
                                x.empty("id", &[("root", &drug.id)])
                            })
                        })
                    })
                })?;
            }
        }
        Ok(())
    }

    fn patient(&self, x: &mut Xml) -> io::Result<()> {
        let p = self.patient;
        let onset = self.event.onset();
        x.elem("player1", PSN, |x| {
            match p.initials() {
                Some(initials) => x.text("name", &[], initials)?,
                None => {
                    let flavor = if p.identifier().is_some() {
                        "MSK"
                    } else {
                        "UNK"
                    };
                    x.empty("name", &[("nullFlavor", flavor)])?
                }
            }
            x.comment("D.1 Patient (name or initials)")?;
            match p.sex() {
                Some(Sex::Male) => x.empty(
                    "administrativeGenderCode",
                    &[
                        ("code", "1"),
                        ("displayName", "Male"),
                        ("codeSystem", OID_SEX),
                    ],
                )?,
                Some(Sex::Female) => x.empty(
                    "administrativeGenderCode",
                    &[
                        ("code", "2"),
                        ("displayName", "Female"),
                        ("codeSystem", OID_SEX),
                    ],
                )?,
                Some(Sex::Other) => {
                    x.empty("administrativeGenderCode", &[("nullFlavor", "MSK")])?
                }
                None => x.empty("administrativeGenderCode", &[("nullFlavor", "UNK")])?,
            }
            x.comment("D.5 Sex")?;
            if let Some(dob) = p.date_of_birth() {
                x.empty("birthTime", &[("value", &date(dob))])?;
                x.comment("D.2.1 Date of Birth")?;
            }
            if let Some(identifier) = p.identifier() {
                x.elem("asIdentifiedEntity", &[("classCode", "IDENT")], |x| {
                    x.empty(
                        "id",
                        &[("extension", identifier), ("root", OID_SPECIALIST_RECORD)],
                    )?;
                    x.empty(
                        "code",
                        &[
                            ("code", "2"),
                            ("codeSystem", OID_RECORD_NUMBER_KIND),
                            ("displayName", "Specialist Record Number"),
                        ],
                    )
                })?;
                x.comment("D.1.1.2 Patient Medical Record Number (Specialist Record Number)")?;
            }
            Ok(())
        })?;
        if let Some(age) = p.age_at(onset) {
            x.elem("subjectOf2", SBJ, |x| {
                x.observation(("3", OID_OBSERVATION, "age"), |x| {
                    x.empty(
                        "value",
                        &[
                            ("xsi:type", "PQ"),
                            ("value", &age.to_string()),
                            ("unit", "a"),
                        ],
                    )?;
                    x.comment("D.2.2a/b Age at Time of Onset of Reaction / Event")
                })
            })?;
        }
        if let Some(kg) = p.weight_kg() {
            x.elem("subjectOf2", SBJ, |x| {
                x.observation(("7", OID_OBSERVATION, "bodyWeight"), |x| {
                    x.empty(
                        "value",
                        &[
                            ("xsi:type", "PQ"),
                            ("value", &kg.to_string()),
                            ("unit", "kg"),
                        ],
                    )?;
                    x.comment("D.3 Body Weight (kg)")
                })
            })?;
        }
        x.elem("subjectOf2", SBJ, |x| {
            x.observation(("C17049", OID_NCI_THESAURUS, "Race"), |x| {
                x.empty(
                    "value",
                    &[
                        ("xsi:type", "CE"),
                        ("codeSystem", OID_NCI_THESAURUS),
                        ("nullFlavor", "UNK"),
                    ],
                )?;
                x.comment("FDA.D.11.r.1 Patient Race Code")
            })
        })?;
        x.elem("subjectOf2", SBJ, |x| {
            x.observation(("C16564", OID_NCI_THESAURUS, "Ethnic Group"), |x| {
                x.empty(
                    "value",
                    &[
                        ("xsi:type", "CE"),
                        ("codeSystem", OID_NCI_THESAURUS),
                        ("nullFlavor", "UNK"),
                    ],
                )?;
                x.comment("FDA.D.12 Patient Ethnicity Code")
            })
        })
    }

    fn reaction(&self, x: &mut Xml) -> io::Result<()> {
        let e = self.event;
        x.elem("observation", OBS, |x| {
            x.empty("id", &[("root", &self.reaction_id)])?;
            x.empty(
                "code",
                &[
                    ("code", "29"),
                    ("codeSystem", OID_OBSERVATION),
                    ("displayName", "reaction"),
                ],
            )?;
            x.comment("E.i.0 Reaction / Event")?;
            x.elem("effectiveTime", &[("xsi:type", "IVL_TS")], |x| {
                x.empty("low", &[("value", &date(e.onset()))])?;
                x.comment("E.i.4 Date of Start of Reaction / Event")?;
                if let Some(end) = e.resolution() {
                    x.empty("high", &[("value", &date(end))])?;
                    x.comment("E.i.5 Date of End of Reaction / Event")?;
                }
                Ok(())
            })?;
            x.elem(
                "value",
                &[
                    ("xsi:type", "CE"),
                    ("code", self.meddra_code.as_str()),
                    ("codeSystem", OID_MEDDRA),
                    ("codeSystemVersion", &self.header.meddra_version),
                ],
                |x| {
                    x.text(
                        "originalText",
                        &[("language", &self.header.language)],
                        e.reported_term(),
                    )?;
                    x.comment(
                        "E.i.1.1a/b Reaction / Event as Reported by the Primary Source, Language",
                    )
                },
            )?;
            x.comment("E.i.2.1a/b MedDRA Version, Reaction / Event (MedDRA code)")?;
            let s = e.seriousness();
            let criteria = [
                (
                    "34",
                    OID_OBSERVATION,
                    "resultsInDeath",
                    s.contains(SeriousOutcome::Death),
                    "E.i.3.2a Results in Death",
                ),
                (
                    "21",
                    OID_OBSERVATION,
                    "isLifeThreatening",
                    s.contains(SeriousOutcome::LifeThreatening),
                    "E.i.3.2b Life Threatening",
                ),
                (
                    "33",
                    OID_OBSERVATION,
                    "requiresInpatientHospitalization",
                    s.contains(SeriousOutcome::Hospitalization),
                    "E.i.3.2c Caused / Prolonged Hospitalisation",
                ),
                (
                    "35",
                    OID_OBSERVATION,
                    "resultsInPersistentOrSignificantDisability",
                    s.contains(SeriousOutcome::Disability),
                    "E.i.3.2d Disabling / Incapacitating",
                ),
                (
                    "12",
                    OID_OBSERVATION,
                    "congenitalAnomalyBirthDefect",
                    s.contains(SeriousOutcome::CongenitalAnomaly),
                    "E.i.3.2e Congenital Anomaly / Birth Defect",
                ),
                (
                    "26",
                    OID_OBSERVATION,
                    "otherMedicallyImportantCondition",
                    s.contains(SeriousOutcome::OtherImportantMedicalEvent)
                        || s.contains(SeriousOutcome::RequiredIntervention),
                    "E.i.3.2f Other Medically Important Condition",
                ),
                (
                    "7",
                    OID_FDA_OBSERVATION,
                    "requiredIntervention",
                    s.contains(SeriousOutcome::RequiredIntervention),
                    "FDA.E.i.3.2h Required Intervention",
                ),
            ];
            for (code, system, name, present, label) in criteria {
                x.elem("outboundRelationship2", PERT, |x| {
                    x.observation((code, system, name), |x| {
                        x.boolean(present.then_some(true))?;
                        x.comment(label)
                    })
                })?;
            }
            x.elem("outboundRelationship2", PERT, |x| {
                x.observation(("27", OID_OBSERVATION, "outcome"), |x| {
                    x.empty(
                        "value",
                        &[
                            ("xsi:type", "CE"),
                            ("code", &e.outcome().e2b_code().to_string()),
                            ("displayName", outcome_name(e.outcome())),
                            ("codeSystem", OID_OUTCOME),
                        ],
                    )?;
                    x.comment("E.i.7 Outcome of Reaction / Event at the Time of Last Observation")
                })
            })
        })
    }

    fn drug(&self, x: &mut Xml, drug: &Drug<'_>) -> io::Result<()> {
        x.empty("id", &[("root", &drug.id)])?;
        x.elem("consumable", &[("typeCode", "CSM")], |x| {
            x.elem("instanceOfKind", &[("classCode", "INST")], |x| {
                x.elem(
                    "kindOfProduct",
                    &[("classCode", "MMAT"), ("determinerCode", "KIND")],
                    |x| {
                        x.text("name", &[], drug.name)?;
                        x.comment(
                            "G.k.2.2 Medicinal Product Name as Reported by the Primary Source",
                        )
                    },
                )
            })
        })?;
        for given in &drug.administrations {
            x.elem("outboundRelationship2", COMP, |x| {
                x.elem("substanceAdministration", SBADM, |x| {
                    let day = date(given.session_date());
                    x.elem("effectiveTime", &[("xsi:type", "SXPR_TS")], |x| {
                        x.elem("comp", &[("xsi:type", "IVL_TS"), ("operator", "A")], |x| {
                            x.empty("low", &[("value", &day)])?;
                            x.comment("G.k.4.r.4 Date and Time of Start of Drug")?;
                            x.empty("high", &[("value", &day)])?;
                            x.comment("G.k.4.r.5 Date and Time of Last Administration")
                        })
                    })?;
                    x.elem("routeCode", &[("codeSystem", OID_ROUTE)], |x| {
                        x.text("originalText", &[], ROUTE_INTRAMUSCULAR)
                    })?;
                    x.comment("G.k.4.r.10.1 Route of Administration (free text)")?;
                    if let Some(units) = given.dose_units() {
                        x.empty(
                            "doseQuantity",
                            &[("value", &units.get().to_string()), ("unit", DOSE_UNIT)],
                        )?;
                        x.comment("G.k.4.r.1a/b Dose (number, unit)")?;
                    }
                    if let Some(lot) = given.lot_number() {
                        x.elem("consumable", &[("typeCode", "CSM")], |x| {
                            x.elem("instanceOfKind", &[("classCode", "INST")], |x| {
                                x.elem(
                                    "productInstanceInstance",
                                    &[("classCode", "MMAT"), ("determinerCode", "INSTANCE")],
                                    |x| x.text("lotNumberText", &[], lot),
                                )?;
                                x.comment("G.k.4.r.7 Batch / Lot Number")?;
                                x.empty(
                                    "kindOfProduct",
                                    &[("classCode", "MMAT"), ("determinerCode", "KIND")],
                                )
                            })
                        })?;
                    }
                    Ok(())
                })
            })?;
        }
        let action = self.event.action_taken().e2b_code().to_string();
        x.elem("inboundRelationship", &[("typeCode", "CAUS")], |x| {
            x.elem("act", &[("classCode", "ACT"), ("moodCode", "EVN")], |x| {
                x.empty(
                    "code",
                    &[("code", &action), ("codeSystem", OID_ACTION_TAKEN)],
                )
            })
        })?;
        x.comment("G.k.8 Action(s) Taken with Drug")
    }
}

/// G.k.9.i.2.r.3 result of assessment, free text; `None` when the clinic has not assessed it.
fn causality_text(c: Causality) -> Option<&'static str> {
    match c {
        Causality::Related => Some("Related"),
        Causality::PossiblyRelated => Some("Possibly related"),
        Causality::UnlikelyRelated => Some("Unlikely related"),
        Causality::Unrelated => Some("Not related"),
        Causality::NotAssessed => None,
    }
}

/// Display names of the C.2.r.4 codes (FDA table, values allowed).
fn qualification_name(q: ReporterQualification) -> &'static str {
    match q {
        ReporterQualification::Physician => "Physician",
        ReporterQualification::Pharmacist => "Pharmacist",
        ReporterQualification::OtherHealthProfessional => "Other health professional",
        ReporterQualification::Lawyer => "Lawyer",
        ReporterQualification::Consumer => "Consumer or other non health professional",
    }
}

/// Display names of the E.i.7 codes (FDA table, values allowed).
fn outcome_name(o: EventOutcome) -> &'static str {
    match o {
        EventOutcome::Recovered => "recovered/resolved",
        EventOutcome::Recovering => "recovering/resolving",
        EventOutcome::NotRecovered => "not recovered/not resolved/ongoing",
        EventOutcome::RecoveredWithSequelae => "recovered/resolved with sequelae",
        EventOutcome::Fatal => "fatal",
        EventOutcome::Unknown => "unknown",
    }
}
