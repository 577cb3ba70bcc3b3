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
}

/// Hashes with argon2id (random salt, PHC string). Runs on the blocking pool: it takes
/// tens of milliseconds by design.
pub async fn hash(password: String) -> Result<String, PasswordError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
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
    tokio::task::spawn_blocking(move || {
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
    .map_err(PasswordError::from)
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
