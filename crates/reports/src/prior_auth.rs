//! The prior-authorisation packet.
