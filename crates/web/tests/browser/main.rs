//! Cephalog in a real browser: headless Chromium through chromedriver against the app served
//! in-process. See `harness` for how the tests skip when no browser is installed, and how CI checks
//! that they ran.

mod harness;
mod journeys;
mod seed;
