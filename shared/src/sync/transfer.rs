//! Attribute mappings exported and imported as versioned JSON: `{"version":1,"mappings":[..]}`.
//!
//! An import replaces the mappings only (identity settings stay, so an import never unlinks
//! anyone) and keeps the same rules as the settings page: a file breaking any is refused whole.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use super::fields::SyncMetadata;
use super::mapping::AttributeMapping;
use super::settings::{SettingsProblem, SyncSettings, validate_settings};

/// The version this build writes and reads.
pub const MAPPINGS_FILE_VERSION: u64 = 1;

/// A mappings file, as read: version 1, or anything else that names a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MappingsFile {
    V1(MappingsV1),
    /// Another version, no version, or a version 1 file not in version 1's shape (parse it as
    /// [`MappingsV1`] for the exact fault).
    Other {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<u64>,
    },
}

/// Version 1 of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingsV1 {
    version: Version1,
    pub mappings: Vec<AttributeMapping>,
}

impl MappingsV1 {
    pub fn new(mappings: Vec<AttributeMapping>) -> Self {
        Self {
            version: Version1,
            mappings,
        }
    }
}

/// The number 1, and nothing else, so that another version never reads as version 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Version1;

impl Serialize for Version1 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(MAPPINGS_FILE_VERSION)
    }
}

impl<'de> Deserialize<'de> for Version1 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let version = u64::deserialize(deserializer)?;
        if version == MAPPINGS_FILE_VERSION {
            Ok(Version1)
        } else {
            Err(de::Error::custom(format!(
                "version {version} is not version {MAPPINGS_FILE_VERSION}"
            )))
        }
    }
}

/// Why an import was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ImportError {
    UnknownVersion {
        found: u64,
    },
    MissingVersion,
    /// Says version 1 but is not shaped like it.
    Malformed,
    /// The mappings break rules: every problem, as the settings page lists them.
    Invalid {
        problems: Vec<SettingsProblem>,
    },
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownVersion { found } => write!(
                f,
                "This mappings file is version {found}; this sfbridge reads version {MAPPINGS_FILE_VERSION} only."
            ),
            Self::MissingVersion => {
                f.write_str("This is not a mappings file: it has no \"version\".")
            }
            Self::Malformed => write!(
                f,
                "This file says version {MAPPINGS_FILE_VERSION} but its mappings are not in version {MAPPINGS_FILE_VERSION}'s shape."
            ),
            Self::Invalid { problems } => {
                write!(f, "The imported mappings break {} rule(s):", problems.len())?;
                for problem in problems {
                    write!(f, " {problem}")?;
                }
                Ok(())
            }
        }
    }
}

/// The settings' mappings as a version 1 file.
pub fn export_mappings(settings: &SyncSettings) -> MappingsFile {
    MappingsFile::V1(MappingsV1::new(settings.mappings.clone()))
}

/// The settings with the file's mappings in place of the current ones, if the file is a known
/// version and the result keeps every rule.
pub fn import_mappings(
    file: MappingsFile,
    current: &SyncSettings,
    metadata: &SyncMetadata,
) -> Result<SyncSettings, ImportError> {
    let mappings = match file {
        MappingsFile::V1(v1) => v1.mappings,
        MappingsFile::Other {
            version: Some(MAPPINGS_FILE_VERSION),
        } => return Err(ImportError::Malformed),
        MappingsFile::Other {
            version: Some(found),
        } => return Err(ImportError::UnknownVersion { found }),
        MappingsFile::Other { version: None } => return Err(ImportError::MissingVersion),
    };
    let imported = SyncSettings {
        identity: current.identity.clone(),
        mappings,
        lead_fallbacks: current.lead_fallbacks.clone(),
    };
    validate_settings(&imported, metadata).map_err(|problems| ImportError::Invalid { problems })?;
    Ok(imported)
}
