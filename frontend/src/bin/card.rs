//! The card bundle (`dist/pkg/card*`, loaded by `card.html`).

fn main() {
    sfbridge_frontend::app::mount(sfbridge_frontend::card::CardApp);
}
