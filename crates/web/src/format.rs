//! Formatting for views: dates (`tonus_clinic::time`, in UTC with the zone named) and HTML
//! escaping for the SVG built in Rust.

pub(crate) use tonus_clinic::time::{date, datetime};

/// Escapes text for HTML element content and attribute values: askama's escaper, the one the
/// templates and the report use.
pub(crate) fn escape_html(text: &str) -> String {
    tonus_app::render::esc(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html() {
        assert_eq!(escape_html("<a href='x'>&\""), "&#60;a href=&#39;x&#39;&#62;&#38;&#34;");
    }
}
