mod access;
mod api;
mod cluster;
mod cohort_page;
mod harness;
mod pg;
mod reports;
