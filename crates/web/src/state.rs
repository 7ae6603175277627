use std::sync::Arc;

use cephalog_core::rules::RuleSet;
use cephalog_store::Store;

use crate::Config;

/// What every handler can reach: the database, the rule sets and the settings. Nothing here
/// changes while the server runs, so servers can be multiplied freely.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub rules: Arc<Vec<RuleSet>>,
    pub config: Arc<Config>,
}

impl AppState {
    pub fn new(store: Store, rules: Vec<RuleSet>, config: Config) -> Self {
        AppState {
            store,
            rules: Arc::new(rules),
            config: Arc::new(config),
        }
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.config.clock.today()
    }
}
