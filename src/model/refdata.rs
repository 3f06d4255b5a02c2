//! The reference data shipped in `rules/data/` (embedded at build time):
//! countries, regions with dated membership, the taxonomy and when each
//! regulation applies. Read at build time (`build.rs`) into the trees
//! privlint's own YAML loader builds (a test checks they are the same), so
//! the data files follow the same YAML rules as manifests.

use crate::load::embedded::{Embedded, embedded};
use crate::source::FileId;
use jiff::civil::Date;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

const COUNTRIES: Embedded = embedded!("rules/data/countries.yaml");
const REGIONS: Embedded = embedded!("rules/data/regions.yaml");
const TAXONOMY: Embedded = embedded!("rules/data/taxonomy.yaml");
const REGULATIONS: Embedded = embedded!("rules/data/regulations.yaml");
const ADEQUACY_EU: Embedded = embedded!("rules/data/adequacy-eu.yaml");
const ADEQUACY_CH: Embedded = embedded!("rules/data/adequacy-ch.yaml");
const MECHANISMS: Embedded = embedded!("rules/data/mechanisms.yaml");
const CHILD_AGES: Embedded = embedded!("rules/data/child-ages.yaml");

/// Every reference data file.
pub const EMBEDDED_DATA: &[Embedded] = &[
    COUNTRIES,
    REGIONS,
    TAXONOMY,
    REGULATIONS,
    ADEQUACY_EU,
    ADEQUACY_CH,
    MECHANISMS,
    CHILD_AGES,
];

/// An adequacy decision (or list entry) for one destination and period.
#[derive(Debug, Deserialize)]
pub struct AdequacyDecision {
    /// A country code, for country entries.
    #[serde(default)]
    pub destination: Option<String>,
    /// A region id (`EEA`), for region entries.
    #[serde(default)]
    pub region: Option<String>,
    pub name: String,
    pub decision: String,
    pub url: String,
    #[serde(default, deserialize_with = "date_opt")]
    pub valid_from: Option<Date>,
    #[serde(default, deserialize_with = "date_opt")]
    pub valid_until: Option<Date>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub requires_certification: Option<String>,
    /// A court case against the decision, pending from the day it was lodged.
    #[serde(default)]
    pub pending_case: Option<PendingCase>,
    #[serde(default = "yes")]
    pub verified: bool,
}

/// A pending challenge to a decision or mechanism.
#[derive(Debug, Deserialize)]
pub struct PendingCase {
    pub case: String,
    #[serde(deserialize_with = "date")]
    pub lodged: Date,
    #[serde(default)]
    pub url: Option<String>,
}

impl PendingCase {
    /// The case number, when the case had been lodged by `date`.
    pub fn pending_on(&self, date: Date) -> Option<&str> {
        (self.lodged <= date).then_some(self.case.as_str())
    }
}

impl AdequacyDecision {
    pub fn in_force_on(&self, date: Date) -> bool {
        self.valid_from.is_none_or(|f| f <= date) && self.valid_until.is_none_or(|u| date <= u)
    }

    /// Whether the decision covers a party that holds the certifications
    /// `held` says it does: one that requires a certification (the DPF)
    /// covers only the parties certified.
    pub fn covers(&self, held: impl Fn(&str) -> bool) -> bool {
        self.requires_certification.as_deref().is_none_or(held)
    }
}

#[derive(Debug, Deserialize)]
struct AdequacyFile {
    regime: String,
    decisions: Vec<AdequacyDecision>,
}

