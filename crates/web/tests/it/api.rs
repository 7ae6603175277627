//! The JSON API through the real server on both engines: every route's happy path with its
//! figures, the access policy (role, patient and clinic scope), the error shape, and the OpenAPI
//! document against the router.

mod access;
mod cohort;
mod errors;
mod fhir;
mod history;
mod openapi;
mod pathway;
mod plausible;
mod records;
pub(crate) mod routes;
mod safety;
mod treatment;
