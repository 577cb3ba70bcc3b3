//! Integration tests: the real router, in process, on a fresh database per test
//! (in-memory SQLite, or a fresh PostgreSQL schema when TEST_DATABASE_URL is set).
//! One test binary on purpose: every extra binary is another link on two cores.

mod helpers;

mod access;
mod account;
mod admin;
mod auth;
mod backup;
mod beds;
mod browser;
mod crawler;
mod demo;
mod department;
mod divisions;
mod i18n;
mod import;
mod intake;
mod migrations;
mod need_to_know;
mod occupancy;
mod openapi;
mod profile;
mod schedule;
mod search;
mod tls;
mod transfer;
mod treatment;
