//! Errors of the app layer: bad input (naming the file, the line or field, and the fix) and a
//! bad knowledge base. The binary maps them to exit codes; the web layer to a 4xx page.

use std::fmt;

/// Input that cannot be used: a syntax error, an unknown or mistyped field, or a value out of
/// range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InputError {
    /// The file (or form) the input came from.
    pub file: String,
    /// 1-based line, for syntax errors.
    pub line: Option<usize>,
    /// 1-based column, for syntax errors.
    pub column: Option<usize>,
    /// The field path, such as `symptoms.pain[0].intensity`.
    pub field: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ": field \"{field}\"")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl InputError {
    /// An error in one field.
    pub fn field(file: &str, field: &str, message: String) -> InputError {
        InputError { file: file.to_string(), line: None, column: None, field: Some(field.to_string()), message }
    }

    /// An error about the whole input.
    pub fn whole(file: &str, message: String) -> InputError {
        InputError { file: file.to_string(), line: None, column: None, field: None, message }
    }

    /// A TOML syntax or type error, with its line and column.
    pub fn syntax(file: &str, input: &str, e: &toml::de::Error) -> InputError {
        let (line, column) = match e.span() {
            Some(span) => {
                let before = &input[..span.start.min(input.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        let field = line.and_then(|l| toml_field_at(input, l));
        InputError { file: file.to_string(), line, column, field, message: e.message().trim().to_string() }
    }

    /// Reads JSON text as `T`; an error names the file, line and column, and the field by its
    /// path (`client.age`, `landmarks[3]`) where the text got that far.
    pub fn from_json<T: serde::de::DeserializeOwned>(text: &str, file: &str) -> Result<T, InputError> {
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(text)).map_err(|e| {
            let path = e.path().to_string();
            let mut err = InputError::json(file, e.inner());
            err.field = (path != ".").then_some(path);
            err
        })
    }

    /// A JSON syntax or type error, with its line and column.
    pub fn json(file: &str, e: &serde_json::Error) -> InputError {
        let message = e.to_string();
        // serde_json appends " at line N column M"; keep the message without it.
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        InputError { file: file.to_string(), line: Some(e.line()), column: Some(e.column()), field: None, message }
    }
}

/// The dotted key a TOML line sets, under the nearest table header above it: for a type error
/// on `version = "3"` below `[outcomes.psfs]`, `outcomes.psfs.version`.
fn toml_field_at(input: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = input.lines().collect();
    let text = lines.get(line.checked_sub(1)?)?.trim();
    let key = text.split_once('=').map(|(k, _)| k.trim().trim_matches('"'))?;
    if key.is_empty() || key.starts_with('[') || key.starts_with('#') {
        return None;
    }
    let header = lines[..line - 1]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('['))
        .map(|h| h.trim_start_matches('[').trim_end_matches(']').trim_start_matches('[').trim_end_matches(']').trim().to_string());
    Some(match header {
        Some(h) if !h.is_empty() => format!("{h}.{key}"),
        _ => key.to_string(),
    })
}

/// Anything the app's use cases can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A bad knowledge base (overrides).
    #[error("knowledge base")]
    Knowledge(#[from] tonus_core::KnowledgeError),
    /// A photo could not be decoded or measured.
    #[error(transparent)]
    Photo(#[from] tonus_pose::PoseError),
    /// A file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}
