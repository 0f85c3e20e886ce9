//! The Kinesis endpoint bundle Trunk builds (`streamlab-remote.js` + wasm). It mounts nothing on
//! its own: the loader `stream-lab.js` calls [`streamlab_remote::mount_remote`] for each
//! `<stream-lab>` element that has an `endpoint` attribute.
fn main() {
    streamlab_remote::start();
}
