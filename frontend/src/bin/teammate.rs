//! The teammate bundle (`dist/pkg/teammate*`, loaded by `index.html`).

fn main() {
    sfbridge_frontend::app::mount(sfbridge_frontend::teammate::TeammateApp);
}
