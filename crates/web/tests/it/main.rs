mod api;
mod harness;
