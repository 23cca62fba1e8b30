//! sfbridge web pages: a Leptos client-side app compiled to wasm32.
//!
//! `index.html` loads the wasm-bindgen output and calls [`mount`]. The pages read the back
//! end's JSON API; the wire types come from the `shared` crate so both sides agree on every shape.

pub mod api;
pub mod app;
pub mod card;
pub mod case;
pub mod clock;
pub mod connections;
pub mod format;
pub mod inbox;
pub mod moment;
pub mod problem;
pub mod setup;
pub mod signin;
pub mod team;

use wasm_bindgen::prelude::wasm_bindgen;

/// Mounts the app on `<body>`.
///
/// An exported function rather than `#[wasm_bindgen(start)]`: the test binaries link this
/// crate too, and they must not mount the whole app into the test page.
#[wasm_bindgen]
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