/// What a transfer mechanism is under one regime.
#[derive(Debug, Deserialize)]
pub struct MechanismRegime {
    pub article: String,
    pub url: String,
    /// For `adequacy`: the adequacy list that decides validity.
    #[serde(default)]
    pub list: Option<String>,
    #[serde(default, deserialize_with = "date_opt")]
    pub valid_from: Option<Date>,
    #[serde(default, deserialize_with = "date_opt")]
    pub invalid_from: Option<Date>,
    #[serde(default)]
    pub invalidated_by: Option<serde_json::Value>,
    #[serde(default)]
    pub countries: Option<Vec<String>>,
    #[serde(default)]
    pub requires_certification: Option<String>,
    #[serde(default)]
    pub requires_tia: bool,
    #[serde(default)]
    pub requires_swiss_addendum: bool,
    #[serde(default)]
    pub pending_case: Option<PendingCase>,
    #[serde(default = "yes")]
    pub verified: bool,
}

#[derive(Debug, Deserialize)]
pub struct Mechanism {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub regimes: BTreeMap<String, MechanismRegime>,
}

#[derive(Debug, Deserialize)]
struct MechanismsFile {
    mechanisms: Vec<Mechanism>,
}

#[derive(Debug, Deserialize)]
pub struct ChildAge {
    pub country: String,
    pub age: u32,
    #[serde(default = "yes")]
    pub verified: bool,
}

#[derive(Debug, Deserialize)]
pub struct ChildAges {
    pub default_age: u32,
    pub ages: Vec<ChildAge>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
pub struct Country {
    pub code: String,
    /// ISO 3166-1 alpha-3, for hints only (`USA` → `US`).
    #[serde(default)]
    pub alpha3: Option<String>,
    pub name: String,
    /// A shorter name in common use (`South Korea`), for hints only.
    #[serde(default)]
    pub common_name: Option<String>,
    /// The Member State a territory is part of (`RE` → `FR`).
    #[serde(default)]
    pub part_of: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CountryAlias {
    pub alias: String,
    pub code: String,
    pub note: String,
}

#[derive(Debug, Deserialize)]
struct CountriesFile {
    countries: Vec<Country>,
    #[serde(default)]
    aliases: Vec<CountryAlias>,
}

#[derive(Debug, Deserialize)]
pub struct RegionMember {
    pub country: String,
    #[serde(default, deserialize_with = "date_opt")]
    pub from: Option<Date>,
    #[serde(default, deserialize_with = "date_opt")]
    pub until: Option<Date>,
}

impl RegionMember {
    pub fn member_on(&self, date: Date) -> bool {
        self.from.is_none_or(|f| f <= date) && self.until.is_none_or(|u| date <= u)
    }
}

#[derive(Debug, Deserialize)]
pub struct Region {
    pub id: String,
    pub name: String,
    pub members: Vec<RegionMember>,
}

#[derive(Debug, Deserialize)]
struct RegionsFile {
    regions: Vec<Region>,
}

#[derive(Debug, Deserialize)]
pub struct MarkInfo {
    pub name: String,
    pub citation: String,
    pub url: String,
}

#[derive(Debug, Deserialize)]
pub struct TaxonomyEntry {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub marks: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct TaxonomyFile {
    pub marks: BTreeMap<String, MarkInfo>,
    pub categories: Vec<TaxonomyEntry>,
    pub subjects: Vec<TaxonomyEntry>,
}

#[derive(Debug, Deserialize)]
pub struct Applies {
    #[serde(default)]
    pub established_in: Vec<String>,
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default)]
    pub with: Vec<String>,
    /// The day it applies from (`YYYY-MM-DD`): an earlier `--as-of` is
    /// still evaluated with its rules, and the run says so.
    #[serde(default)]
    pub from: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CitationData {
    pub text: String,
    pub url: String,
}

#[derive(Debug, Deserialize)]
pub struct RegulationInfo {
    pub id: String,
    pub name: String,
    pub applies: Applies,
    pub citation: CitationData,
}

#[derive(Debug, Deserialize)]
struct RegulationsFile {
    regulations: Vec<RegulationInfo>,
}

/// All built-in reference data.
#[derive(Debug)]
pub struct ReferenceData {
    pub countries: Vec<Country>,
    pub country_index: HashMap<String, usize>,
    pub aliases: Vec<CountryAlias>,
    pub regions: Vec<Region>,
    pub taxonomy: TaxonomyFile,
    pub regulations: Vec<RegulationInfo>,
    /// Adequacy lists by regime id (`gdpr`, `ndsg`).
    pub adequacy: BTreeMap<String, Vec<AdequacyDecision>>,
    pub mechanisms: Vec<Mechanism>,
    pub child_ages: ChildAges,
}

impl ReferenceData {
    /// The embedded data, parsed once per process.
    pub fn get() -> &'static ReferenceData {
        static DATA: OnceLock<ReferenceData> = OnceLock::new();
        DATA.get_or_init(|| {
            let countries: CountriesFile = read(COUNTRIES);
            let regions: RegionsFile = read(REGIONS);
            let taxonomy: TaxonomyFile = read(TAXONOMY);
            let regulations: RegulationsFile = read(REGULATIONS);
            let mut adequacy = BTreeMap::new();
            for file in [ADEQUACY_EU, ADEQUACY_CH] {
                let file: AdequacyFile = read(file);
                adequacy.insert(file.regime, file.decisions);
            }
            let mechanisms: MechanismsFile = read(MECHANISMS);
            let child_ages: ChildAges = read(CHILD_AGES);
            let country_index = countries
                .countries
                .iter()
                .enumerate()
                .map(|(i, c)| (c.code.clone(), i))
                .collect();
            ReferenceData {
                countries: countries.countries,
                country_index,
                aliases: countries.aliases,
                regions: regions.regions,
                taxonomy,
                regulations: regulations.regulations,
                adequacy,
                mechanisms: mechanisms.mechanisms,
                child_ages,
            }
        })
    }

