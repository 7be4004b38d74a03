//! Alert names to runbook file names.

/// Words that keep their mixed case as one word instead of splitting at each capital.
const WHOLE_WORDS: &[&str] = &["DDoS"];

/// The alertname in kebab-case: `HighRPCFailureRate` -> `high-rpc-failure-rate`,
/// `APILatency` -> `api-latency`, `DDoSDetected` -> `ddos-detected`.
///
/// A run of capitals is one word, except that its last capital starts the next word when a
/// lower-case letter follows (`APILatency` is `API` + `Latency`). Digits stay with the word
/// before them. Anything that is not a letter or digit separates words.
pub fn kebab_case(alertname: &str) -> String {
    let chars: Vec<char> = alertname.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < chars.len() {
        if let Some(word) = WHOLE_WORDS
            .iter()
            .find(|w| alertname[byte_index(&chars, i)..].starts_with(**w))
        {
            push_word(&mut words, &mut current);
            words.push(word.to_ascii_lowercase());
            i += word.chars().count();
            continue;
        }
        let c = chars[i];
        if !c.is_alphanumeric() {
            push_word(&mut words, &mut current);
        } else if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let after_lower = prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit());
            let ends_capital_run =
                prev.is_some_and(|p| p.is_uppercase()) && next.is_some_and(|n| n.is_lowercase());
            if after_lower || ends_capital_run {
                push_word(&mut words, &mut current);
            }
            current.extend(c.to_lowercase());
        } else {
            current.extend(c.to_lowercase());
        }
        i += 1;
    }
    push_word(&mut words, &mut current);
    words.join("-")
}

fn byte_index(chars: &[char], i: usize) -> usize {
    chars[..i].iter().map(|c| c.len_utf8()).sum()
}

fn push_word(words: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

#[cfg(test)]
mod tests {
    use super::kebab_case;

    #[test]
    fn names_from_the_issue_and_readme() {
        for (name, stem) in [
            ("DDoSDetected", "ddos-detected"),
            ("HighRPCFailureRate", "high-rpc-failure-rate"),
            ("APILatency", "api-latency"),
            ("KYCBacklog", "kyc-backlog"),
            ("HighErrorRate", "high-error-rate"),
            ("ServiceDown", "service-down"),
            ("HighCPUUsage", "high-cpu-usage"),
            ("Watchdog", "watchdog"),
            ("KubePodCrashLooping", "kube-pod-crash-looping"),
        ] {
            assert_eq!(kebab_case(name), stem, "{name}");
        }
    }
}
