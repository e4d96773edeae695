//! Why a request got no answer, read from the runtime's error codes (Node's fetch puts them on
//! the error's `cause` chain: `SELF_SIGNED_CERT_IN_CHAIN`, `CERT_HAS_EXPIRED`, …). Most such
//! failures may heal (a refused or reset connection, DNS) and stay retryable `network` errors;
//! TLS certificate and handshake failures never do, so they are reported at once, not retried,
//! with a hint that names the cause and its fix.

use super::errors::{ErrorKind, ErrorReport};

/// A cause of a failed request that retrying cannot heal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permanent {
    /// The platform's certificate does not chain to a CA this runtime trusts.
    UntrustedCertificate,
    /// The certificate has expired, or is not valid yet.
    ExpiredCertificate,
    /// The certificate is not issued for the host in `baseUrl`.
    HostMismatch,
    /// The server wants a client certificate (two-way TLS) and got none it accepts.
    ClientCertificate,
    /// Another TLS handshake failure (protocol version, ciphers, plain HTTP on a TLS port).
    Handshake,
}

impl Permanent {
    /// What the user should do about it.
    pub fn hint(self) -> &'static str {
        match self {
            Self::UntrustedCertificate => "The platform's certificate is not from a CA this runtime trusts: trust its CA (Node: NODE_EXTRA_CA_CERTS=ca.pem; the CLI: --ca FILE; see the README's \"Two-way TLS, private CAs\"). Retrying will not help.",
            Self::ExpiredCertificate => "The platform's certificate has expired or is not valid yet: check this machine's clock, or have it renewed. Retrying will not help.",
            Self::HostMismatch => "The platform's certificate does not name the host in baseUrl: use the host name it was issued for. Retrying will not help.",
            Self::ClientCertificate => "The platform closed the TLS connection before answering: it demands a client certificate (two-way TLS). Present one as in the README's \"Two-way TLS, private CAs\" (the CLI: --cert and --key). Retrying will not help.",
            Self::Handshake => "The TLS handshake with the platform failed: check that baseUrl is its HTTPS port, and its TLS versions, ciphers or client certificate. Retrying will not help.",
        }
    }
}

/// How a failed request went, as the runtime reported it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Failure<'a> {
    /// The error codes along the error's `cause` chain, outermost first.
    pub codes: &'a [&'a str],
    /// The bytes the socket had read when it closed, when the runtime says (undici's
    /// `UND_ERR_SOCKET` carries them).
    pub socket_bytes_read: Option<f64>,
    /// Whether the request went over TLS (an `https:` URL).
    pub over_tls: bool,
}

/// The permanent cause of a failure, if it has one.
pub fn permanent_cause(failure: &Failure<'_>) -> Option<Permanent> {
    let found = failure.codes.iter().find_map(|code| from_code(code));
    if found.is_some() {
        return found;
    }
    // Node's TLS 1.3 server drops a client without an acceptable certificate right after the
    // handshake: the client sees only "other side closed" with nothing read. Over TLS, before
    // a single byte of answer, that is what a server demanding a client certificate does.
    let closed_silently = failure.codes.contains(&"UND_ERR_SOCKET")
        && failure.socket_bytes_read == Some(0.0)
        && failure.over_tls;
    closed_silently.then_some(Permanent::ClientCertificate)
}

