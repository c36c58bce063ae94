"""The interactive review app (Textual). A thin layer over auditui.core."""
