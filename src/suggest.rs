//! "Did you mean" suggestions for misspelt keys, ids and values.

/// The candidate closest to `input`, when it is close enough to be a typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let input_lower = input.to_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        if candidate == input {
            continue;
        }
        let score = if candidate.to_lowercase() == input_lower {
            1.0
        } else {
            strsim::jaro_winkler(&input_lower, &candidate.to_lowercase())
        };
        let close = score >= 0.85
            || strsim::damerau_levenshtein(&input_lower, &candidate.to_lowercase())
                <= (input.chars().count() / 4).max(1);
        if close && best.is_none_or(|(s, c)| score > s || (score == s && candidate < c)) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_keys() {
        let keys = ["locations", "country", "certifications"];
        assert_eq!(did_you_mean("locatons", keys), Some("locations"));
        assert_eq!(did_you_mean("Country", keys), Some("country"));
        assert_eq!(did_you_mean("banana", keys), None);
    }
}