/// The runtime's error codes that retrying cannot heal, and what each means. A table searched
/// in a loop, not a `match`: the match compiled to a length switch with a comparison per code
/// (2.3 KB of wasm before wasm-opt), for a lookup made only when a request failed.
const PERMANENT_CODES: &[(&str, Permanent)] = &[
    ("SELF_SIGNED_CERT_IN_CHAIN", Permanent::UntrustedCertificate),
    (
        "DEPTH_ZERO_SELF_SIGNED_CERT",
        Permanent::UntrustedCertificate,
    ),
    (
        "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
        Permanent::UntrustedCertificate,
    ),
    ("UNABLE_TO_GET_ISSUER_CERT", Permanent::UntrustedCertificate),
    (
        "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
        Permanent::UntrustedCertificate,
    ),
    (
        "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
        Permanent::UntrustedCertificate,
    ),
    (
        "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
        Permanent::UntrustedCertificate,
    ),
    ("CERT_SIGNATURE_FAILURE", Permanent::UntrustedCertificate),
    ("CERT_UNTRUSTED", Permanent::UntrustedCertificate),
    ("CERT_REJECTED", Permanent::UntrustedCertificate),
    ("CERT_REVOKED", Permanent::UntrustedCertificate),
    ("CERT_CHAIN_TOO_LONG", Permanent::UntrustedCertificate),
    ("INVALID_CA", Permanent::UntrustedCertificate),
    ("INVALID_PURPOSE", Permanent::UntrustedCertificate),
    ("PATH_LENGTH_EXCEEDED", Permanent::UntrustedCertificate),
    ("CERT_HAS_EXPIRED", Permanent::ExpiredCertificate),
    ("CERT_NOT_YET_VALID", Permanent::ExpiredCertificate),
    (
        "ERROR_IN_CERT_NOT_BEFORE_FIELD",
        Permanent::ExpiredCertificate,
    ),
    (
        "ERROR_IN_CERT_NOT_AFTER_FIELD",
        Permanent::ExpiredCertificate,
    ),
    ("ERR_TLS_CERT_ALTNAME_INVALID", Permanent::HostMismatch),
    ("ERR_TLS_CERT_ALTNAME_FORMAT", Permanent::HostMismatch),
    ("HOSTNAME_MISMATCH", Permanent::HostMismatch),
    (
        "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
        Permanent::ClientCertificate,
    ),
    (
        "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
        Permanent::ClientCertificate,
    ),
    (
        "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
        Permanent::ClientCertificate,
    ),
    (
        "ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        Permanent::ClientCertificate,
    ),
];

fn from_code(code: &str) -> Option<Permanent> {
    let known = PERMANENT_CODES.iter().find(|(name, _)| *name == code);
    match known {
        Some((_, cause)) => Some(*cause),
        None if code.starts_with("ERR_SSL_") => Some(Permanent::Handshake),
        None => None,
    }
}

