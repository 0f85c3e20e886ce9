//! The dashboard binary Trunk builds for `index.html`.
fn main() {
    console_error_panic_hook::set_once();
    streamlab_ui::mount_all();
}
