//! The PREEMPT injection sites on a front and a back view of the head, neck and shoulders.

use std::collections::BTreeSet;

use cephalog_core::protocol::{Muscle, OccipitalNerve, Plan, Side, Target};
use cephalog_core::session::Session;

use crate::svg::{Num, Root, Svg, document, id_prefix, legend_label, legend_layout};
use crate::theme::{
    FONT_HEADING, GIVEN, HALO_WIDTH, INK, LEGEND_SWATCH_WIDTH, MUTED, OUTLINE, PAPER, SKIN,
    SKIPPED, STROKE_FEATURE, STROKE_HAIRLINE, STROKE_MARK,
};

/// What happened at a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SiteState {
    /// In the plan; nothing given yet (a plan on its own).
    Planned,
    /// Given (as planned, or with other units).
    Given,
    /// Planned but not given.
    Skipped,
    /// Given but not in the plan (follow-the-pain or another extra site).
    Added,
}

impl SiteState {
    /// `planned`, `given`, `skipped`, `added`: also the `data-state` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            SiteState::Planned => "planned",
            SiteState::Given => "given",
            SiteState::Skipped => "skipped",
            SiteState::Added => "added",
        }
    }
}

/// One injection site on the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteMark {
    /// The muscle or nerve. Named sites (`Target::Named`) have no place on the drawing and are
    /// only listed in the description.
    pub target: Target,
    /// The side; midline for procerus.
    pub side: Side,
    /// The site's number within target and side, from 1.
    pub ordinal: u32,
    /// Units given, or planned for a planned or skipped site.
    pub units: u32,
    /// The planned units, when a given site's units differ from the plan.
    pub planned_units: Option<u32>,
    /// What happened at the site.
    pub state: SiteState,
}

impl SiteMark {
    /// The site's key: see [`site_key`].
    pub fn key(&self) -> String {
        site_key(&self.target, self.side, self.ordinal)
    }

    /// A follow-the-pain site: an ordinal beyond the PREEMPT fixed sites of temporalis,
    /// occipitalis or trapezius on that side.
    pub fn is_follow_the_pain(&self) -> bool {
        self.target.muscle().is_some_and(|m| {
            m.takes_follow_the_pain() && self.ordinal > m.preempt_row().sites_per_side()
        })
    }
}

/// The key of a site: `<target>-<side>-<ordinal>`, with core's lower-case storage names
/// ([`Target::key`], [`Side::as_str`]), e.g. `temporalis-left-1`, `procerus-midline-1`,
/// `cervical_paraspinal-right-2`, `greater_occipital_nerve-left-1`. Characters other than ASCII
/// letters, digits and `_` in a named site's key become `_`.
///
/// On the map each site's circle carries `data-site="<key>"` and `id="site-<key>"`.
pub fn site_key(target: &Target, side: Side, ordinal: u32) -> String {
    let target: String = target
        .key()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{target}-{}-{ordinal}", side.as_str())
}

/// The sites of a plan, all planned.
pub fn sites_from_plan(plan: &Plan) -> Vec<SiteMark> {
    plan.sites()
        .iter()
        .map(|s| SiteMark {
            target: s.target().clone(),
            side: s.side(),
            ordinal: s.ordinal(),
            units: s.units(),
            planned_units: None,
            state: SiteState::Planned,
        })
        .collect()
}

/// The sites of a session against its plan, by core's [`Plan::diff`]: given (with the planned
/// units when they differ), skipped and added.
pub fn sites_from_session(plan: &Plan, session: &Session) -> Vec<SiteMark> {
    let diff = session.diff(plan);
    let added: BTreeSet<String> = diff
        .added
        .iter()
        .map(|s| site_key(s.target(), s.side(), s.ordinal()))
        .collect();
    let mut marks: Vec<SiteMark> = session
        .sites()
        .iter()
        .map(|s| {
            let key = site_key(s.target(), s.side(), s.ordinal());
            let planned_units = diff
                .changed
                .iter()
                .find(|c| c.target == *s.target() && c.side == s.side() && c.ordinal == s.ordinal())
                .map(|c| c.planned_units);
            SiteMark {
                target: s.target().clone(),
                side: s.side(),
                ordinal: s.ordinal(),
                units: s.units(),
                planned_units,
                state: if added.contains(&key) {
                    SiteState::Added
                } else {
                    SiteState::Given
                },
            }
        })
        .collect();
    marks.extend(diff.skipped.iter().map(|s| SiteMark {
        target: s.target().clone(),
        side: s.side(),
        ordinal: s.ordinal(),
        units: s.units(),
        planned_units: None,
        state: SiteState::Skipped,
    }));
    marks
}

