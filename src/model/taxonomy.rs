//! Data categories and data subjects: the built-in taxonomy of
//! `rules/data/taxonomy.yaml` plus the user's extensions, with the marks
//! (special category, criminal data, Swiss sensitive data, child) each
//! entry inherits from its ancestors.

use super::refdata::ReferenceData;
use foldhash::HashMap;

/// A set of marks, as bits indexed by the taxonomy's mark list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Marks(pub u64);

impl Marks {
    pub fn union(self, other: Marks) -> Marks {
        Marks(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// One category or subject.
#[derive(Clone, Debug)]
pub struct TaxonomyNode {
    pub marks: Marks,
}

#[derive(Debug, Default)]
pub struct Taxonomy {
    pub mark_names: Vec<String>,
    pub categories: HashMap<String, TaxonomyNode>,
    pub subjects: HashMap<String, TaxonomyNode>,
}

impl Taxonomy {
    /// The built-in taxonomy; marks flow down the dotted hierarchy.
    pub fn builtin(data: &ReferenceData) -> Taxonomy {
        let mark_names: Vec<String> = data.taxonomy.marks.keys().cloned().collect();
        let mut taxonomy = Taxonomy {
            mark_names,
            ..Taxonomy::default()
        };
        for (entries, target) in [
            (&data.taxonomy.categories, &mut taxonomy.categories),
            (&data.taxonomy.subjects, &mut taxonomy.subjects),
        ] {
            let own: HashMap<&str, Marks> = entries
                .iter()
                .map(|e| (e.id.as_str(), marks_of(&taxonomy.mark_names, &e.marks)))
                .collect();
            for entry in entries {
                let mut marks = Marks::default();
                let mut prefix = entry.id.as_str();
                loop {
                    marks = marks.union(own.get(prefix).copied().unwrap_or_default());
                    match prefix.rsplit_once('.') {
                        Some((parent, _)) => prefix = parent,
                        None => break,
                    }
                }
                target.insert(entry.id.clone(), TaxonomyNode { marks });
            }
        }
        taxonomy
    }

    pub fn mark(&self, name: &str) -> Marks {
        self.mark_names
            .iter()
            .position(|m| m == name)
            .map_or(Marks(0), |i| Marks(1 << i))
    }

    pub fn has(&self, marks: Marks, name: &str) -> bool {
        let bit = self.mark(name);
        bit.0 != 0 && marks.0 & bit.0 != 0
    }

    /// The names of the marks in a set, in the taxonomy's order.
    pub fn names(&self, marks: Marks) -> Vec<&str> {
        self.mark_names
            .iter()
            .enumerate()
            .filter(|(i, _)| marks.0 & (1 << i) != 0)
            .map(|(_, n)| n.as_str())
            .collect()
    }
}

fn marks_of(names: &[String], marks: &[String]) -> Marks {
    Marks(
        marks
            .iter()
            .filter_map(|m| names.iter().position(|n| n == m))
            .fold(0, |acc, i| acc | (1 << i)),
    )
}