    pub fn country(&self, code: &str) -> Option<&Country> {
        self.country_index.get(code).map(|&i| &self.countries[i])
    }

    /// The alpha-2 code a user most likely meant by something that is not
    /// one: `de`, `uk` (an alias), `USA` (alpha-3), `Germany`, `South Korea`.
    pub fn code_meant_by(&self, written: &str) -> Option<&str> {
        let written = written.trim();
        let upper = written.to_ascii_uppercase();
        self.country(&upper)
            .map(|c| c.code.as_str())
            .or_else(|| self.alias(&upper).map(|a| a.code.as_str()))
            .or_else(|| {
                self.countries
                    .iter()
                    .find(|c| {
                        c.alpha3.as_deref() == Some(upper.as_str())
                            || c.name.eq_ignore_ascii_case(written)
                            || c.common_name
                                .as_deref()
                                .is_some_and(|n| n.eq_ignore_ascii_case(written))
                    })
                    .map(|c| c.code.as_str())
            })
    }

    /// The state whose law applies in `code`: itself, or the Member State a
    /// territory with its own code is part of.
    pub fn state_of<'c>(&'c self, code: &'c str) -> &'c str {
        self.country(code)
            .and_then(|c| c.part_of.as_deref())
            .unwrap_or(code)
    }

    pub fn alias(&self, code: &str) -> Option<&CountryAlias> {
        self.aliases.iter().find(|a| a.alias == code)
    }

    pub fn region(&self, id: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.id == id)
    }

    /// Whether `place` (a country code or a region id) contains `country` on `date`.
    pub fn place_contains(&self, place: &str, country: &str, date: Date) -> bool {
        match self.region(place) {
            Some(region) => region
                .members
                .iter()
                .any(|m| m.country == country && m.member_on(date)),
            None => place == country,
        }
    }

    pub fn mechanism(&self, id: &str) -> Option<&Mechanism> {
        self.mechanisms.iter().find(|m| m.id == id)
    }

