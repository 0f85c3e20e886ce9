//! The Streams panel bundle Trunk builds (`streamlab-sql.js` + wasm). It mounts nothing on its
//! own: a lab calls [`streamlab_sql_ui::mount_sql`] (through the loader) once it needs SQL.
fn main() {
    streamlab_sql_ui::start();
}
