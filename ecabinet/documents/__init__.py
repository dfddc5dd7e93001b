"""Draft documents: content-addressed storage, upload checks, watermarking."""