/// What the site map shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteMapInput {
    /// Prefix of the chart's own element ids (title, description); the site circles' ids are
    /// fixed (see [`site_key`]).
    pub id: String,
    /// The chart's accessible name.
    pub title: String,
    /// The sites, in any order; numbered on the map in core's site order (target, side,
    /// ordinal). A site listed twice is drawn once.
    pub sites: Vec<SiteMark>,
}

impl SiteMapInput {
    /// A plan's sites, all planned.
    pub fn for_plan(plan: &Plan) -> Self {
        SiteMapInput {
            id: "sites".to_owned(),
            title: format!(
                "Injection plan: {} U over {} sites",
                plan.total_units(),
                plan.total_sites()
            ),
            sites: sites_from_plan(plan),
        }
    }

    /// A session's sites against its plan.
    pub fn for_session(plan: &Plan, session: &Session) -> Self {
        SiteMapInput {
            id: "sites".to_owned(),
            title: format!(
                "Injection sites on {}: {} U given at {} sites",
                crate::svg::date_text(session.date()),
                session.units_given(),
                session.site_count()
            ),
            sites: sites_from_session(plan, session),
        }
    }
}

const WIDTH: f64 = 480.0;
/// Horizontal centres of the two views.
const FRONT_X: f64 = 120.0;
const BACK_X: f64 = 360.0;
const HEADING_Y: f64 = 22.0;
/// Head outline: centre height, half-width, top and chin.
const HEAD_CY: f64 = 128.0;
const HEAD_HALF_WIDTH: f64 = 72.0;
const HEAD_TOP: f64 = 38.0;
const HEAD_BOTTOM: f64 = 218.0;
/// Ears: height of centre, distance from the midline, radii.
const EAR_CY: f64 = 142.0;
const EAR_DX: f64 = 73.0;
const EAR_RX: f64 = 8.0;
const EAR_RY: f64 = 17.0;
/// Eyes: height of centre, distance from the midline, radii.
const EYE_CY: f64 = 134.0;
const EYE_DX: f64 = 26.0;
const EYE_RX: f64 = 10.0;
const EYE_RY: f64 = 4.5;
/// The back view's midline starts below the occipital protuberance.
const MIDLINE_TOP: f64 = 170.0;
/// Neck: half-width and where its outline starts (at the back it overlaps the skull).
const NECK_HALF_WIDTH: f64 = 31.0;
const NECK_TOP_FRONT: f64 = 190.0;
const NECK_TOP_BACK: f64 = 196.0;
/// Bottom of the shoulders.
const BODY_BOTTOM: f64 = 344.0;
const SIDE_LABEL_Y: f64 = 336.0;
const SIDE_LABEL_DX: f64 = 78.0;
const LEGEND_TOP: f64 = 354.0;
const BOTTOM: f64 = 6.0;
const SITE_RADIUS: f64 = 7.0;
/// Gap between a site and its outer "follow-the-pain / added" ring.
const RING_GAP: f64 = 3.0;
const SITE_FONT: f64 = 8.0;
const RING_WIDTH: f64 = STROKE_FEATURE;
const RING_DASH: &str = "2.5 1.5";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Front,
    Back,
}

/// Where a target's sites go: the view, each ordinal's position on the patient's left
/// (lateral distance from the midline, height), and the step for ordinals beyond the list.
struct Placement {
    view: View,
    positions: &'static [(f64, f64)],
    overflow_step: (f64, f64),
}

