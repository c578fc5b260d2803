//! OpenPGP for a project's mail, with rPGP: the project's key pair (generated or
//! imported), decrypting what reporters encrypt to it (PGP/MIME and inline), and
//! encrypting and signing what it sends. Keys are OpenPGP v4 (Ed25519 to sign,
//! Curve25519 to encrypt) and messages SEIPDv1, which GnuPG 2.2 reads.

use mail_parser::{Message, MimeHeaders};
use pgp::composed::{
    ArmorOptions, Deserializable, DetachedSignature, EncryptionCaps, KeyType, MessageBuilder,
    SecretKeyParamsBuilder, SignedPublicKey, SignedSecretKey, SubkeyParamsBuilder,
};
use pgp::crypto::ecc_curve::ECCCurve;
use pgp::crypto::hash::HashAlgorithm;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::packet::Signature;
use pgp::types::{KeyDetails, Password, SigningKey};
use std::fmt;

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PgpError {
    #[error("the text is not an armored OpenPGP {expected}: {detail}")]
    NotAKey {
        expected: &'static str,
        detail: String,
    },
    #[error("the OpenPGP key {fingerprint} has no valid subkey or primary key for {purpose}")]
    KeyCannotDo {
        fingerprint: String,
        purpose: &'static str,
    },
    #[error("the passphrase does not unlock the OpenPGP secret key")]
    WrongPassphrase,
    #[error("generating an OpenPGP key failed: {0}")]
    Generate(String),
    #[error("cannot decrypt: {0}")]
    Decrypt(String),
    #[error("cannot encrypt: {0}")]
    Encrypt(String),
    #[error("cannot sign: {0}")]
    Sign(String),
}

/// A project's key pair. The secret key is kept without a passphrase of its own (as
/// the CSAF signing key is): protect it where it is stored. `Debug` shows only the
/// fingerprint.
#[derive(Clone)]
pub struct ProjectKey {
    secret: SignedSecretKey,
    passphrase: Option<String>,
}

impl fmt::Debug for ProjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProjectKey")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

impl ProjectKey {
    /// A new key pair for `user_id`, e.g. `Connect security <security@connect.example>`:
    /// an Ed25519 primary key that certifies and signs, and a Curve25519 subkey that
    /// encrypts. The secret key has no passphrase.
    pub fn generate(user_id: &str) -> Result<ProjectKey, PgpError> {
        let generate = |e: &dyn fmt::Display| PgpError::Generate(e.to_string());
        let encryption = SubkeyParamsBuilder::default()
            .key_type(KeyType::ECDH(ECCCurve::Curve25519))
            .can_sign(false)
            .can_encrypt(EncryptionCaps::All)
            .can_authenticate(false)
            .build()
            .map_err(|e| generate(&e))?;
        let params = SecretKeyParamsBuilder::default()
            .key_type(KeyType::Ed25519Legacy)
            .can_certify(true)
            .can_sign(true)
            .can_encrypt(EncryptionCaps::None)
            .primary_user_id(user_id.into())
            .preferred_symmetric_algorithms(
                [SymmetricKeyAlgorithm::AES256, SymmetricKeyAlgorithm::AES128]
                    .as_slice()
                    .into(),
            )
            .preferred_hash_algorithms(
                [HashAlgorithm::Sha256, HashAlgorithm::Sha512]
                    .as_slice()
                    .into(),
            )
            .subkeys(vec![encryption])
            .build()
            .map_err(|e| generate(&e))?;
        let secret = params
            .generate(rand::thread_rng())
            .map_err(|e| generate(&e))?;
        Ok(ProjectKey {
            secret,
            passphrase: None,
        })
    }

    /// Reads an armored secret key (`gpg --export-secret-keys --armor`). A key protected
    /// by a passphrase needs it here; it is checked now, by signing, and kept in memory
    /// for decrypting and signing later.
    pub fn import(armored: &str, passphrase: Option<&str>) -> Result<ProjectKey, PgpError> {
        let (secret, _) = SignedSecretKey::from_string(armored).map_err(|e| PgpError::NotAKey {
            expected: "secret key",
            detail: e.to_string(),
        })?;
        secret.verify_bindings().map_err(|e| PgpError::NotAKey {
            expected: "secret key",
            detail: e.to_string(),
        })?;
        let key = ProjectKey {
            secret,
            passphrase: passphrase.map(str::to_owned),
        };
        key.signing_key()?;
        key.encryption_check()?;
        match key.detached_signature(b"embargo") {
            Ok(_) => Ok(key),
            Err(_) if key.secret.primary_key.secret_params().is_encrypted() => {
                Err(PgpError::WrongPassphrase)
            }
            Err(e) => Err(e),
        }
    }

