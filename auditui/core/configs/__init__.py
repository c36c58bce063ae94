"""Config files to data: parsing documents, naming models, extracting prompt limits,
and which files a layout covers."""