/// Positions of the PREEMPT fixed sites first, then of follow-the-pain extras.
fn placement(target: &Target) -> Option<Placement> {
    let p = |view, positions, overflow_step| {
        Some(Placement {
            view,
            positions,
            overflow_step,
        })
    };
    match target {
        Target::Muscle(Muscle::Corrugator) => p(View::Front, &[(16.0, 110.0)], (0.0, -16.0)),
        Target::Muscle(Muscle::Procerus) => p(View::Front, &[(0.0, 124.0)], (0.0, 16.0)),
        Target::Muscle(Muscle::Frontalis) => {
            p(View::Front, &[(17.0, 82.0), (41.0, 88.0)], (-8.0, -16.0))
        }
        Target::Muscle(Muscle::Temporalis) => p(
            View::Front,
            &[
                (54.0, 100.0),
                (66.0, 86.0),
                (66.0, 114.0),
                (54.0, 72.0),
                // Follow-the-pain, up to the label's 8 extra sites on one side.
                (38.0, 62.0),
                (78.0, 100.0),
                (58.0, 56.0),
                (22.0, 56.0),
                (82.0, 118.0),
                (80.0, 82.0),
                (72.0, 68.0),
                (40.0, 44.0),
            ],
            (0.0, -16.0),
        ),
        Target::Muscle(Muscle::Occipitalis) => p(
            View::Back,
            &[
                (24.0, 152.0),
                (46.0, 144.0),
                (34.0, 128.0),
                // Follow-the-pain, up to the label's 8 extra sites on one side.
                (14.0, 132.0),
                (56.0, 124.0),
                (64.0, 146.0),
                (24.0, 110.0),
                (46.0, 108.0),
                (66.0, 104.0),
                (38.0, 170.0),
                (60.0, 166.0),
            ],
            (10.0, -16.0),
        ),
        Target::Muscle(Muscle::CervicalParaspinal) => {
            p(View::Back, &[(14.0, 222.0), (14.0, 244.0)], (0.0, 22.0))
        }
        Target::Muscle(Muscle::Trapezius) => p(
            View::Back,
            &[
                (50.0, 266.0),
                (74.0, 272.0),
                (97.0, 284.0),
                // Follow-the-pain, up to the label's 8 extra sites on one side.
                (62.0, 290.0),
                (86.0, 302.0),
                (40.0, 288.0),
                (64.0, 312.0),
                (100.0, 308.0),
                (42.0, 312.0),
                (104.0, 330.0),
                (20.0, 300.0),
            ],
            (0.0, 18.0),
        ),
        Target::Nerve(OccipitalNerve::GreaterOccipital) => {
            p(View::Back, &[(18.0, 180.0)], (0.0, 16.0))
        }
        Target::Nerve(OccipitalNerve::LesserOccipital) => {
            p(View::Back, &[(48.0, 174.0)], (0.0, 16.0))
        }
        Target::Named(_) => None,
    }
}

/// Where a site is drawn: front view, patient's right on the viewer's left; back view,
/// patient's left on the viewer's left.
fn position(mark: &SiteMark) -> Option<(f64, f64)> {
    let place = placement(&mark.target)?;
    let index = mark.ordinal.max(1) as usize - 1;
    let (dx, y) = match place.positions.get(index) {
        Some(p) => *p,
        None => {
            let (lx, ly) = place.positions.last().copied().unwrap_or((0.0, 0.0));
            let beyond = (index + 1 - place.positions.len()) as f64;
            (
                lx + place.overflow_step.0 * beyond,
                ly + place.overflow_step.1 * beyond,
            )
        }
    };
    let toward_left = match place.view {
        View::Front => 1.0,
        View::Back => -1.0,
    };
    let sign = match mark.side {
        Side::Left => toward_left,
        Side::Right => -toward_left,
        Side::Midline => 0.0,
    };
    let centre = match place.view {
        View::Front => FRONT_X,
        View::Back => BACK_X,
    };
    Some((centre + sign * dx, y))
}

