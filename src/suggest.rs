//! "Did you mean" suggestions for misspelt keys, ids and values.

/// The candidate closest to `input`, when it is close enough to be a typo:
/// fewest edits first (Damerau-Levenshtein, case-insensitive), then the
/// most similar start (Jaro-Winkler), then alphabetical for determinism.
/// A dotted id whose last part is the input (`contact.email` for `email`)
/// counts as one edit: the input lacks only its prefix.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // A distance costs the product of the lengths: long strings are not
    // typos of each other, and comparing them would let one long id cost
    // seconds.
    const LONGEST: usize = 64;
    if input.len() > LONGEST {
        return None;
    }
    let input_lower = input.to_lowercase();
    let budget = (input.chars().count() / 4).max(1);
    // A value written out in full for its abbreviation
    // (`standard-contractual-clauses` for `scc`): its words' initials.
    let words: Vec<&str> = input_lower
        .split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .collect();
    let initials: String = if words.len() >= 2 {
        words.iter().filter_map(|w| w.chars().next()).collect()
    } else {
        String::new()
    };
    let mut best: Option<(usize, f64, &'a str)> = None;
    for candidate in candidates {
        if candidate == input || candidate.len() > LONGEST {
            continue;
        }
        let lower = candidate.to_lowercase();
        let mut distance = strsim::damerau_levenshtein(&input_lower, &lower);
        if lower
            .rsplit_once('.')
            .is_some_and(|(_, last)| last == input_lower)
            || (!initials.is_empty() && lower == initials)
        {
            distance = distance.min(1);
        }
        let similarity = strsim::jaro_winkler(&input_lower, &lower);
        if distance > budget && similarity < 0.9 {
            continue;
        }
        let better = match best {
            None => true,
            Some((d, sim, c)) => (distance, -similarity, candidate) < (d, -sim, c),
        };
        if better {
            best = Some((distance, similarity, candidate));
        }
    }
    best.map(|(_, _, c)| c)
}

/// A bound on the "did you mean" work of one run. Comparing each unknown
/// reference with every id is quadratic: a generated set with thousands of
/// typos took minutes. Once the budget is spent, messages carry no
/// suggestion. Spent in a fixed order, so the output stays deterministic.
pub struct Budget(std::cell::Cell<usize>);

impl Budget {
    /// Comparisons allowed (each is two string distances).
    pub const DEFAULT: usize = 400_000;

    pub fn new(comparisons: usize) -> Budget {
        Budget(std::cell::Cell::new(comparisons))
    }

    pub fn is_spent(&self) -> bool {
        self.0.get() == 0
    }

    /// [`did_you_mean`], when the budget still covers every candidate.
    pub fn did_you_mean<'a>(&self, input: &str, candidates: &[&'a str]) -> Option<&'a str> {
        let left = self.0.get();
        if left < candidates.len() {
            self.0.set(0);
            return None;
        }
        self.0.set(left - candidates.len());
        did_you_mean(input, candidates.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::{Budget, did_you_mean};

    #[test]
    fn the_budget_ends_suggestions_for_good() {
        let budget = Budget::new(5);
        let ids = ["stripe", "mailgun", "hetzner"];
        assert_eq!(budget.did_you_mean("strpe", &ids), Some("stripe"));
        assert_eq!(budget.did_you_mean("mailgn", &ids), None);
        assert_eq!(budget.did_you_mean("a", &["a"]), None);
    }

    #[test]
    fn suggests_close_keys() {
        let keys = ["locations", "country", "certifications"];
        assert_eq!(did_you_mean("locatons", keys), Some("locations"));
        assert_eq!(did_you_mean("Country", keys), Some("country"));
        assert_eq!(did_you_mean("banana", keys), None);
        let ids = ["contact.email", "contact.phone", "identity.name"];
        assert_eq!(did_you_mean("email", ids), Some("contact.email"));
        assert_eq!(did_you_mean("Phone", ids), Some("contact.phone"));
        assert_eq!(
            did_you_mean("GDPR13O", ["GDPR103", "GDPR130", "GDPR131"]),
            Some("GDPR130")
        );
    }

    #[test]
    fn suggests_the_abbreviation_of_a_value_written_out() {
        let mechanisms = ["scc", "bcr", "dpf", "adequacy", "scc-2010"];
        let full = "standard-contractual-clauses";
        assert_eq!(did_you_mean(full, mechanisms), Some("scc"));
        let full = "Binding Corporate Rules";
        assert_eq!(did_you_mean(full, mechanisms), Some("bcr"));
        // One word has no initials to match.
        assert_eq!(did_you_mean("s", mechanisms), None);
    }
}
