//! Password hashing (argon2id) and the password policy.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("password hashing task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    /// Every hashing slot stayed taken for [`WAIT`]: the caller answers 503.
    #[error("too many password checks at once")]
    Busy,
}

/// Password checks running at once. Each argon2 run holds about 19 MiB: bounding them
/// bounds memory (100 parallel logins once took a centre from 52 MB to 1.9 GB).
pub const SLOTS: usize = 4;
/// How long a check waits for a slot before the request is refused with 503.
pub const WAIT: std::time::Duration = std::time::Duration::from_secs(3);

fn slots() -> &'static tokio::sync::Semaphore {
    static SLOTS_SEM: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(SLOTS);
    &SLOTS_SEM
}

/// Runs `work` on the blocking pool once a hashing slot is free (or gives up: Busy).
async fn bounded<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    bounded_on(slots(), WAIT, work).await
}

async fn bounded_on<T: Send + 'static>(
    slots: &tokio::sync::Semaphore,
    wait: std::time::Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    let permit = tokio::time::timeout(wait, slots.acquire())
        .await
        .map_err(|_| PasswordError::Busy)?
        .map_err(|_| PasswordError::Busy)?;
    let out = tokio::task::spawn_blocking(work).await?;
    drop(permit);
    Ok(out)
}

/// Hashes with argon2id (random salt, PHC string). Runs on the blocking pool: it takes
/// tens of milliseconds by design.
pub async fn hash(password: String) -> Result<String, PasswordError> {
    bounded(move || hash_blocking(&password)).await?
}

pub fn hash_blocking(password: &str) -> Result<String, PasswordError> {
    let hashed: PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| PasswordError::Hash(e.to_string()))?;
    Ok(hashed.to_string())
}

/// Checks a password against a stored hash. With no stored hash (unknown user) it still
/// spends the same work on a dummy hash, so timing does not tell which accounts exist.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, PasswordError> {
    bounded(move || {
        let target = match &stored {
            Some(h) => h.as_str(),
            None => dummy_hash(),
        };
        let ok = match PasswordHash::new(target) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        };
        ok && stored.is_some()
    })
    .await
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("not a real password, only spends time").unwrap_or_default())
}

/// Catalogue key of the first policy rule the password breaks, if any.
pub fn policy_violation(password: &str, username: &str) -> Option<&'static str> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        Some("error.password_too_short")
    } else if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        Some("error.password_contains_username")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_check_waits_for_a_slot_and_gives_up_when_none_frees() {
        let sem = tokio::sync::Semaphore::new(1);
        let wait = std::time::Duration::from_millis(50);
        // Every slot taken: the work never starts, the caller is told Busy.
        let held = sem.acquire().await.unwrap();
        let r = bounded_on(&sem, wait, || 1).await;
        assert!(matches!(r, Err(PasswordError::Busy)), "{r:?}");
        drop(held);
        assert_eq!(bounded_on(&sem, wait, || 2).await.unwrap(), 2);
        assert!(
            SLOTS >= 2 && SLOTS <= 8,
            "memory stays bounded: {SLOTS} × ~19 MiB"
        );
        // Answered as 503 (with Retry-After, added where errors are rendered).
        assert_eq!(
            crate::error::AppError::from(PasswordError::Busy).status(),
            axum::http::StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            verify("correct horse battery".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse battery".into(), Some(h)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[test]
    fn policy() {
        assert_eq!(
            policy_violation("short", "an"),
            Some("error.password_too_short")
        );
        assert_eq!(
            policy_violation("nguyenvanan-2026", "nguyenvanan"),
            Some("error.password_contains_username")
        );
        assert_eq!(policy_violation("a long enough passphrase", "an2"), None);
    }
}