fn tooltip(number: usize, mark: &SiteMark) -> String {
    let site = format!(
        "{number}. {}, {}, site {}",
        mark.target, mark.side, mark.ordinal
    );
    let ftp = if mark.is_follow_the_pain() {
        " (follow-the-pain)"
    } else {
        ""
    };
    match (mark.state, mark.planned_units) {
        (SiteState::Given, Some(p)) => {
            format!("{site}{ftp}: {} U given (planned {p} U)", mark.units)
        }
        (SiteState::Given, None) => format!("{site}{ftp}: {} U given", mark.units),
        (SiteState::Planned, _) => format!("{site}{ftp}: {} U planned", mark.units),
        (SiteState::Skipped, _) => format!("{site}{ftp}: {} U planned, skipped", mark.units),
        (SiteState::Added, _) => format!("{site}{ftp}: {} U given, added to the plan", mark.units),
    }
}

/// Draws the site map.
pub fn site_map_svg(input: &SiteMapInput) -> String {
    let id = id_prefix(&input.id);
    let mut sites: Vec<&SiteMark> = input.sites.iter().collect();
    sites.sort_by(|a, b| (&a.target, a.side, a.ordinal).cmp(&(&b.target, b.side, b.ordinal)));
    sites.dedup_by(|a, b| (&a.target, a.side, a.ordinal) == (&b.target, b.side, b.ordinal));

    let mut body = Svg::new();
    draw_view(&mut body, View::Front);
    draw_view(&mut body, View::Back);

    body.open("g", &[("class", &"sites")]);
    let mut not_drawn = Vec::new();
    for (i, mark) in sites.iter().enumerate() {
        let number = i + 1;
        match position(mark) {
            Some(at) => draw_site(&mut body, at, number, mark),
            None => not_drawn.push(tooltip(number, mark)),
        }
    }
    body.close("g");

    // Legend.
    let items = [
        (SiteState::Planned, "planned", Ring::None),
        (SiteState::Given, "given", Ring::None),
        (SiteState::Skipped, "skipped", Ring::None),
        (SiteState::Added, "added to the plan", Ring::Added),
        (SiteState::Planned, "follow-the-pain", Ring::FollowThePain),
    ];
    let labels: Vec<&str> = items.iter().map(|(_, l, _)| *l).collect();
    let legend = legend_layout(&labels, 14.0, WIDTH - 14.0, LEGEND_TOP);
    body.open("g", &[("class", &"legend")]);
    for ((state, label, ring), (x, y)) in items.iter().zip(legend.positions.iter().copied()) {
        site_shape(
            &mut body,
            (x + LEGEND_SWATCH_WIDTH / 2.0, y),
            *state,
            *ring,
            None,
        );
        legend_label(&mut body, (x, y), label);
    }
    body.close("g");

    let height = LEGEND_TOP + legend.height + BOTTOM;
    let desc = describe(&sites, &not_drawn);
    document(
        &Root {
            id: &id,
            class: "cephalog-sites",
            width: WIDTH,
            height,
            title: &input.title,
            desc: &desc,
        },
        Svg::new(),
        body,
    )
}

fn draw_site(body: &mut Svg, (cx, cy): (f64, f64), number: usize, mark: &SiteMark) {
    let key = mark.key();
    let element_id = format!("site-{key}");
    let class = format!("site site-{}", mark.state.as_str());
    body.open("g", &[("class", &class)]);
    let ring = if mark.state == SiteState::Added {
        Ring::Added
    } else if mark.is_follow_the_pain() {
        Ring::FollowThePain
    } else {
        Ring::None
    };
    site_shape(
        body,
        (cx, cy),
        mark.state,
        ring,
        Some(SiteIdentity {
            element_id: &element_id,
            key: &key,
            tooltip: &tooltip(number, mark),
        }),
    );
    let number_fill = match mark.state {
        SiteState::Given | SiteState::Added => PAPER,
        SiteState::Planned => INK,
        SiteState::Skipped => INK,
    };
    let (x, y) = (Num(cx), Num(cy + SITE_FONT * 0.35));
    let mut attrs: Vec<crate::svg::Attr<'_>> = vec![
        ("x", &x),
        ("y", &y),
        ("font-size", &Num(SITE_FONT)),
        ("font-weight", &"bold"),
        ("text-anchor", &"middle"),
        ("fill", &number_fill),
        ("pointer-events", &"none"),
    ];
    if mark.state == SiteState::Skipped {
        // Keeps the number readable over the cross.
        attrs.extend_from_slice(&[
            ("stroke", &PAPER),
            ("stroke-width", &Num(HALO_WIDTH)),
            ("stroke-linejoin", &"round"),
            ("paint-order", &"stroke"),
        ]);
    }
    body.text("text", &attrs, &number.to_string());
    body.close("g");
}

