"""PDF generation helpers shared by minutes, drafts and exports."""