    /// Upper-case hex.
    pub fn fingerprint(&self) -> String {
        format!("{:X}", self.secret.fingerprint())
    }

    /// The public key as an armored `.asc`, to publish.
    pub fn public_key_asc(&self) -> String {
        self.secret
            .to_public_key()
            .to_armored_string(ArmorOptions::default())
            .unwrap_or_default()
    }

    /// The secret key, armored, as generated or imported (protected only if it was
    /// imported with a passphrase). Store it as a secret.
    pub fn secret_key_asc(&self) -> String {
        self.secret
            .to_armored_string(ArmorOptions::default())
            .unwrap_or_default()
    }

    /// Decrypts an OpenPGP message (armored or binary) encrypted to this key, signed or
    /// not, compressed or not: the literal data inside.
    pub fn decrypt(&self, data: &[u8]) -> Result<Vec<u8>, PgpError> {
        let decrypt = |e: &dyn fmt::Display| PgpError::Decrypt(e.to_string());
        let text = std::str::from_utf8(data)
            .ok()
            .filter(|t| t.contains("-----BEGIN PGP"));
        let message = match text {
            Some(armored) => {
                pgp::composed::Message::from_string(armored)
                    .map_err(|e| decrypt(&e))?
                    .0
            }
            None => pgp::composed::Message::from_bytes(data).map_err(|e| decrypt(&e))?,
        };
        if !message.is_encrypted() {
            return Err(PgpError::Decrypt("the message is not encrypted".to_owned()));
        }
        let mut message = message
            .decrypt(&self.password(), &self.secret)
            .map_err(|e| decrypt(&e))?;
        if message.is_compressed() {
            message = message.decompress().map_err(|e| decrypt(&e))?;
        }
        message.as_data_vec().map_err(|e| decrypt(&e))
    }

    /// A detached, armored signature over exactly `data` (for `multipart/signed`).
    pub fn detached_signature(&self, data: &[u8]) -> Result<String, PgpError> {
        let sign = |e: &dyn fmt::Display| PgpError::Sign(e.to_string());
        DetachedSignature::sign_binary_data(
            rand::thread_rng(),
            &self.signing_key()?,
            &self.password(),
            HashAlgorithm::Sha256,
            data,
        )
        .map_err(|e| sign(&e))?
        .to_armored_string(ArmorOptions::default())
        .map_err(|e| sign(&e))
    }

    /// `data` encrypted to `recipient` and signed by this key in one OpenPGP message
    /// (RFC 3156 §6.2), armored.
    pub fn sign_and_encrypt(&self, recipient: &PublicKey, data: &[u8]) -> Result<String, PgpError> {
        let encrypt = |e: &dyn fmt::Display| PgpError::Encrypt(e.to_string());
        let mut rng = rand::thread_rng();
        let mut builder = MessageBuilder::from_bytes("", data.to_vec())
            .seipd_v1(&mut rng, SymmetricKeyAlgorithm::AES256);
        recipient.add_as_recipient(&mut builder)?;
        let signer = self.signing_key()?;
        builder.sign(&signer, self.password(), HashAlgorithm::Sha256);
        builder
            .to_armored_string(&mut rng, ArmorOptions::default())
            .map_err(|e| encrypt(&e))
    }

    fn password(&self) -> Password {
        self.passphrase
            .as_deref()
            .map_or_else(Password::empty, Password::from)
    }

    // rPGP implements `SigningKey` for `Box<&dyn SigningKey>`, not for `&dyn SigningKey`,
    // and the primary key and a subkey are different types.
    #[allow(clippy::redundant_allocation)]
    fn signing_key(&self) -> Result<Box<&dyn SigningKey>, PgpError> {
        let primary_signs = self
            .secret
            .details
            .users
            .iter()
            .flat_map(|u| u.signatures.iter())
            .any(|s| s.key_flags().sign());
        if primary_signs {
            return Ok(Box::new(&self.secret.primary_key));
        }
        self.secret
            .secret_subkeys
            .iter()
            .find(|s| flags_allow(&s.signatures, |s| s.key_flags().sign()))
            .map(|s| Box::new(&s.key as &dyn SigningKey))
            .ok_or_else(|| PgpError::KeyCannotDo {
                fingerprint: self.fingerprint(),
                purpose: "signing",
            })
    }

    fn encryption_check(&self) -> Result<(), PgpError> {
        PublicKey {
            key: self.secret.to_public_key(),
        }
        .encryption_subkey()
        .map(|_| ())
    }
}

/// Someone else's public key (a reporter's), to encrypt mail to.
#[derive(Clone)]
pub struct PublicKey {
    key: SignedPublicKey,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("fingerprint", &self.fingerprint())
            .finish()
    }
}

