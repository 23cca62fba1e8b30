//! The CSV a job reads and writes: its column delimiter and line ending (`columnDelimiter`,
//! `lineEnding`), every value written in double quotes as Salesforce writes its results.

use csv::{QuoteStyle, Terminator, WriterBuilder};

use super::super::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    Backquote,
    Caret,
    Comma,
    Pipe,
    Semicolon,
    Tab,
}

const DELIMITERS: [(Delimiter, &str, u8); 6] = [
    (Delimiter::Backquote, "BACKQUOTE", b'`'),
    (Delimiter::Caret, "CARET", b'^'),
    (Delimiter::Comma, "COMMA", b','),
    (Delimiter::Pipe, "PIPE", b'|'),
    (Delimiter::Semicolon, "SEMICOLON", b';'),
    (Delimiter::Tab, "TAB", b'\t'),
];

impl Delimiter {
    pub fn name(self) -> &'static str {
        DELIMITERS
            .iter()
            .find(|d| d.0 == self)
            .map_or("COMMA", |d| d.1)
    }
    fn byte(self) -> u8 {
        DELIMITERS
            .iter()
            .find(|d| d.0 == self)
            .map_or(b',', |d| d.2)
    }
    /// `None` (absent) is COMMA; an unknown name is refused as the JSON parser refuses it.
    pub fn parse(given: Option<&str>) -> Result<Delimiter, ApiError> {
        let Some(given) = given else {
            return Ok(Delimiter::Comma);
        };
        DELIMITERS
            .iter()
            .find(|d| d.1 == given)
            .map(|d| d.0)
            .ok_or_else(|| {
                enum_error(
                    "ColumnDelimiterEnum",
                    given,
                    "BACKQUOTE, CARET, COMMA, PIPE, SEMICOLON, TAB",
                )
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    Lf,
    Crlf,
}

impl LineEnding {
    pub fn name(self) -> &'static str {
        match self {
            LineEnding::Lf => "LF",
            LineEnding::Crlf => "CRLF",
        }
    }
    pub fn parse(given: Option<&str>) -> Result<LineEnding, ApiError> {
        match given {
            None | Some("LF") => Ok(LineEnding::Lf),
            Some("CRLF") => Ok(LineEnding::Crlf),
            Some(other) => Err(enum_error("LineEndingEnum", other, "LF, CRLF")),
        }
    }
}

/// `contentType`: CSV is the only one Bulk API 2.0 takes.
pub fn check_content_type(given: Option<&str>) -> Result<(), ApiError> {
    match given {
        None | Some("CSV") => Ok(()),
        Some(other) => Err(enum_error("ContentType", other, "CSV")),
    }
}

fn enum_error(kind: &str, given: &str, allowed: &str) -> ApiError {
    ApiError::bad_request(
        "JSON_PARSER_ERROR",
        format!(
            "Cannot deserialize value of type `{kind}` from String \"{given}\": not one of the values accepted for Enum class: [{allowed}]"
        ),
    )
}

/// The job's CSV flavour.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    pub delimiter: Delimiter,
    pub line_ending: LineEnding,
}

impl Dialect {
    /// Writes `rows` (the header first, if any) to `out`, every value quoted.
    pub fn write<I, R, S>(&self, out: &mut Vec<u8>, rows: I)
    where
        I: IntoIterator<Item = R>,
        R: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let terminator = match self.line_ending {
            LineEnding::Lf => Terminator::Any(b'\n'),
            LineEnding::Crlf => Terminator::CRLF,
        };
        let mut writer = WriterBuilder::new()
            .delimiter(self.delimiter.byte())
            .terminator(terminator)
            .quote_style(QuoteStyle::Always)
            .flexible(true)
            .from_writer(out);
        for row in rows {
            // Writing to a Vec cannot fail.
            let _ = writer.write_record(row);
        }
        let _ = writer.flush();
    }

    /// Reads an upload: its header and rows. A line ending other than the job's stays in
    /// the last value of each line, as it does in Salesforce.
    pub fn read(&self, data: &[u8]) -> Result<(Vec<String>, Vec<csv::StringRecord>), String> {
        let terminator = match self.line_ending {
            LineEnding::Lf => Terminator::Any(b'\n'),
            LineEnding::Crlf => Terminator::CRLF,
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(self.delimiter.byte())
            .terminator(terminator)
            .has_headers(true)
            .from_reader(data);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| e.to_string())?
            .iter()
            .map(str::to_owned)
            .collect();
        let mut rows = Vec::new();
        for row in reader.records() {
            rows.push(row.map_err(|e| e.to_string())?);
        }
        Ok((header, rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_and_quotes_doubled() {
        let dialect = Dialect {
            delimiter: Delimiter::Comma,
            line_ending: LineEnding::Lf,
        };
        let mut out = Vec::new();
        dialect.write(
            &mut out,
            [["Id", "Name"], ["001", "Say \"hi\", then\nleave"]],
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"Id\",\"Name\"\n\"001\",\"Say \"\"hi\"\", then\nleave\"\n"
        );
    }

    #[test]
    fn tab_and_crlf_round_trip() {
        let dialect = Dialect {
            delimiter: Delimiter::Tab,
            line_ending: LineEnding::Crlf,
        };
        let mut out = Vec::new();
        dialect.write(&mut out, [["A", "B"], ["x\ty", ""]]);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "\"A\"\t\"B\"\r\n\"x\ty\"\t\"\"\r\n"
        );
        let (header, rows) = dialect.read(&out).unwrap();
        assert_eq!(header, ["A", "B"]);
        assert_eq!(&rows[0][0], "x\ty");
        assert_eq!(&rows[0][1], "");
    }

    #[test]
    fn unknown_names_are_refused() {
        assert!(Delimiter::parse(Some("COLON")).is_err());
        assert!(LineEnding::parse(Some("CR")).is_err());
        assert_eq!(Delimiter::parse(None).unwrap(), Delimiter::Comma);
    }
}
