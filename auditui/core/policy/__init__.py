"""The policy file `.auditui.toml`: what it may say, read strictly."""
