//! The password policy for new and changed passwords, after OWASP ASVS 4 §2.1: at least 12
//! characters (spaces allowed, nothing else required), at most 128, not a common password nor
//! one built on a common password or the account's own login name, and not a run of a few
//! repeated characters.
//!
//! "Built on" means what remains after lower-casing and stripping leading and trailing digits,
//! spaces and punctuation (`Password2024!` → `password`), or a whole repeated (`qwertyqwerty`).
//! The list is bundled (`data/common-passwords.txt`, with its provenance); nothing is fetched.
//! Left out on purpose: composition rules (ASVS advises against them) and breach lookups over the
//! network (the clinic's server may have none).

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::error::WebError;

/// Shortest password accepted.
pub(crate) const MIN_LEN: usize = 12;
/// Longest password accepted (hashing cost stays bounded).
pub(crate) const MAX_LEN: usize = 128;

fn common() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| include_str!("../data/common-passwords.txt").lines().map(str::trim).filter(|l| !l.is_empty()).collect())
}

/// The password without leading and trailing digits, spaces and punctuation, lower-cased.
fn core_word(password: &str) -> String {
    password.trim_matches(|c: char| c.is_ascii_digit() || c.is_whitespace() || c.is_ascii_punctuation()).to_lowercase()
}

/// The unit a string repeats, when it is one short string several times over.
fn repeated_unit(s: &str) -> Option<&str> {
    let chars: Vec<char> = s.chars().collect();
    (1..=chars.len() / 2).find_map(|n| {
        (chars.len().is_multiple_of(n) && chars.chunks(n).all(|c| c == &chars[..n])).then(|| {
            let end = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
            &s[..end]
        })
    })
}

/// Whether the text runs up or down the alphabet or the digits (`1234567890123`, `zyxwvu…`).
fn is_sequence(s: &str) -> bool {
    let step = |a: char, b: char| {
        let (a, b) = (a as i32, b as i32);
        // Digits wrap: 9 → 0 and 0 → 9.
        let wrap = |x: i32, y: i32| (x == '9' as i32 && y == '0' as i32) || (x == '0' as i32 && y == '9' as i32);
        if b - a == 1 || wrap(a, b) && b == '0' as i32 {
            1
        } else if a - b == 1 || wrap(a, b) && b == '9' as i32 {
            -1
        } else {
            0
        }
    };
    let chars: Vec<char> = s.to_lowercase().chars().collect();
    let steps: Vec<i32> = chars.windows(2).map(|w| step(w[0], w[1])).collect();
    !steps.is_empty() && (steps.iter().all(|&d| d == 1) || steps.iter().all(|&d| d == -1))
}

/// Why a new password is refused, naming the field `password`; `login` is the account's name.
pub(crate) fn check(password: &str, login: &str) -> Result<(), WebError> {
    let refuse = |why: &str| Err(WebError::BadRequest(format!("password: {why}")));
    let len = password.chars().count();
    if len < MIN_LEN {
        return refuse(&format!("use at least {MIN_LEN} characters (a few unrelated words make a good one)"));
    }
    if len > MAX_LEN {
        return refuse(&format!("use at most {MAX_LEN} characters"));
    }
    let distinct: HashSet<char> = password.to_lowercase().chars().filter(|c| !c.is_whitespace()).collect();
    if distinct.len() < 5 {
        return refuse("it repeats too few different characters; choose something harder to guess");
    }
    if is_sequence(password) {
        return refuse("it runs along the keyboard's letters or digits; choose something harder to guess");
    }
    let lower = password.to_lowercase();
    let core = core_word(password);
    let unit = repeated_unit(&core).unwrap_or(&core);
    let list = common();
    if list.contains(lower.as_str()) || list.contains(core.as_str()) || list.contains(unit) {
        return refuse("it is, or is built on, a commonly used password; choose something else");
    }
    let login = login.trim().to_lowercase();
    if login.chars().count() >= 4 && lower.contains(&login) {
        return refuse("it contains the login name; choose something else");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        for (password, why) in [
            ("aaaaaaaaaa", "at least 12"),
            ("          ", "at least 12"),
            ("password12", "at least 12"),
            ("aaaaaaaaaaaaaaa", "too few different"),
            ("            ab", "too few different"),
            ("Password2024!", "commonly used"),
            ("qwertyqwertyqwerty", "commonly used"),
            ("123456789012", "runs along"),
            ("1234567890123", "runs along"),
            ("abcdefghijklm", "runs along"),
            ("iloveyou!!!!1234", "commonly used"),
            ("x-sam.therapist-9", "contains the login"),
        ] {
            let err = check(password, "sam.therapist").expect_err(password).to_string();
            assert!(err.contains(why), "{password:?}: {err}");
            assert!(err.contains("password:"), "{err}");
        }
        assert!(check(&"a1b2c3d4e5".repeat(13), "sam").is_err(), "over 128 characters");
    }

    #[test]
    fn long_unrelated_words_pass() {
        for password in ["correct horse battery", "Tide-Pool Mango 1987", "ønske om høst 42"] {
            assert!(check(password, "sam.therapist").is_ok(), "{password}");
        }
    }
}
