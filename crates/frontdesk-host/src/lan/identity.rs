//! The host's TLS identity: a self-signed certificate made once and kept in the clinic's
//! encrypted database. Desks pin its SHA-256 fingerprint at pairing, so no CA is involved and
//! a different certificate on the same address is a man in the middle.

use frontdesk_core::{Clinic, LanIdentity};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

pub fn fingerprint(cert_der: &[u8]) -> String {
    hex::encode(Sha256::digest(cert_der))
}

/// The clinic's identity, made on first use.
pub fn load_or_make(clinic: &Clinic) -> Result<LanIdentity> {
    if let Some(id) = clinic.lan_identity()? {
        return Ok(id);
    }
    let made = rcgen::generate_simple_self_signed(vec!["frontdesk-host".to_owned()])
        .map_err(|e| Error::Protocol(format!("could not make the host certificate: {e}")))?;
    let cert_der = made.cert.der().to_vec();
    let id = LanIdentity {
        fingerprint: fingerprint(&cert_der),
        cert_der,
        key_der: made.signing_key.serialize_der(),
    };
    Ok(clinic.keep_lan_identity(&id)?)
}

/// The rustls server configuration for the identity.
pub fn server_config(id: &LanIdentity) -> Result<rustls::ServerConfig> {
    let cert = rustls::pki_types::CertificateDer::from(id.cert_der.clone());
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(id.key_der.clone().into());
    rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(|e| Error::Protocol(format!("the host certificate is unusable: {e}")))
}
