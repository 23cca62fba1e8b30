//! The case form's bundle (`dist/pkg/case*`, loaded by `case.html`).

fn main() {
    sfbridge_frontend::app::mount(sfbridge_frontend::case::CaseApp);
}
