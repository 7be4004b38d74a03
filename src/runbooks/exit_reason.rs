//! Why a runbook step failed, in words, for the codes whose meaning is fixed: the shell's
//! 126/127, and the exit codes curl documents (most runbook steps query Prometheus with it).
//! A bare "exit 6" at 3 a.m. says nothing.

/// The reason for `code` from `program` (the argv's first word), when it is known.
pub fn explain(program: &str, code: u32) -> Option<&'static str> {
    let name = program.rsplit('/').next().unwrap_or(program);
    match (name, code) {
        (_, 126) => Some("the program is not executable"),
        (_, 127) => Some("the program was not found: is it installed and on PATH?"),
        ("curl", 6) => Some("curl could not resolve the host: check the URL"),
        ("curl", 7) => Some("curl could not connect: nothing listens at that address"),
        ("curl", 22) => Some("the server answered an HTTP error"),
        ("curl", 28) => Some("curl timed out"),
        ("curl", 35 | 60) => Some("TLS failed: the certificate was not accepted"),
        ("kubectl", 1) => Some("kubectl failed: check the context and namespace it used"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_are_explained() {
        assert!(explain("/usr/bin/curl", 6).unwrap().contains("resolve"));
        assert!(explain("kubectl", 127).unwrap().contains("not found"));
        assert_eq!(explain("curl", 3), None);
        assert_eq!(explain("ls", 2), None);
    }
}
