//! The plugin's world and exports come from manifest.yaml's `provides`.
fn main() {
    bex_pdk::build::plugin();
}