/// The outer ring: solid for a site added to the plan, dashed for a planned follow-the-pain
/// site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ring {
    None,
    FollowThePain,
    Added,
}

struct SiteIdentity<'a> {
    element_id: &'a str,
    key: &'a str,
    tooltip: &'a str,
}

/// The circle of a site in its state: planned hollow, given filled, skipped dashed and
/// crossed, added filled in a solid outer ring; a follow-the-pain site has a dashed outer ring.
/// With `identity` the circle carries the site's id, key, state and tooltip.
fn site_shape(
    body: &mut Svg,
    (cx, cy): (f64, f64),
    state: SiteState,
    ring: Ring,
    identity: Option<SiteIdentity<'_>>,
) {
    if ring != Ring::None {
        let (x, y, r, w) = (
            Num(cx),
            Num(cy),
            Num(SITE_RADIUS + RING_GAP),
            Num(RING_WIDTH),
        );
        let mut attrs: Vec<crate::svg::Attr<'_>> = vec![
            ("class", &"site-ring"),
            ("cx", &x),
            ("cy", &y),
            ("r", &r),
            ("fill", &PAPER),
            ("stroke", &INK),
            ("stroke-width", &w),
            ("pointer-events", &"none"),
        ];
        if ring == Ring::FollowThePain {
            attrs.push(("stroke-dasharray", &RING_DASH));
        }
        body.leaf("circle", &attrs);
    }
    let (fill, stroke, dash) = match state {
        SiteState::Planned => (PAPER, INK, None),
        SiteState::Given | SiteState::Added => (GIVEN, INK, None),
        SiteState::Skipped => (PAPER, MUTED, Some("2 2")),
    };
    let (cx_n, cy_n, r, sw) = (Num(cx), Num(cy), Num(SITE_RADIUS), Num(STROKE_MARK));
    let mut attrs: Vec<crate::svg::Attr<'_>> = Vec::new();
    let state_name = state.as_str();
    if let Some(ident) = &identity {
        attrs.push(("id", &ident.element_id));
        attrs.push(("data-site", &ident.key));
        attrs.push(("data-state", &state_name));
    }
    attrs.extend_from_slice(&[
        ("class", &"site-mark"),
        ("cx", &cx_n),
        ("cy", &cy_n),
        ("r", &r),
        ("fill", &fill),
        ("stroke", &stroke),
        ("stroke-width", &sw),
    ]);
    if let Some(d) = &dash {
        attrs.push(("stroke-dasharray", d));
    }
    match &identity {
        Some(ident) => body.titled("circle", &attrs, ident.tooltip),
        None => body.leaf("circle", &attrs),
    }
    if state == SiteState::Skipped {
        let d = SITE_RADIUS + 2.0;
        for (dx, dy) in [(d, d), (d, -d)] {
            body.leaf(
                "line",
                &[
                    ("x1", &Num(cx - dx)),
                    ("y1", &Num(cy - dy)),
                    ("x2", &Num(cx + dx)),
                    ("y2", &Num(cy + dy)),
                    ("stroke", &SKIPPED),
                    ("stroke-width", &Num(STROKE_MARK)),
                    ("pointer-events", &"none"),
                ],
            );
        }
    }
}