    /// The adequacy entries of a regime that cover `country` on `date`.
    pub fn adequacy_for(&self, regime: &str, country: &str, date: Date) -> Vec<&AdequacyDecision> {
        self.adequacy
            .get(regime)
            .map(|list| {
                list.iter()
                    .filter(|d| {
                        d.in_force_on(date)
                            && match (&d.destination, &d.region) {
                                (Some(dest), _) => dest == country,
                                (None, Some(region)) => self.place_contains(region, country, date),
                                (None, None) => false,
                            }
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The age of digital consent in a country (GDPR Art. 8), and whether it is verified.
    /// The Art. 8 age of a state the data list, and whether it is verified;
    /// `None` for a state they do not cover (see [`Self::default_child_age`]).
    pub fn child_age(&self, country: &str) -> Option<(u32, bool)> {
        self.child_ages
            .ages
            .iter()
            .find(|a| a.country == country)
            .map(|a| (a.age, a.verified))
    }

    /// The GDPR's own age (Art. 8(1)), right only where a state set no other.
    pub fn default_child_age(&self) -> u32 {
        self.child_ages.default_age
    }

    /// Country codes and region ids as the countries they stand for on `date`.
    pub fn expand_places<'p>(
        &self,
        places: impl IntoIterator<Item = &'p str>,
        date: Date,
    ) -> Vec<String> {
        places
            .into_iter()
            .flat_map(|place| match self.region(place) {
                Some(region) => region
                    .members
                    .iter()
                    .filter(|m| m.member_on(date))
                    .map(|m| m.country.clone())
                    .collect(),
                None => vec![place.to_string()],
            })
            .collect()
    }

    pub fn in_eea(&self, country: &str, date: Date) -> bool {
        // Between accession to the EU and the EEA's extension (BG, RO in
        // 2007; HR 2013-14) a state was already inside the protected area.
        self.place_contains("EEA", country, date) || self.place_contains("EU", country, date)
    }
}

/// Parses one embedded data file. The files are tested to parse, so a
/// failure here is a build defect, reported as such.
fn read<T: DeserializeOwned>(file: Embedded) -> T {
    serde_json::from_value(file.root(FileId(u32::MAX)).to_json())
        .unwrap_or_else(|e| panic!("embedded {} has the wrong shape: {e}", file.path))
}

fn date<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Date, D::Error> {
    String::deserialize(de)?
        .parse::<Date>()
        .map_err(serde::de::Error::custom)
}

fn date_opt<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<Date>, D::Error> {
    let text: Option<String> = Option::deserialize(de)?;
    text.map(|t| t.parse::<Date>().map_err(serde::de::Error::custom))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_reference_data_parses() {
        let data = ReferenceData::get();
        assert_eq!(data.countries.len(), 250); // ISO's 249 and XK
        assert!(data.region("EEA").is_some());
        assert!(!data.taxonomy.categories.is_empty());
        assert_eq!(data.regulations.len(), 3);
        assert_eq!(data.mechanisms.len(), 17);
        assert!(data.adequacy.contains_key("gdpr") && data.adequacy.contains_key("ndsg"));
    }

    #[test]
    fn eea_membership_is_dated() {
        let data = ReferenceData::get();
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert!(data.in_eea("NO", d("2024-01-01")));
        assert!(data.in_eea("GB", d("2019-06-01")));
        assert!(!data.in_eea("GB", d("2021-06-01")));
        assert!(!data.in_eea("CH", d("2024-01-01")));
        assert!(data.in_eea("HR", d("2013-08-01")));
    }

    #[test]
    fn hints_read_codes_aliases_alpha3_and_names() {
        let data = ReferenceData::get();
        for (written, meant) in [
            ("de", Some("DE")),
            ("uk", Some("GB")),
            ("USA", Some("US")),
            ("che", Some("CH")),
            ("Germany", Some("DE")),
            (" south korea ", Some("KR")),
            ("Vietnam", Some("VN")),
            ("XYZ", None),
            ("", None),
        ] {
            assert_eq!(data.code_meant_by(written), meant, "{written:?}");
        }
        // Every assigned code has its alpha-3 (XK is user-assigned).
        let without: Vec<&str> = data
            .countries
            .iter()
            .filter(|c| c.alpha3.is_none())
            .map(|c| c.code.as_str())
            .collect();
        assert_eq!(without, ["XK"]);
    }
}
