//! rehabops: operations system for Hanoi's public drug-rehabilitation centres
//! (cơ sở cai nghiện ma túy công lập) and the department that oversees them.
//!
//! Shared plumbing (config, db, auth, i18n, web, audit, error) knows nothing of the
//! areas; each area (home, account, admin, centres, …) holds its rules, storage and
//! routes, and `app` assembles them.

#[macro_use]
mod macros;

pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod entities;
pub mod error;
pub mod i18n;
pub mod need_to_know;
pub mod openapi;
pub mod pdf;
pub mod profile;
pub mod seed;
pub mod state;
pub mod tabular;
pub mod tls;
pub mod web;

pub mod account;
pub mod admin;
pub mod beds;
pub mod care;
pub mod centres;
pub mod department;
pub mod divisions;
pub mod home;
pub mod intake;
pub mod schedule;
pub mod summary;
pub mod treatment;