/// The outline of one view: shoulders and neck, ears, head; face features on the front view,
/// the midline and the occipital protuberance on the back view.
fn draw_view(body: &mut Svg, view: View) {
    let cx = match view {
        View::Front => FRONT_X,
        View::Back => BACK_X,
    };
    let (name, left_dx) = match view {
        View::Front => ("front", 1.0),
        View::Back => ("back", -1.0),
    };
    let class = format!("figure figure-{name}");
    body.open("g", &[("class", &class), ("aria-hidden", &"true")]);
    body.text(
        "text",
        &[
            ("x", &Num(cx)),
            ("y", &Num(HEADING_Y)),
            ("font-size", &Num(FONT_HEADING)),
            ("font-weight", &"bold"),
            ("text-anchor", &"middle"),
            ("fill", &INK),
        ],
        name,
    );
    let x = |dx: f64| Num(cx + dx);
    // Neck and shoulders: in front behind the head; at the back over the head's lower edge, so
    // the neck rises into the skull instead of ending at a chin.
    let neck_top = match view {
        View::Front => NECK_TOP_FRONT,
        View::Back => NECK_TOP_BACK,
    };
    let torso = format!(
        "M{},{} L{},250 C{},260 {},262 {},282 L{},{} L{},{} L{},282 C{},262 {},260 {},250 L{},{}",
        x(-NECK_HALF_WIDTH),
        Num(neck_top),
        x(-NECK_HALF_WIDTH - 2.0),
        x(-52.0),
        x(-92.0),
        x(-106.0),
        x(-112.0),
        Num(BODY_BOTTOM),
        x(112.0),
        Num(BODY_BOTTOM),
        x(106.0),
        x(92.0),
        x(52.0),
        x(NECK_HALF_WIDTH + 2.0),
        x(NECK_HALF_WIDTH),
        Num(neck_top),
    );
    if view == View::Front {
        outline_path(body, &format!("{torso} Z"), SKIN);
    }
    for side in [-1.0, 1.0] {
        body.leaf(
            "ellipse",
            &[
                ("cx", &x(side * EAR_DX)),
                ("cy", &Num(EAR_CY)),
                ("rx", &Num(EAR_RX)),
                ("ry", &Num(EAR_RY)),
                ("fill", &SKIN),
                ("stroke", &OUTLINE),
                ("stroke-width", &Num(STROKE_MARK)),
            ],
        );
    }
    let w = HEAD_HALF_WIDTH;
    let head = format!(
        "M{},{} C{},{} {},{} {},{} C{},{} {},{} {},{} C{},{} {},{} {},{} C{},{} {},{} {},{} Z",
        x(0.0),
        Num(HEAD_TOP),
        x(w * 0.62),
        Num(HEAD_TOP),
        x(w),
        Num(HEAD_TOP + 34.0),
        x(w),
        Num(HEAD_CY),
        x(w),
        Num(HEAD_CY + 46.0),
        x(w * 0.55),
        Num(HEAD_BOTTOM),
        x(0.0),
        Num(HEAD_BOTTOM),
        x(-w * 0.55),
        Num(HEAD_BOTTOM),
        x(-w),
        Num(HEAD_CY + 46.0),
        x(-w),
        Num(HEAD_CY),
        x(-w),
        Num(HEAD_TOP + 34.0),
        x(-w * 0.62),
        Num(HEAD_TOP),
        x(0.0),
        Num(HEAD_TOP),
    );
    outline_path(body, &head, SKIN);
    if view == View::Back {
        body.leaf(
            "path",
            &[
                ("d", &format!("{torso} Z")),
                ("fill", &SKIN),
                ("stroke", &"none"),
            ],
        );
        outline_path(body, &torso, "none");
    }
    match view {
        View::Front => {
            for side in [-1.0, 1.0] {
                body.leaf(
                    "ellipse",
                    &[
                        ("cx", &x(side * EYE_DX)),
                        ("cy", &Num(EYE_CY)),
                        ("rx", &Num(EYE_RX)),
                        ("ry", &Num(EYE_RY)),
                        ("fill", &"none"),
                        ("stroke", &OUTLINE),
                        ("stroke-width", &Num(STROKE_FEATURE)),
                    ],
                );
                let brow = format!(
                    "M{},122 Q{},114 {},120",
                    x(side * 38.0),
                    x(side * 26.0),
                    x(side * 13.0)
                );
                feature_path(body, &brow);
            }
            let nose = format!(
                "M{},132 L{},162 Q{},166 {},162",
                x(-2.0),
                x(-8.0),
                x(0.0),
                x(7.0)
            );
            feature_path(body, &nose);
            let mouth = format!("M{},186 Q{},192 {},186", x(-16.0), x(0.0), x(16.0));
            feature_path(body, &mouth);
        }
        View::Back => {
            body.leaf(
                "line",
                &[
                    ("x1", &x(0.0)),
                    ("y1", &Num(MIDLINE_TOP)),
                    ("x2", &x(0.0)),
                    ("y2", &Num(BODY_BOTTOM - 4.0)),
                    ("stroke", &OUTLINE),
                    ("stroke-width", &Num(STROKE_HAIRLINE)),
                    ("stroke-dasharray", &"3 4"),
                ],
            );
            // The external occipital protuberance, the landmark of the occipital sites.
            body.leaf(
                "path",
                &[
                    (
                        "d",
                        &format!("M{},162 Q{},156 {},162", x(-7.0), x(0.0), x(7.0)),
                    ),
                    ("fill", &"none"),
                    ("stroke", &OUTLINE),
                    ("stroke-width", &Num(STROKE_FEATURE)),
                ],
            );
        }
    }
    body.label(
        cx - left_dx * SIDE_LABEL_DX,
        SIDE_LABEL_Y,
        "middle",
        MUTED,
        "right",
    );
    body.label(
        cx + left_dx * SIDE_LABEL_DX,
        SIDE_LABEL_Y,
        "middle",
        MUTED,
        "left",
    );
    body.close("g");
}

