//! `Sforce-Limit-Info`: how much of the org's daily API allocation is used.

/// `api-usage=18/5000`: calls used today and the daily allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiUsage {
    pub used: u64,
    pub max: u64,
}

impl ApiUsage {
    /// Reads the header tolerantly: entries split on `;` (or `,`), only `api-usage` is kept.
    pub fn parse(header: &str) -> Option<ApiUsage> {
        header.split([';', ',']).find_map(|entry| {
            let (key, value) = entry.trim().split_once('=')?;
            if key.trim() != "api-usage" {
                return None;
            }
            let (used, max) = value.trim().split_once('/')?;
            Some(ApiUsage {
                used: used.trim().parse().ok()?,
                max: max.trim().parse().ok()?,
            })
        })
    }

    /// The share of the allocation used, 0.0 to 1.0 (or more, past it).
    pub fn fraction(&self) -> f64 {
        if self.max == 0 {
            1.0
        } else {
            self.used as f64 / self.max as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_and_per_app_forms() {
        assert_eq!(
            ApiUsage::parse("api-usage=18/5000"),
            Some(ApiUsage {
                used: 18,
                max: 5000
            })
        );
        assert_eq!(
            ApiUsage::parse("per-app-api-usage=17/250(appName=sfbridge); api-usage=25/15000"),
            Some(ApiUsage {
                used: 25,
                max: 15000
            })
        );
        assert_eq!(ApiUsage::parse("per-app-api-usage=17/250(appName=x)"), None);
        assert_eq!(ApiUsage::parse("api-usage=garbage"), None);
        assert!((ApiUsage { used: 40, max: 100 }.fraction() - 0.4).abs() < 1e-9);
    }
}