impl PublicKey {
    /// Reads an armored public key (`.asc`) and checks that it can receive encrypted
    /// mail.
    pub fn parse(armored: &str) -> Result<PublicKey, PgpError> {
        let not_a_key = |e: &dyn fmt::Display| PgpError::NotAKey {
            expected: "public key",
            detail: e.to_string(),
        };
        let (key, _) = SignedPublicKey::from_string(armored).map_err(|e| not_a_key(&e))?;
        key.verify_bindings().map_err(|e| not_a_key(&e))?;
        let key = PublicKey { key };
        key.encryption_subkey()?;
        Ok(key)
    }

    pub fn fingerprint(&self) -> String {
        format!("{:X}", self.key.fingerprint())
    }

    /// Armored, as it would be published.
    pub fn to_asc(&self) -> String {
        self.key
            .to_armored_string(ArmorOptions::default())
            .unwrap_or_default()
    }

    /// `data` encrypted to this key, unsigned, armored.
    pub fn encrypt(&self, data: &[u8]) -> Result<String, PgpError> {
        let mut rng = rand::thread_rng();
        let mut builder = MessageBuilder::from_bytes("", data.to_vec())
            .seipd_v1(&mut rng, SymmetricKeyAlgorithm::AES256);
        self.add_as_recipient(&mut builder)?;
        builder
            .to_armored_string(&mut rng, ArmorOptions::default())
            .map_err(|e| PgpError::Encrypt(e.to_string()))
    }

    fn encryption_subkey(&self) -> Result<&pgp::packet::PublicSubkey, PgpError> {
        self.key
            .public_subkeys
            .iter()
            .find(|s| {
                s.key.algorithm().can_encrypt()
                    && flags_allow(&s.signatures, |sig| {
                        sig.key_flags().encrypt_comms() || sig.key_flags().encrypt_storage()
                    })
            })
            .map(|s| &s.key)
            .ok_or_else(|| PgpError::KeyCannotDo {
                fingerprint: self.fingerprint(),
                purpose: "encryption",
            })
    }

    fn add_as_recipient<R: std::io::Read>(
        &self,
        builder: &mut pgp::composed::MessageBuilder<'_, R, pgp::composed::EncryptionSeipdV1>,
    ) -> Result<(), PgpError> {
        let subkey = self.encryption_subkey()?;
        builder
            .encrypt_to_key(rand::thread_rng(), subkey)
            .map(|_| ())
            .map_err(|e| PgpError::Encrypt(e.to_string()))
    }
}

/// Whether the newest binding signature grants a use.
fn flags_allow(signatures: &[Signature], allowed: impl Fn(&Signature) -> bool) -> bool {
    signatures
        .iter()
        .max_by_key(|s| s.created().map(|t| t.as_secs()))
        .is_some_and(allowed)
}

/// OpenPGP data found in an incoming message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EncryptedPayload {
    /// RFC 3156 `multipart/encrypted`: the second part's data; decrypts to a MIME
    /// entity.
    PgpMime(Vec<u8>),
    /// An armored `PGP MESSAGE` block in the text; decrypts to text.
    Inline(Vec<u8>),
}

impl EncryptedPayload {
    pub(crate) fn data(&self) -> &[u8] {
        match self {
            EncryptedPayload::PgpMime(d) | EncryptedPayload::Inline(d) => d,
        }
    }
}

const BEGIN: &str = "-----BEGIN PGP MESSAGE-----";
const END: &str = "-----END PGP MESSAGE-----";

pub(crate) fn encrypted_payload(message: &Message<'_>) -> Option<EncryptedPayload> {
    let root = message.parts.first()?;
    let pgp_mime = root.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("encrypted"))
    });
    if pgp_mime {
        // The control part (`application/pgp-encrypted`, `Version: 1`) comes first; the
        // data is the `application/octet-stream` part after it.
        let data = message.parts.iter().skip(1).find(|p| {
            p.content_type().is_some_and(|ct| {
                ct.ctype().eq_ignore_ascii_case("application")
                    && ct
                        .subtype()
                        .is_some_and(|s| s.eq_ignore_ascii_case("octet-stream"))
            })
        });
        return Some(EncryptedPayload::PgpMime(
            data.map(|p| p.contents().to_vec()).unwrap_or_default(),
        ));
    }
    (0..message.text_body_count()).find_map(|i| {
        let text = message.body_text(i)?;
        let start = text.find(BEGIN)?;
        let end = text[start..]
            .find(END)
            .map_or(text.len(), |e| start + e + END.len());
        Some(EncryptedPayload::Inline(
            text[start..end].as_bytes().to_vec(),
        ))
    })
}
