//! Formatting for views: dates (`tonus_clinic::time`, in UTC with the zone named). HTML built
//! in Rust is escaped with the report's (askama's) escaper, `tonus_app::render::esc`.

pub(crate) use tonus_clinic::time::{date, datetime};

#[cfg(test)]
mod tests {

    #[test]
    fn escapes_html() {
        assert_eq!(tonus_app::render::esc("<a href='x'>&\""), "&#60;a href=&#39;x&#39;&#62;&#38;&#34;");
    }
}