fn outline_path(body: &mut Svg, d: &str, fill: &str) {
    body.leaf(
        "path",
        &[
            ("d", &d),
            ("fill", &fill),
            ("stroke", &OUTLINE),
            ("stroke-width", &Num(STROKE_MARK)),
            ("stroke-linejoin", &"round"),
        ],
    );
}

fn feature_path(body: &mut Svg, d: &str) {
    body.leaf(
        "path",
        &[
            ("d", &d),
            ("fill", &"none"),
            ("stroke", &OUTLINE),
            ("stroke-width", &Num(STROKE_FEATURE)),
            ("stroke-linecap", &"round"),
        ],
    );
}

fn describe(sites: &[&SiteMark], not_drawn: &[String]) -> String {
    let count = |state: SiteState| sites.iter().filter(|s| s.state == state).count();
    let units = |state: SiteState| -> u32 {
        sites
            .iter()
            .filter(|s| s.state == state)
            .map(|s| s.units)
            .sum()
    };
    let mut parts = vec![format!(
        "Injection sites on a front and a back view of the head, neck and shoulders, numbered 1 to {}.",
        sites.len()
    )];
    for state in [
        SiteState::Planned,
        SiteState::Given,
        SiteState::Skipped,
        SiteState::Added,
    ] {
        let n = count(state);
        if n > 0 {
            parts.push(format!(
                "{}: {n} site{}, {} U.",
                state.as_str(),
                if n == 1 { "" } else { "s" },
                units(state)
            ));
        }
    }
    let ftp = sites.iter().filter(|s| s.is_follow_the_pain()).count();
    if ftp > 0 {
        parts.push(format!(
            "{ftp} follow-the-pain site{}.",
            if ftp == 1 { "" } else { "s" }
        ));
    }
    let changed = sites.iter().filter(|s| s.planned_units.is_some()).count();
    if changed > 0 {
        parts.push(format!(
            "{changed} site{} given with other units than planned.",
            if changed == 1 { "" } else { "s" }
        ));
    }
    if !not_drawn.is_empty() {
        parts.push(format!("Not on the drawing: {}.", not_drawn.join("; ")));
    }
    parts.join(" ")
}
