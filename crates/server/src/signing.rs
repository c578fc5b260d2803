//! OpenPGP signatures for published CSAF documents (CSAF 2.0 requirement 7.1.19): with
//! a signing key configured (`csaf.signing_key_file`), every document in the CSAF
//! distribution gets a detached, armored signature (`.asc`) and the provider metadata
//! names the public key, which makes the instance a `csaf_trusted_provider`.

use pgp::composed::{
    ArmorOptions, Deserializable, DetachedSignature, SignedPublicKey, SignedSecretKey,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::types::{KeyDetails, Password};
use rand::SeedableRng;
use std::path::Path;

pub struct Signer {
    key: SignedSecretKey,
    public_armored: String,
    fingerprint: String,
}

impl Signer {
    /// Reads an ASCII-armored OpenPGP secret key without a passphrase (the file's
    /// permissions protect it). `Err` says what is wrong, naming the setting.
    pub fn load(path: &Path) -> Result<Signer, String> {
        let setting = "`csaf.signing_key_file`";
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{setting}: cannot read {}: {e}", path.display()))?;
        let (key, _) = SignedSecretKey::from_string(&text).map_err(|e| {
            format!(
                "{setting}: {} is not an armored OpenPGP secret key: {e}",
                path.display()
            )
        })?;
        Signer::from_key(key).map_err(|e| format!("{setting}: {e}"))
    }

    pub fn from_key(key: SignedSecretKey) -> Result<Signer, String> {
        let public = SignedPublicKey::from(key.clone());
        let public_armored = public
            .to_armored_string(ArmorOptions::default())
            .map_err(|e| format!("cannot armor the public key: {e}"))?;
        let fingerprint = format!("{:X}", key.fingerprint());
        let signer = Signer {
            key,
            public_armored,
            fingerprint,
        };
        // A key that cannot sign (e.g. one protected by a passphrase) fails here, at
        // start-up, rather than on the first aggregator's request.
        signer.sign(b"embargo")?;
        Ok(signer)
    }

    /// A detached, armored signature over exactly `data`.
    pub fn sign(&self, data: &[u8]) -> Result<String, String> {
        DetachedSignature::sign_binary_data(
            rand::rngs::StdRng::from_entropy(),
            &self.key.primary_key,
            &Password::empty(),
            HashAlgorithm::Sha256,
            data,
        )
        .and_then(|s| s.to_armored_string(ArmorOptions::default()))
        .map_err(|e| format!("cannot sign: {e}"))
    }

    pub fn public_key(&self) -> &str {
        &self.public_armored
    }

    /// Upper-case hex, as CSAF's `public_openpgp_keys[].fingerprint` wants it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}
