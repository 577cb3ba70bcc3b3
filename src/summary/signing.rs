//! The centre's Ed25519 key: generated on first start, kept in a file only the service
//! user can read (0600); only its public half ever leaves the centre.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key file {0}: {1}")]
    Io(String, std::io::Error),
    #[error("key file {0} is not a PKCS#8 Ed25519 key")]
    Format(String),
    #[error("random source unavailable: {0}")]
    Random(String),
    #[error("the public key is not 32 bytes of base64")]
    PublicKey,
    #[error(
        "key file {0} can be read by other users (mode {1:o}); a centre's private key must be \
         readable by the service user only: run `chmod 600 {0}` and start again"
    )]
    Exposed(String, u32),
    #[error(
        "key file {0} holds a key that was published and must be treated as known to anyone: \
         move it away, start again to create a new key, and register the new public key with \
         the department (`rehabops centre-key`)"
    )]
    Compromised(String),
}

/// Public halves of keys that were published (CS01's early key was committed to the
/// source repository): no centre may sign with them and the department refuses them.
pub const COMPROMISED: &[&str] = &["285/Sd0JAJrtp89fNm+c/eNiS5IigtcA8wlwZoimlkI="];

pub fn is_compromised(public_key_b64: &str) -> bool {
    COMPROMISED.contains(&public_key_b64.trim())
}

/// Loads the key, or creates it (mode 0600) when the file does not exist. A key file
/// that others can read, or a key known to be published, is refused.
pub fn load_or_create(path: &Path) -> Result<SigningKey, KeyError> {
    let shown = path.display().to_string();
    if path.exists() {
        check_private(path).map_err(|e| match e {
            KeyError::Exposed(_, mode) => KeyError::Exposed(shown.clone(), mode),
            other => other,
        })?;
        let pem = std::fs::read_to_string(path).map_err(|e| KeyError::Io(shown.clone(), e))?;
        let key = SigningKey::from_pkcs8_pem(&pem).map_err(|_| KeyError::Format(shown.clone()))?;
        if is_compromised(&public_key_b64(&key)) {
            return Err(KeyError::Compromised(shown));
        }
        return Ok(key);
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
    let key = SigningKey::from_bytes(&seed);
    let pem = key
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|_| KeyError::Format(shown.clone()))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| KeyError::Io(shown.clone(), e))?;
    }
    write_private(path, pem.as_bytes()).map_err(|e| KeyError::Io(shown, e))?;
    Ok(key)
}

/// Refuses a key file with any permission for group or others.
#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let shown = path.display().to_string();
    let mode = std::fs::metadata(path)
        .map_err(|e| KeyError::Io(shown.clone(), e))?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::Exposed(shown, mode));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path) -> Result<(), KeyError> {
    Ok(())
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

pub fn public_key_b64(key: &SigningKey) -> String {
    B64.encode(key.verifying_key().to_bytes())
}

pub fn sign_b64(key: &SigningKey, body: &[u8]) -> String {
    B64.encode(key.sign(body).to_bytes())
}

pub fn parse_public_key(b64: &str) -> Result<VerifyingKey, KeyError> {
    let bytes = B64.decode(b64.trim()).map_err(|_| KeyError::PublicKey)?;
    let arr: [u8; 32] = bytes.try_into().map_err(|_| KeyError::PublicKey)?;
    VerifyingKey::from_bytes(&arr).map_err(|_| KeyError::PublicKey)
}

/// Strict verification (rejects malleable and small-order signatures).
pub fn verify_b64(key: &VerifyingKey, body: &[u8], signature_b64: &str) -> bool {
    let Ok(bytes) = B64.decode(signature_b64.trim()) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(&bytes) else {
        return false;
    };
    key.verify_strict(body, &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_is_private_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("centre.key");
        let k1 = load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let k2 = load_or_create(&path).unwrap();
        assert_eq!(public_key_b64(&k1), public_key_b64(&k2));
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused_with_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("centre.key");
        load_or_create(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let err = load_or_create(&path).unwrap_err().to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains("chmod 600"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert!(load_or_create(&path).is_ok(), "owner-only read is fine");
    }

    #[cfg(unix)]
    #[test]
    fn the_published_key_is_refused() {
        // The private half of CS01's key as it was committed (published, hence
        // revoked): exactly what must no longer be usable.
        let seed: [u8; 32] =
            hex::decode("505bb00ec65da80089191bef9dc088a202cd8a24f445ddeebb013afecf8c087b")
                .unwrap()
                .try_into()
                .unwrap();
        let key = SigningKey::from_bytes(&seed);
        let pem = key
            .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .unwrap();
        assert!(is_compromised(&public_key_b64(&key)));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cs01.key");
        write_private(&path, pem.as_bytes()).unwrap();
        let err = load_or_create(&path).unwrap_err();
        assert!(matches!(err, KeyError::Compromised(_)), "{err}");
    }

    #[test]
    fn signatures_verify_and_tampering_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let k = load_or_create(&dir.path().join("k")).unwrap();
        let pk = parse_public_key(&public_key_b64(&k)).unwrap();
        let sig = sign_b64(&k, b"{\"a\":1}");
        assert!(verify_b64(&pk, b"{\"a\":1}", &sig));
        assert!(!verify_b64(&pk, b"{\"a\":2}", &sig));
        assert!(!verify_b64(&pk, b"{\"a\":1}", "not base64!"));
        assert!(parse_public_key("AAAA").is_err());
    }
}
