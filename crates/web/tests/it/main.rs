mod access;
mod api;
mod cluster;
mod harness;
mod pg;
mod reports;
