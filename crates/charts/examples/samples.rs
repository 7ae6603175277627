//! Writes one sample of each chart, drawn from a made-up patient, to a directory (default
//! `target/charts-samples`), to look at while changing the drawing code:
//!
//! ```text
//! cargo run -p cephalog-charts --example samples -- /tmp/charts
//! ```

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use std::path::PathBuf;

use cephalog_charts::{calendar_svg, proms_svg, site_map_svg, trend_svg};

fn main() -> std::io::Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/charts-samples"), PathBuf::from);
    std::fs::create_dir_all(&dir)?;
    let charts = [
        ("trend.svg", trend_svg(&fixtures::trend_input())),
        ("calendar.svg", calendar_svg(&fixtures::february())),
        (
            "calendar-partial.svg",
            calendar_svg(&fixtures::april_to_20th()),
        ),
        ("sites-plan.svg", site_map_svg(&fixtures::plan_map())),
        ("sites-session.svg", site_map_svg(&fixtures::session_map())),
        ("proms.svg", proms_svg(&fixtures::prom_series())),
    ];
    for (name, svg) in charts {
        let path = dir.join(name);
        std::fs::write(&path, svg)?;
        println!("{}", path.display());
    }
    Ok(())
}