/// The report of a request that got no answer: `what` in the library's words, `description`
/// the runtime's error text. A permanent cause makes it not retryable, with its own hint.
pub fn network_failure(
    status: Option<u16>,
    what: &str,
    description: &str,
    failure: &Failure<'_>,
) -> ErrorReport {
    let mut report =
        ErrorReport::simple(ErrorKind::Network, status, what).with_outside(description);
    if let Some(cause) = permanent_cause(failure) {
        report.retryable = false;
        report.hint = cause.hint();
    }
    report
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn cause(codes: &[&str], bytes: Option<f64>, over_tls: bool) -> Option<Permanent> {
        permanent_cause(&Failure {
            codes,
            socket_bytes_read: bytes,
            over_tls,
        })
    }

    #[test]
    fn certificate_codes_anywhere_in_the_chain() {
        assert_eq!(
            cause(&["", "SELF_SIGNED_CERT_IN_CHAIN"], None, true),
            Some(Permanent::UntrustedCertificate)
        );
        assert_eq!(
            cause(&["UNABLE_TO_VERIFY_LEAF_SIGNATURE"], None, true),
            Some(Permanent::UntrustedCertificate)
        );
        assert_eq!(
            cause(&["CERT_HAS_EXPIRED"], None, true),
            Some(Permanent::ExpiredCertificate)
        );
        assert_eq!(
            cause(&["ERR_TLS_CERT_ALTNAME_INVALID"], None, true),
            Some(Permanent::HostMismatch)
        );
        assert_eq!(
            cause(&["ERR_SSL_WRONG_VERSION_NUMBER"], None, true),
            Some(Permanent::Handshake)
        );
    }

    #[test]
    fn every_listed_code_has_its_cause() {
        use Permanent::*;
        let untrusted = "SELF_SIGNED_CERT_IN_CHAIN DEPTH_ZERO_SELF_SIGNED_CERT UNABLE_TO_VERIFY_LEAF_SIGNATURE UNABLE_TO_GET_ISSUER_CERT UNABLE_TO_GET_ISSUER_CERT_LOCALLY UNABLE_TO_DECRYPT_CERT_SIGNATURE UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY CERT_SIGNATURE_FAILURE CERT_UNTRUSTED CERT_REJECTED CERT_REVOKED CERT_CHAIN_TOO_LONG INVALID_CA INVALID_PURPOSE PATH_LENGTH_EXCEEDED";
        let expired = "CERT_HAS_EXPIRED CERT_NOT_YET_VALID ERROR_IN_CERT_NOT_BEFORE_FIELD ERROR_IN_CERT_NOT_AFTER_FIELD";
        let host = "ERR_TLS_CERT_ALTNAME_INVALID ERR_TLS_CERT_ALTNAME_FORMAT HOSTNAME_MISMATCH";
        let client = "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE ERR_SSL_TLSV1_ALERT_UNKNOWN_CA ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN";
        let handshake = "ERR_SSL_ ERR_SSL_NO_CIPHERS ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE";
        for (codes, want) in [
            (untrusted, UntrustedCertificate),
            (expired, ExpiredCertificate),
            (host, HostMismatch),
            (client, ClientCertificate),
            (handshake, Handshake),
        ] {
            for code in codes.split(' ') {
                assert_eq!(from_code(code), Some(want), "{code}");
            }
        }
        for other in [
            "",
            "ERR_SSL",
            "err_ssl_x",
            "cert_has_expired",
            "CERT_HAS_EXPIRED ",
            "ECONNRESET",
        ] {
            assert_eq!(from_code(other), None, "{other:?}");
        }
    }

    #[test]
    fn a_silent_close_over_tls_is_a_missing_client_certificate_and_nothing_else_is() {
        assert_eq!(
            cause(&["UND_ERR_SOCKET"], Some(0.0), true),
            Some(Permanent::ClientCertificate)
        );
        assert_eq!(cause(&["UND_ERR_SOCKET"], Some(0.0), false), None);
        assert_eq!(cause(&["UND_ERR_SOCKET"], Some(120.0), true), None);
        assert_eq!(cause(&["UND_ERR_SOCKET"], None, true), None);
        for transient in [
            "ECONNREFUSED",
            "ECONNRESET",
            "ENOTFOUND",
            "EAI_AGAIN",
            "ETIMEDOUT",
            "UND_ERR_CONNECT_TIMEOUT",
            "ERR_TLS_HANDSHAKE_TIMEOUT",
        ] {
            assert_eq!(cause(&[transient], Some(0.0), true), None, "{transient}");
        }
        assert_eq!(
            cause(&[], None, true),
            None,
            "a browser's TypeError carries no code"
        );
    }

    #[test]
    fn permanent_failures_are_not_retryable_and_say_why() {
        let codes = ["SELF_SIGNED_CERT_IN_CHAIN"];
        let failure = Failure {
            codes: &codes,
            socket_bytes_read: None,
            over_tls: true,
        };
        let report = network_failure(
            None,
            "the request failed",
            "fetch failed (SELF_SIGNED_CERT_IN_CHAIN)",
            &failure,
        );
        assert_eq!(report.kind, ErrorKind::Network);
        assert!(!report.retryable);
        assert!(report.hint.contains("NODE_EXTRA_CA_CERTS"));
        assert_eq!(
            report.message,
            "network: the request failed: fetch failed (SELF_SIGNED_CERT_IN_CHAIN)"
        );
        let refused = network_failure(None, "the request failed", "x", &Failure::default());
        assert!(refused.retryable);
        assert_eq!(refused.hint, ErrorKind::Network.hint());
    }
}
