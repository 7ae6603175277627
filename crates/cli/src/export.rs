pub async fn export(_s: &cephalog_store::Store, _a: crate::ExportArgs) -> anyhow::Result<()> {
    Ok(())
}
