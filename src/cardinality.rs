//! An account's cardinality controls: `max_series`, `include`, `exclude`
//! and `aggregate_only`, parsed from its keys.
//!
//! They are applied in one place, when a provider's table is built
//! ([`crate::exposition`]): rows beyond the cap or filtered out are summed
//! into `__other__`, never dropped, so totals stay exact.

use std::sync::Arc;

use regex::RegexSet;

use crate::values::EnvString;

/// An account's cardinality controls.
#[derive(Debug, Clone, Default)]
pub struct Cardinality {
    /// Most rows kept per table and period (0: totals only); `None`: all.
    pub max_series: Option<usize>,
    pub filter: Option<Arc<Filter>>,
}

impl Cardinality {
    /// Whether a row named `name` (URL, stream or target name) is kept.
    pub fn keeps(&self, name: &str) -> bool {
        self.filter.as_ref().is_none_or(|f| f.keeps(name))
    }
}

/// `include` and `exclude` regexes on row names, searched anywhere in the
/// name as `grep -E` does (anchor with `^...$` to match whole names).
#[derive(Debug)]
pub struct Filter {
    include: Option<RegexSet>,
    exclude: Option<RegexSet>,
}

impl Filter {
    /// Compiles the patterns; an empty list does not filter.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Filter, regex::Error> {
        let set = |patterns: &[String]| {
            (!patterns.is_empty())
                .then(|| RegexSet::new(patterns))
                .transpose()
        };
        Ok(Filter {
            include: set(include)?,
            exclude: set(exclude)?,
        })
    }

    /// Kept: matches an `include` pattern (when there are any) and no
    /// `exclude` pattern.
    pub fn keeps(&self, name: &str) -> bool {
        self.include.as_ref().is_none_or(|s| s.is_match(name))
            && !self.exclude.as_ref().is_some_and(|s| s.is_match(name))
    }
}

/// An account's cardinality keys: `max_series`, `include`, `exclude`,
/// `aggregate_only` (which is `max_series: 0`).
pub fn from_keys(
    account: &str,
    max_series: Option<usize>,
    include: &[EnvString],
    exclude: &[EnvString],
    aggregate_only: bool,
) -> Result<Cardinality, String> {
    let max_series = match (max_series, aggregate_only) {
        (Some(_), true) => {
            return Err(format!(
                "account `{account}`: set max_series or aggregate_only, not both"
            ))
        }
        (_, true) => Some(0),
        (max, false) => max,
    };
    let patterns = |list: &[EnvString]| list.iter().map(|p| p.0.clone()).collect::<Vec<_>>();
    let (include, exclude) = (patterns(include), patterns(exclude));
    let filter = if include.is_empty() && exclude.is_empty() {
        None
    } else {
        let filter = Filter::new(&include, &exclude)
            .map_err(|e| format!("account `{account}`: include/exclude: {e}"))?;
        Some(Arc::new(filter))
    };
    Ok(Cardinality { max_series, filter })
}
