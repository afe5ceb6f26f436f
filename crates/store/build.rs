//! Rebuilds the crate when a migration is added: `sqlx::migrate!` embeds the folders' files
//! at compile time but does not itself watch the folders for new ones.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
