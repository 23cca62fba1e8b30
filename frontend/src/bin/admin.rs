//! The admin bundle (`dist/pkg/admin*`, loaded by `admin.html`).

fn main() {
    sfbridge_frontend::app::mount(sfbridge_frontend::admin::AdminApp);
}
